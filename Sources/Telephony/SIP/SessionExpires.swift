/// The `Session-Expires` header of RFC 4028 §4: the session interval in seconds and who refreshes.
public struct SessionExpires: Sendable, Equatable, CustomStringConvertible {
    /// Which side of the transaction that carries the header refreshes the session.
    public enum Refresher: String, Sendable, Equatable {
        case uac, uas
    }

    public var deltaSeconds: Int
    public var refresher: Refresher?

    public init(deltaSeconds: Int, refresher: Refresher? = nil) {
        self.deltaSeconds = deltaSeconds
        self.refresher = refresher
    }

    /// Parses `1800;refresher=uac`; nil when the delta is not a number of seconds.
    public init?(parsing text: String) {
        let parts = text.split(separator: ";").map { $0.trimmingSIPWhitespace() }
        guard let first = parts.first, let delta = Int(first), delta >= 0 else { return nil }
        deltaSeconds = delta
        refresher = nil
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSIPWhitespace().lowercased() }
            if pair.count == 2, pair[0] == "refresher" { refresher = Refresher(rawValue: pair[1]) }
        }
    }

    public var description: String { "\(deltaSeconds)" + (refresher.map { ";refresher=\($0.rawValue)" } ?? "") }
}
