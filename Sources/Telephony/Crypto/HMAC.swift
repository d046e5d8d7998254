/// HMAC-SHA256 (RFC 2104, FIPS 198-1), for webhook signatures; tested with the RFC 4231 vectors.
public enum HMACSHA256 {
    static let blockSize = 64

    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        // Keys longer than a block are hashed first; shorter ones are padded with zeros.
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5C })
        outer.update(inner.finalize())
        return outer.finalize()
    }

    public static func hexCode(key: String, message: String) -> String {
        hex(authenticationCode(key: Array(key.utf8), message: Array(message.utf8)))
    }
}
