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
        let semicolon = text.firstIndex(of: ";") ?? text.endIndex
        let sentBy = text[..<semicolon]
        let slashParts = sentBy.split(separator: "/", maxSplits: 2).map { $0.trimmingSIPWhitespace() }
        guard slashParts.count == 3, slashParts[0].uppercased() == "SIP", slashParts[1] == "2.0" else { return nil }
        let rest = slashParts[2].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard rest.count == 2 else { return nil }
        transport = rest[0].uppercased()
        var hostPort = Substring(rest[1])
        port = nil
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            hostPort = hostPort[..<colon]
        }
        guard !hostPort.isEmpty else { return nil }
        host = String(hostPort)
        parameters = HeaderParameters(parsing: text[semicolon...].dropFirst())
    }

    public var serialized: String {
        "SIP/2.0/\(transport) \(host)" + (port.map { ":\($0)" } ?? "") + parameters.serialized
    }
}
