/// A SIP trunk: where calls to phone numbers go, and the credentials it may ask for.
public struct SIPTrunk: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int
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

    public init(name: String, host: String, port: Int = 5060, username: String? = nil, password: String? = nil,
                transport: SIPTransportProtocol = .udp, outboundProxy: SIPDestination? = nil, domain: String? = nil,
                fromDomain: String? = nil, realm: String? = nil, assertIdentity: Bool = false, register: Bool = false,
                registrar: SIPDestination? = nil, expires: Int = 3600) {
        self.name = name
        self.host = host
        self.port = port
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

    /// The host part of a phone number's Request-URI.
    public var requestURIHost: String { domain ?? "\(SIPURI.hostReference(host)):\(port)" }
}
