/// A Via header value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=…;rport`.
public struct SIPVia: Sendable, Hashable {
    public var transport: String
    public var host: String
    public var port: Int?
    public var parameters: HeaderParameters

    public init(transport: String, host: String, port: Int?, parameters: HeaderParameters) {
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public var branch: String? { parameters["branch"] }

    /// Parses one Via value; nil unless it is `SIP/2.0/<transport> host[:port]` (white space allowed
    /// around the slashes, as RFC 4475's tortuous INVITE has it).
    public init?(parsing text: String) {
        guard let parsed = text.withSIPBytes(Self.parse) else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> SIPVia? {
        let semicolon = SIPBytes.firstIndex(of: UInt8(ascii: ";"), in: bytes, 0, bytes.count) ?? bytes.count
        // sent-protocol: "SIP" / "2.0" / transport, LWS allowed around the slashes.
        guard let slash1 = SIPBytes.firstIndex(of: UInt8(ascii: "/"), in: bytes, 0, semicolon),
              let slash2 = SIPBytes.firstIndex(of: UInt8(ascii: "/"), in: bytes, slash1 + 1, semicolon) else { return nil }
        let (nameLo, nameHi) = SIPBytes.trimmed(bytes, 0, slash1)
        let (versionLo, versionHi) = SIPBytes.trimmed(bytes, slash1 + 1, slash2)
        guard SIPBytes.equalsIgnoringCase(bytes, nameLo, nameHi, "SIP"),
              versionHi - versionLo == 3, bytes[versionLo] == UInt8(ascii: "2"), bytes[versionLo + 1] == UInt8(ascii: "."),
              bytes[versionLo + 2] == UInt8(ascii: "0") else { return nil }
        // The rest before the parameters: exactly "transport LWS host[:port]".
        let (restLo, restHi) = SIPBytes.trimmed(bytes, slash2 + 1, semicolon)
        var transportEnd = restLo
        while transportEnd < restHi, bytes[transportEnd] != 0x20, bytes[transportEnd] != 0x09 { transportEnd += 1 }
        var hostLo = transportEnd
        while hostLo < restHi, bytes[hostLo] == 0x20 || bytes[hostLo] == 0x09 { hostLo += 1 }
        guard transportEnd > restLo, hostLo < restHi,
              !bytes[hostLo..<restHi].contains(where: { $0 == 0x20 || $0 == 0x09 }) else { return nil }
        var hostHi = restHi
        var port: Int?
        if let colon = SIPBytes.lastIndex(of: UInt8(ascii: ":"), in: bytes, hostLo, restHi), bytes[restHi - 1] != UInt8(ascii: "]") {
            guard let number = SIPBytes.decimal(bytes, colon + 1, restHi), (1...65535).contains(number) else { return nil }
            port = number
            hostHi = colon
        }
        guard hostHi > hostLo else { return nil }
        let transport = SIPBytes.string(bytes, restLo, transportEnd)
        return SIPVia(transport: transport.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A || $0 >= 0x80 }) ? transport.uppercased() : transport,
                      host: SIPBytes.string(bytes, hostLo, hostHi), port: port,
                      parameters: HeaderParameters(HeaderParameters.items(bytes, min(semicolon + 1, bytes.count), bytes.count)))
    }

    public var serialized: String {
        "SIP/2.0/\(transport) \(host)" + (port.map { ":\($0)" } ?? "") + parameters.serialized
    }
}
