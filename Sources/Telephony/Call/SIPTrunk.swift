/// A SIP trunk: where calls to phone numbers go, and the credentials it may ask for.
public struct SIPTrunk: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int
    public var username: String?
    /// Never logged.
    public var password: String?

    public init(name: String, host: String, port: Int = 5060, username: String? = nil, password: String? = nil) {
        self.name = name
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }
}
