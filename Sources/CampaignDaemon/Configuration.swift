import Foundation
import IO
import Scheduler
import Telephony

/// The daemon's configuration file (`campaignd.json`), documented in README.md and
/// `deploy/campaignd.example.json`. Relative paths in it are relative to the file's own folder.
struct Configuration: Sendable {
    struct Trunk: Sendable, Equatable {
        var name: String
        var host: String
        /// nil when the file names none: 5060, or the SRV records' ports for a host name (RFC 3263).
        var port: Int?
        var transport = SIPTransportProtocol.udp
        var username: String?
        /// Never logged.
        var password: String?
        var outboundProxy: SIPDestination?
        var domain: String?
        var fromDomain: String?
        var realm: String?
        var assertIdentity = false
        var register = false
        var registrar: SIPDestination?
        var expires = 3600
    }

    struct Limits: Sendable, Equatable {
        var dialoutLimitPerSecond: Double = 10
        var maxConcurrentCalls: Int = 100
        var concurrentCallsExpirationSeconds: Int = 1200
        /// On SIGTERM/SIGINT, how long live calls may go on before they are hung up.
        var drainTimeoutSec: Int = 30
        /// Dialing pauses while the CDR directory has less free space than this.
        var minFreeDiskMB: Int = 16
        /// What a full disk (or less than `minFreeDiskMB` free) does: pause dialing, or stop (exit 4).
        var onDiskFull: DiskFullAction = .pause
        /// Attempts to one number per its local day, every campaign together; nil: no cap.
        var maxAttemptsPerNumberPerDay: Int?
    }

    enum DiskFullAction: String, Sendable, Equatable, CaseIterable {
        /// Dialing waits until the CDR files can be written again, then goes on by itself.
        case pause
        /// Live calls drain, then `run` exits with code 4.
        case exit
    }

    struct Notifications: Sendable, Equatable {
        /// Never logged.
        var signingSecret: String?
        var connectTimeoutSec: Int = 5
        var readTimeoutSec: Int = 10
        /// How long after it was enqueued a failing webhook is still tried.
        var retryForSec: Int = 86_400
        /// An extra cap on retries, only when the configuration sets one (time alone decides otherwise).
        var maxRetryNo: Int?
    }

    struct SIPSettings: Sendable, Equatable {
        /// Address the SIP socket binds to.
        var bindAddress = "0.0.0.0"
        /// Port of the daemon's SIP socket (`campaignd call` picks a free one unless --sip-port says).
        var port = 5060
        /// Address put in Via, Contact and SDP; by default the bind address, or the local address
        /// the system routes toward the trunk when bound to 0.0.0.0.
        var advertisedAddress: String?
        /// RTP on even ports, RTCP on the odd port above: 5,000 calls with media at once by default.
        var rtpPortMin = 20000
        var rtpPortMax = 29999
        /// RFC 3261 T1 in milliseconds (retransmission base; Timer B is 64·T1).
        var t1Ms = 500
        /// The DNS server (`address[:port]`) asked for trunk host names instead of /etc/resolv.conf's;
        /// for tests and split-horizon setups.
        var dnsServer: String?
    }

    struct Runtime: Sendable, Equatable {
        /// Event loops (one thread each) for SIP, media and sockets; nil: one per core.
        var threads: Int?
        /// `SCHED_RR` priority (1-99) for the event loops' threads; nil: normal time sharing.
        var realtimePriority: Int?
    }

    struct Media: Sendable, Equatable {
        /// No RTP from the callee for this long ends an answered call (`error`, "no media").
        var inactivityTimeoutSec = 30
    }

    var campaignsDirectory = "campaigns"
    var dataDirectory = "var"
    var trunks: [Trunk] = []
    var limits = Limits()
    var defaults: JSONNode?
    var defaultSettings = CampaignSettings()
    var dialoutAllowedCallers: [String] = []
    var notifications = Notifications()
    var sip = SIPSettings()
    var runtime = Runtime()
    var media = Media()
    var api = APISettings()
    /// `api.profiles`: the drop-in endpoints' bots, agents, applications and tenants.
    var profiles: [String: APIProfile] = [:]
    /// Rules by number prefix on top of every campaign's window (the stricter wins).
    var callingRules: [CallingRule] = []

    static let keys = ["campaignsDir", "dataDir", "trunks", "limits", "defaults", "dialoutAllowedCallers", "notifications", "sip",
                       "runtime", "media", "api", "callingRules"]

    /// The zone of contacts neither their file, their number nor their campaign places.
    var defaultTimeZone: TimeZone {
        defaultSettings.timezone.flatMap(TimeZone.init(identifier:)) ?? .current
    }

    /// The per-contact calling rules: the dispatcher's claim and the compliance audit use the same.
    var callingPolicy: CallingPolicy {
        CallingPolicy(rules: callingRules, defaultZone: defaultTimeZone, maxAttemptsPerNumberPerDay: limits.maxAttemptsPerNumberPerDay)
    }

    var validationContext: CampaignValidationContext {
        CampaignValidationContext(
            campaignsDirectory: campaignsDirectory, trunkNames: trunks.map(\.name),
            dialoutAllowedCallers: dialoutAllowedCallers, defaults: defaults)
    }

    var sipTrunks: [SIPTrunk] {
        trunks.map { SIPTrunk(name: $0.name, host: $0.host, port: $0.port, username: $0.username, password: $0.password, transport: $0.transport,
                 outboundProxy: $0.outboundProxy, domain: $0.domain, fromDomain: $0.fromDomain, realm: $0.realm, assertIdentity: $0.assertIdentity,
                 register: $0.register, registrar: $0.registrar, expires: $0.expires) }
    }

    /// The address for Via/Contact/SDP: configured, the bind address, or the route toward the first trunk.
    func advertisedAddress(toward host: String?) -> String {
        sip.advertisedAddress
            ?? (!["0.0.0.0", "::"].contains(sip.bindAddress) ? sip.bindAddress
                : SIPTransport.localAddress(toward: host ?? trunks.first?.host ?? (sip.bindAddress == "::" ? "::1" : "127.0.0.1"))
                ?? (sip.bindAddress == "::" ? "::1" : "127.0.0.1"))
    }

    /// The dialer's settings: the advertised address (toward `host` when it must be derived), RTP
    /// range, T1 and trunks. `run` and `call` both dial with it.
    func dialerConfiguration(toward host: String?) -> SIPDialer.Configuration {
        var configuration = SIPDialer.Configuration(
            advertisedHost: advertisedAddress(toward: host), rtpPorts: sip.rtpPortMin...sip.rtpPortMax,
            timing: SIPTiming(t1: .milliseconds(sip.t1Ms)), trunks: sipTrunks,
            mediaInactivityTimeout: .seconds(media.inactivityTimeoutSec))
        configuration.dnsServer = sip.dnsServer
        return configuration
    }

    /// The event loops `run` and `call` use: `runtime.threads`, or one per core, real-time at
    /// `runtime.realtimePriority` when set (logged either way: granted, or refused and why).
    func makeEventLoops() throws(IOError) -> EventLoopGroup {
        let group = try EventLoopGroup(threads: runtime.threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                       realtimePriority: runtime.realtimePriority.map { Int32($0) })
        guard let priority = runtime.realtimePriority else { return group }
        let refusal = group.loops.lazy.compactMap { loop -> Int32? in
            if case .refused(_, let code) = loop.scheduling { return code }
            return nil
        }.first
        if let code = refusal {
            Log.warning("event loops run at normal priority: real-time scheduling refused",
                        [("priority", String(priority)), ("error", String(cString: strerror(code))),
                         ("fix", "give campaignd an RLIMIT_RTPRIO of at least \(priority) (systemd: LimitRTPRIO=\(priority)) or CAP_SYS_NICE")])
        } else {
            Log.info("event loops run real-time", [("policy", "SCHED_RR"), ("priority", String(priority)),
                                                   ("threads", String(group.loops.count))])
        }
        return group
    }

    /// Built-in defaults, used when no configuration file is given or found.
    init() {}

    /// Reads and validates the configuration at `path`, reporting every problem at once.
    init(path: String) throws(ValidationFailure) {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationFailure([Diagnostic(file: path, line: nil, message: "configuration file does not exist or cannot be read")])
        }
        let root: JSONNode
        do {
            root = try JSONParser.parse([UInt8](data), file: name, allowComments: true)
        } catch {
            throw ValidationFailure([Diagnostic(file: name, line: error.line, message: "invalid JSON: \(error.message)")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).standardizedFileURL.path
        }
        campaignsDirectory = resolve("campaigns")
        dataDirectory = resolve("var")
        var reader = JSONFieldReader()
        guard let pairs = reader.object(root, "") else { throw ValidationFailure(reader.diagnostics) }
        reader.checkKeys(root, path: "", allowed: Self.keys)
        for (key, node) in pairs {
            switch key {
            case "campaignsDir": if let value = reader.string(node, key) { campaignsDirectory = resolve(value) }
            case "dataDir": if let value = reader.string(node, key) { dataDirectory = resolve(value) }
            case "trunks": trunks = Self.readTrunks(node, reader: &reader)
            case "limits": limits = Self.readLimits(node, reader: &reader)
            case "notifications": notifications = Self.readNotifications(node, reader: &reader)
            case "sip": sip = Self.readSIP(node, reader: &reader)
            case "api": api = APISettings.read(node, reader: &reader)
            case "callingRules": callingRules = CallingRule.readRules(node, key, reader: &reader)
            case "runtime":
                guard let pairs = reader.object(node, key) else { continue }
                reader.checkKeys(node, path: key, allowed: ["threads", "realtimePriority"])
                if let value = pairs.first(where: { $0.0 == "threads" })?.1 {
                    runtime.threads = reader.integer(value, "runtime.threads", in: 1...256)
                }
                if let value = pairs.first(where: { $0.0 == "realtimePriority" })?.1 {
                    runtime.realtimePriority = reader.integer(value, "runtime.realtimePriority", in: 1...99)
                }
            case "media":
                guard let pairs = reader.object(node, key) else { continue }
                reader.checkKeys(node, path: key, allowed: ["inactivityTimeoutSec"])
                if let value = pairs.first(where: { $0.0 == "inactivityTimeoutSec" })?.1 {
                    media.inactivityTimeoutSec = reader.integer(value, "media.inactivityTimeoutSec", in: 1...86_400) ?? media.inactivityTimeoutSec
                }
            case "dialoutAllowedCallers":
                guard case .array(let items) = node.value else {
                    reader.fail(node, key, "expected an array of caller numbers or names but found \(node.kindName)")
                    continue
                }
                for (index, item) in items.enumerated() {
                    guard let text = reader.string(item, "\(key)[\(index)]") else { continue }
                    switch CampaignSettings.normalizeCaller(text) {
                    case .success(let caller): dialoutAllowedCallers.append(caller)
                    case .failure(let error): reader.fail(item, "\(key)[\(index)]", error.description)
                    }
                }
            default: break
            }
        }
        if let node = root["defaults"], reader.object(node, "defaults") != nil {
            reader.checkKeys(node, path: "defaults", allowed: CampaignSettings.keys)
            var defaultsReader = JSONFieldReader()
            defaultSettings = CampaignSettings.read(from: node, context: validationContext, reader: &defaultsReader)
            reader.diagnostics += defaultsReader.diagnostics.map { diagnostic in
                var prefixed = diagnostic
                prefixed.path = "defaults." + (diagnostic.path ?? "")
                return prefixed
            }
            defaults = node
        }
        if let node = root["api"]?["profiles"] {
            profiles = APIProfile.readAll(node, context: validationContext, reader: &reader)
        }
        guard reader.diagnostics.isEmpty else { throw ValidationFailure(reader.diagnostics) }
    }

    private static func readTrunks(_ node: JSONNode, reader: inout JSONFieldReader) -> [Trunk] {
        guard case .array(let items) = node.value else {
            reader.fail(node, "trunks", "expected an array of trunks but found \(node.kindName)")
            return []
        }
        var trunks: [Trunk] = []
        for (index, item) in items.enumerated() {
            let path = "trunks[\(index)]"
            guard let pairs = reader.object(item, path) else { continue }
            reader.checkKeys(item, path: path, allowed: ["name", "host", "port", "transport", "username", "password", "outboundProxy", "domain",
                                                         "fromDomain", "realm", "assertIdentity", "register", "registrar", "expires"])
            var trunk = Trunk(name: "", host: "")
            var proxyNamesTransport = false, registrarNamesTransport = false
            for (key, value) in pairs {
                let keyPath = path + "." + key
                switch key {
                case "name": trunk.name = reader.string(value, keyPath) ?? ""
                case "host":
                    // An IPv6 address may come bracketed, with a port: "[2001:db8::1]:5062".
                    var host = reader.string(value, keyPath) ?? ""
                    if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
                        let rest = host[host.index(after: close)...]
                        if rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) {
                            trunk.port = port
                        } else if !rest.isEmpty {
                            reader.fail(value, keyPath, "\"\(host)\" is not a host, [IPv6 address] or [IPv6 address]:port")
                        }
                        host = String(host[host.index(after: host.startIndex)..<close])
                    }
                    trunk.host = host
                case "port": trunk.port = reader.integer(value, keyPath, in: 1...65535) ?? trunk.port
                case "transport":
                    guard let transport = reader.string(value, keyPath) else { continue }
                    if let known = SIPTransportProtocol(token: transport) {
                        trunk.transport = known
                    } else if transport.lowercased() == "tls" {
                        reader.fail(value, keyPath, "transport \"tls\" needs a TLS library, which campaignd's dependency rules do not allow (so neither SIP over TLS nor SRTP is available); use \"udp\" or \"tcp\"")
                    } else {
                        reader.fail(value, keyPath, "transport \"\(transport)\" is not supported; expected \"udp\" or \"tcp\"")
                    }
                case "username": trunk.username = reader.string(value, keyPath)
                case "password": trunk.password = reader.string(value, keyPath, allowEmpty: true)
                case "outboundProxy", "registrar":
                    // "host", "host:port", "[v6]:port" or a SIP URI ("sip:proxy.example.com:5080;transport=tcp").
                    guard let text = reader.string(value, keyPath) else { continue }
                    let uri = text.lowercased().hasPrefix("sip:") ? text : "sip:" + text
                    guard let destination = SIPDestination(uri: uri), !text.lowercased().hasPrefix("sips:") else {
                        reader.fail(value, keyPath, "\"\(text)\" is not host[:port] or a sip: URI")
                        continue
                    }
                    if key == "registrar" {
                        trunk.registrar = destination
                        registrarNamesTransport = uri.lowercased().contains(";transport=")
                    } else {
                        trunk.outboundProxy = destination
                        proxyNamesTransport = uri.lowercased().contains(";transport=")
                    }
                case "register": trunk.register = reader.bool(value, keyPath) ?? false
                case "expires": trunk.expires = reader.integer(value, keyPath, in: 10...604_800) ?? trunk.expires
                case "domain": trunk.domain = reader.string(value, keyPath)
                case "fromDomain": trunk.fromDomain = reader.string(value, keyPath)
                case "realm": trunk.realm = reader.string(value, keyPath)
                case "assertIdentity": trunk.assertIdentity = reader.bool(value, keyPath) ?? false
                default: break
                }
            }
            // The outbound proxy is reached on the trunk's transport unless its URI names one.
            if !proxyNamesTransport { trunk.outboundProxy?.transport = trunk.transport }
            if !registrarNamesTransport { trunk.registrar?.transport = trunk.transport }
            if item["name"] == nil { reader.fail(item, path, "trunk has no \"name\"") }
            if item["host"] == nil { reader.fail(item, path, "trunk has no \"host\"") }
            if !trunk.name.isEmpty, trunks.contains(where: { $0.name == trunk.name }) {
                reader.fail(item, path + ".name", "trunk name \"\(trunk.name)\" is used twice")
            }
            trunks.append(trunk)
        }
        return trunks
    }

    private static func readLimits(_ node: JSONNode, reader: inout JSONFieldReader) -> Limits {
        var limits = Limits()
        guard let pairs = reader.object(node, "limits") else { return limits }
        reader.checkKeys(node, path: "limits", allowed: ["dialoutLimitPerSecond", "maxConcurrentCalls", "concurrentCallsExpirationSeconds", "drainTimeoutSec",
                                                           "minFreeDiskMB", "onDiskFull", "maxAttemptsPerNumberPerDay"])
        for (key, value) in pairs {
            let path = "limits." + key
            switch key {
            case "dialoutLimitPerSecond":
                limits.dialoutLimitPerSecond = reader.number(value, path, above: 0, upTo: 10_000) ?? limits.dialoutLimitPerSecond
            case "maxConcurrentCalls":
                limits.maxConcurrentCalls = reader.integer(value, path, in: 0...100_000) ?? limits.maxConcurrentCalls
            case "concurrentCallsExpirationSeconds":
                limits.concurrentCallsExpirationSeconds = reader.integer(value, path, in: 10...86_400) ?? limits.concurrentCallsExpirationSeconds
            case "drainTimeoutSec":
                limits.drainTimeoutSec = reader.integer(value, path, in: 0...3600) ?? limits.drainTimeoutSec
            case "minFreeDiskMB":
                limits.minFreeDiskMB = reader.integer(value, path, in: 0...1_000_000) ?? limits.minFreeDiskMB
            case "onDiskFull":
                limits.onDiskFull = reader.oneOf(value, path, as: DiskFullAction.self) ?? limits.onDiskFull
            case "maxAttemptsPerNumberPerDay":
                limits.maxAttemptsPerNumberPerDay = reader.integer(value, path, in: 1...1000)
            default: break
            }
        }
        return limits
    }

    private static func readSIP(_ node: JSONNode, reader: inout JSONFieldReader) -> SIPSettings {
        var sip = SIPSettings()
        guard let pairs = reader.object(node, "sip") else { return sip }
        reader.checkKeys(node, path: "sip", allowed: ["bindAddress", "port", "advertisedAddress", "rtpPortMin", "rtpPortMax", "t1Ms",
                                                      "dnsServer"])
        func ipAddress(_ value: JSONNode, _ path: String) -> String? {
            guard let text = reader.string(value, path) else { return nil }
            let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
            guard (try? SocketAddress(host: bare, port: 0)) != nil else {
                reader.fail(value, path, "\"\(text)\" is not an IPv4 or IPv6 address")
                return nil
            }
            return bare
        }
        for (key, value) in pairs {
            let path = "sip." + key
            switch key {
            case "bindAddress": sip.bindAddress = ipAddress(value, path) ?? sip.bindAddress
            case "advertisedAddress": sip.advertisedAddress = ipAddress(value, path)
            case "port": sip.port = reader.integer(value, path, in: 0...65535) ?? sip.port  // 0: any free port
            case "rtpPortMin": sip.rtpPortMin = reader.integer(value, path, in: 1024...65534) ?? sip.rtpPortMin
            case "rtpPortMax": sip.rtpPortMax = reader.integer(value, path, in: 1025...65535) ?? sip.rtpPortMax
            case "t1Ms": sip.t1Ms = reader.integer(value, path, in: 10...5000) ?? sip.t1Ms
            case "dnsServer":
                guard let text = reader.string(value, path) else { continue }
                if DNSResolver.socketAddress(text) == nil {
                    reader.fail(value, path, "\"\(text)\" is not a DNS server address: expected an IP address with an optional port (\"10.0.0.53\", \"127.0.0.1:5353\", \"[::1]:5353\")")
                } else {
                    sip.dnsServer = text
                }
            default: break
            }
        }
        if sip.rtpPortMax <= sip.rtpPortMin {
            reader.fail(node, "sip", "rtpPortMax (\(sip.rtpPortMax)) must be above rtpPortMin (\(sip.rtpPortMin))")
        }
        return sip
    }

    private static func readNotifications(_ node: JSONNode, reader: inout JSONFieldReader) -> Notifications {
        var notifications = Notifications()
        guard let pairs = reader.object(node, "notifications") else { return notifications }
        reader.checkKeys(node, path: "notifications", allowed: ["signingSecret", "connectTimeoutSec", "readTimeoutSec", "retryForSec", "maxRetryNo",
                                                                 "caFile"])
        for (key, value) in pairs {
            let path = "notifications." + key
            switch key {
            case "caFile":
                // URLSession on Linux (libcurl underneath) takes no CA file of ours: say what works instead.
                reader.fail(value, path, "a private CA cannot be given to https webhooks here: FoundationNetworking's URLSession on Linux "
                    + "offers no way to set libcurl's CA file, and the dependency rules allow no TLS library. Add the CA to the system "
                    + "store (cp ca.crt /usr/local/share/ca-certificates/ && update-ca-certificates), or give the campaignd service a "
                    + "bundle of its own with systemd's BindReadOnlyPaths= (deploy/campaignd.service)")
            case "signingSecret": notifications.signingSecret = reader.string(value, path)
            case "connectTimeoutSec": notifications.connectTimeoutSec = reader.integer(value, path, in: 1...120) ?? notifications.connectTimeoutSec
            case "readTimeoutSec": notifications.readTimeoutSec = reader.integer(value, path, in: 1...300) ?? notifications.readTimeoutSec
            case "retryForSec": notifications.retryForSec = reader.integer(value, path, in: 60...2_592_000) ?? notifications.retryForSec
            case "maxRetryNo": notifications.maxRetryNo = reader.integer(value, path, in: 0...100) ?? notifications.maxRetryNo
            default: break
            }
        }
        return notifications
    }
}
