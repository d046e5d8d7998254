/// Username and password for digest authentication. Never logged.
public struct DigestCredentials: Sendable, Equatable {
    public var username: String
    public var password: String
    /// When set, only challenges from this realm are answered (the password is not offered to any other).
    public var realm: String?

    public init(username: String, password: String, realm: String? = nil) {
        self.username = username
        self.password = password
        self.realm = realm
    }
}
