/// DNS queries and answers on the wire (RFC 1035 §4): what the resolver sends and what it reads
/// back, as pure functions over bytes.
public enum DNSMessage {
    /// The record types the SIP resolver asks for.
    public enum RecordType: UInt16, Sendable {
        case a = 1
        case cname = 5
        case aaaa = 28
        case srv = 33
    }

    /// One answer record the resolver uses.
    public enum Record: Sendable, Equatable {
        case a(name: String, address: String, ttl: UInt32)
        case aaaa(name: String, address: String, ttl: UInt32)
        case srv(name: String, SRVRecord, ttl: UInt32)

        public var ttl: UInt32 {
            switch self {
            case .a(_, _, let ttl), .aaaa(_, _, let ttl), .srv(_, _, let ttl): ttl
            }
        }
    }

    /// A parsed response: its ID, RCODE and the answer section's records of the types above
    /// (others, such as CNAME, are skipped: their targets' records follow in the same answer).
    public struct Response: Sendable, Equatable {
        public var id: UInt16
        /// RFC 1035 §4.1.1: 0 no error, 3 name error (NXDOMAIN).
        public var responseCode: UInt8
        public var truncated: Bool
        public var records: [Record]
        /// The SOA minimum of the authority section on a negative answer (RFC 2308 §5), for caching "no such record".
        public var negativeTTL: UInt32?
    }

    public enum ParseError: Error, Sendable, Equatable {
        case truncatedMessage
        case badName
        case notAResponse
    }

    /// A recursive query (RD set) for `name` of `type` with `id`.
    public static func query(id: UInt16, name: String, type: RecordType) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".", omittingEmptySubsequences: true) {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0)
        bytes.append(contentsOf: [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1])
        return bytes
    }

    /// Parses a response (RFC 1035 §4.1), following name compression pointers (§4.1.4).
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> Response {
        guard bytes.count >= 12 else { throw .truncatedMessage }
        guard bytes[2] & 0x80 != 0 else { throw .notAResponse }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let truncated = bytes[2] & 0x02 != 0
        let responseCode = bytes[3] & 0x0F
        let questions = Int(u16(bytes, 4)), answers = Int(u16(bytes, 6)), authorities = Int(u16(bytes, 8))
        var offset = 12
        for _ in 0..<questions {
            _ = try readName(bytes, &offset)
            offset += 4
            guard offset <= bytes.count else { throw .truncatedMessage }
        }
        var records: [Record] = []
        var negativeTTL: UInt32?
        for index in 0..<(answers + authorities) {
            let name = try readName(bytes, &offset)
            guard offset + 10 <= bytes.count else { throw .truncatedMessage }
            let type = u16(bytes, offset), ttl = u32(bytes, offset + 4), length = Int(u16(bytes, offset + 8))
            offset += 10
            let start = offset
            guard start + length <= bytes.count else { throw .truncatedMessage }
            if index >= answers {
                // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM).
                if type == 6 {
                    var cursor = start
                    _ = try readName(bytes, &cursor)
                    _ = try readName(bytes, &cursor)
                    guard cursor + 20 <= start + length else { throw .truncatedMessage }
                    negativeTTL = min(ttl, u32(bytes, cursor + 16))
                }
            } else {
                switch RecordType(rawValue: type) {
                case .a where length == 4:
                    records.append(.a(name: name, address: bytes[start..<start + 4].map(String.init).joined(separator: "."), ttl: ttl))
                case .aaaa where length == 16:
                    records.append(.aaaa(name: name, address: ipv6Text(Array(bytes[start..<start + 16])), ttl: ttl))
                case .srv where length >= 7:
                    var cursor = start + 6
                    let target = try readName(bytes, &cursor)
                    records.append(.srv(name: name, SRVRecord(priority: u16(bytes, start), weight: u16(bytes, start + 2),
                                                              port: u16(bytes, start + 4), target: target), ttl: ttl))
                default: break
                }
            }
            offset = start + length
        }
        return Response(id: id, responseCode: responseCode, truncated: truncated, records: records, negativeTTL: negativeTTL)
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }

    private static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// A domain name at `offset` (moved past it); pointers are followed, at most 64 of them, so a loop cannot hang us.
    private static func readName(_ bytes: [UInt8], _ offset: inout Int) throws(ParseError) -> String {
        var labels: [String] = []
        var cursor = offset
        var jumped = false
        var jumps = 0
        while true {
            guard cursor < bytes.count else { throw .truncatedMessage }
            let length = Int(bytes[cursor])
            if length == 0 {
                cursor += 1
                break
            }
            if length & 0xC0 == 0xC0 {
                guard cursor + 1 < bytes.count else { throw .truncatedMessage }
                jumps += 1
                guard jumps <= 64 else { throw .badName }
                let target = (length & 0x3F) << 8 | Int(bytes[cursor + 1])
                if !jumped { offset = cursor + 2 }
                jumped = true
                cursor = target
                continue
            }
            guard length & 0xC0 == 0 else { throw .badName }
            guard cursor + 1 + length <= bytes.count else { throw .truncatedMessage }
            labels.append(String(decoding: bytes[cursor + 1..<cursor + 1 + length], as: UTF8.self))
            cursor += 1 + length
        }
        if !jumped { offset = cursor }
        return labels.joined(separator: ".")
    }

    /// RFC 5952 text of an IPv6 address: lower case, the longest run of two or more zero groups as `::`.
    static func ipv6Text(_ bytes: [UInt8]) -> String {
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var best = (start: -1, count: 0)
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > best.count { best = (index, end - index) }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.count >= 2 else { return hex.joined(separator: ":") }
        return hex[0..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.count)...].joined(separator: ":")
    }
}
