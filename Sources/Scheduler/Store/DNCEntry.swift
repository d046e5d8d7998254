/// One number on the do-not-call list, with where it came from and when.
public struct DNCEntry: Sendable, Equatable {
    public var target: String
    public var source: String
    public var addedAt: String
}
