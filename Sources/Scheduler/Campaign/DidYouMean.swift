/// Suggests the closest known name for a misspelt one ("anwserTimeoutSec" → "answerTimeoutSec").
public enum DidYouMean {
    /// The candidate nearest to `word` by edit distance (case-insensitive), if it is close enough to be a typo.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        // No name is this long; a hostile 10 MB value must not cost 10 MB × candidates of work.
        guard word.utf8.count <= maximumWordLength else { return nil }
        let lowered = Array(word.lowercased())
        let allowed = max(1, min(3, lowered.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            // The distance is at least the difference in length: skip what cannot be close enough.
            guard abs(other.count - lowered.count) <= allowed else { continue }
            let distance = editDistance(lowered, other)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        return best.distance <= allowed ? best.name : nil
    }

    /// Longer words get no suggestion (settings, columns and time zone names are far shorter).
    static let maximumWordLength = 256

    /// ` (did you mean "x"?)`, or an empty string when nothing is close.
    public static func hint(for word: String, among candidates: [String]) -> String {
        suggestion(for: word, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
