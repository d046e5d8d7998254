/// Recognises a carrier's special information tones (ITU-T E.180 §2.5, Telcordia GR-1162 / SR-2275):
/// three tones in a row, about 913.8 or 985.2 Hz, then 1370.6 or 1428.5 Hz, then 1776.7 Hz, each
/// 274 or 380 ms. They come before an intercept announcement ("the number you have dialed is not in
/// service"), and mean the number does not work.
public struct SITDetector: Sendable {
    /// The three segments' nominal frequencies (E.180 / Telcordia), low and high variants.
    public static let segmentFrequencies: [[Double]] = [[913.8, 985.2], [1370.6, 1428.5], [1776.7]]

    /// How far a tone may be from a nominal frequency and still be that segment.
    public var toleranceHz: Double
    /// A segment must last this many frames (frames of a lost packet in it included).
    public var minimumFrames: Int
    /// The most tone-free frames allowed between two segments.
    public var maximumGapFrames: Int

    private struct Segment: Sendable {
        var index: Int
        var startFrame: Int
        var endFrame: Int
        var sumHz: Double
        var heard: Int
        var meanHz: Double { sumHz / Double(max(heard, 1)) }
    }

    private var segments: [Segment] = []

    public init(toleranceHz: Double = 30, minimumFrames: Int = 5, maximumGapFrames: Int = 6) {
        self.toleranceHz = toleranceHz
        self.minimumFrames = minimumFrames
        self.maximumGapFrames = maximumGapFrames
    }

    /// Which of the three segments a frequency belongs to, if any.
    public func segment(of hz: Double) -> Int? {
        Self.segmentFrequencies.firstIndex { nominals in nominals.contains { abs($0 - hz) <= toleranceHz } }
    }

    /// Feeds frame number `index`'s tone (nil: no tone; missing frames are not fed). Returns the three
    /// segments' mean frequencies once the third segment has lasted `minimumFrames`.
    public mutating func toneHeard(_ hz: Double?, index: Int) -> [Double]? {
        if let last = segments.last, index - last.endFrame > maximumGapFrames + 1 { segments.removeAll() }
        guard let hz, let which = segment(of: hz) else { return nil }
        if var last = segments.last, last.index == which {
            last.endFrame = index
            last.sumHz += hz
            last.heard += 1
            segments[segments.count - 1] = last
        } else {
            // A new segment must follow the previous one in order, after it lasted long enough.
            if let last = segments.last, !(last.index + 1 == which && last.endFrame - last.startFrame + 1 >= minimumFrames) {
                segments.removeAll()
            }
            if segments.isEmpty, which != 0 { return nil }
            segments.append(Segment(index: which, startFrame: index, endFrame: index, sumHz: hz, heard: 1))
        }
        guard segments.count == 3, let third = segments.last, third.endFrame - third.startFrame + 1 >= minimumFrames else { return nil }
        let found = segments.map(\.meanHz)
        segments.removeAll()
        return found
    }
}
