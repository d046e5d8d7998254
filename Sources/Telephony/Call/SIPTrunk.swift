/// A SIP trunk: where calls to phone numbers go, and the credentials it may ask for.
public struct SIPTrunk: Sendable, Equatable {
    public var name: String
    public var host: String
    /// The port named in the configuration, else 5060.
    public var port: Int
    /// Whether the configuration named the port: a host name with a port is looked up as A/AAAA
    /// only, one without as SRV first (RFC 3263 §4.2).
    public var hasExplicitPort: Bool
    public var username: String?
    /// Never logged.
    public var password: String?
    /// `udp` or `tcp` (RFC 3261 §18).
    public var transport: SIPTransportProtocol
    /// Where requests are sent instead of `host` (RFC 3261 §8.1.2), put first in the Route set.
    public var outboundProxy: SIPDestination?
    /// The Request-URI and To host for phone numbers (`sip:+1555…@domain;user=phone`); default `host:port`.
    public var domain: String?
    /// The From host when the campaign names no `callerHost`; default our own address.
    public var fromDomain: String?
    /// Credentials are only given to challenges from this realm.
    public var realm: String?
    /// Send the campaign's caller as `P-Asserted-Identity` with `Privacy: none` (RFC 3325), for
    /// carriers that trust the dialer's identity.
    public var assertIdentity: Bool
    /// Register with the registrar (RFC 3261 §10): calls wait while the trunk is not registered.
    public var register: Bool
    /// Where REGISTERs go; default where the trunk's requests go.
    public var registrar: SIPDestination?
    /// The binding's lifetime asked for, in seconds.
    public var expires: Int

    /// - Parameter port: nil when the configuration names none (5060, or the SRV records' ports).
    public init(name: String, host: String, port: Int? = nil, username: String? = nil, password: String? = nil,
                transport: SIPTransportProtocol = .udp, outboundProxy: SIPDestination? = nil, domain: String? = nil,
                fromDomain: String? = nil, realm: String? = nil, assertIdentity: Bool = false, register: Bool = false,
                registrar: SIPDestination? = nil, expires: Int = 3600) {
        self.name = name
        self.host = host
        self.port = port ?? 5060
        hasExplicitPort = port != nil
        self.username = username
        self.password = password
        self.transport = transport
        self.outboundProxy = outboundProxy
        self.domain = domain
        self.fromDomain = fromDomain
        self.realm = realm
        self.assertIdentity = assertIdentity
        self.register = register
        self.registrar = registrar
        self.expires = expires
    }

    /// Where the trunk's requests go: its outbound proxy, else its host.
    public var destination: SIPDestination { outboundProxy ?? SIPDestination(host: host, port: port, transport: transport) }

    /// Whether calls look the host up in DNS (RFC 3263): a name, with no outbound proxy in front.
    public var resolvesByDNS: Bool { outboundProxy == nil && !DNSResolver.isIPLiteral(host) }

    /// Whether the DNS lookup starts with SRV records: a name with no port named (RFC 3263 §4.2).
    public var usesSRV: Bool { !hasExplicitPort && !DNSResolver.isIPLiteral(host) }

    /// The host part of a phone number's Request-URI: `domain`, else the host with its port (a
    /// name looked up by SRV goes without one, as RFC 3263 §4.2 expects of the URI it resolves).
    public var requestURIHost: String {
        if let domain { return domain }
        return usesSRV ? host : "\(SIPURI.hostReference(host)):\(port)"
    }
}
