/// Where a SIP message goes: host, port and transport.
public struct SIPDestination: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var transport: SIPTransportProtocol

    public init(host: String, port: Int, transport: SIPTransportProtocol = .udp) {
        self.host = host
        self.port = port
        self.transport = transport
    }

    /// The host and port a URI points at (5060 unless it names one), on its `transport` parameter's
    /// transport, else on `defaultTransport` (a dialog keeps the transport it started on).
    public init?(uri: String, defaultTransport: SIPTransportProtocol = .udp) {
        guard let parsed = try? SIPURI(parsing: uri) else { return nil }
        host = parsed.host.hasPrefix("[") ? String(parsed.host.dropFirst().dropLast()) : parsed.host
        port = parsed.port ?? 5060
        transport = parsed.parameter("transport").flatMap(SIPTransportProtocol.init(token:)) ?? defaultTransport
    }

    public var description: String {
        let hostPort = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return transport == .udp ? hostPort : "\(hostPort);transport=\(transport.rawValue)"
    }
}
