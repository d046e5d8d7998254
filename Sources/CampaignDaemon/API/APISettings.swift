import Scheduler

/// The `api` section of the configuration: the HTTP API's address, keys and limits. Off unless
/// `listen` is set.
struct APISettings: Sendable, Equatable {
    /// `HOST:PORT` to listen on; nil: no API.
    var listen: String?
    var keys: [APIKey] = []
    /// The longest request body (413 beyond, refused before it is read).
    var maxBodyBytes = 10 << 20
    /// Connections open at once (503 beyond).
    var maxConnections = 1024
    /// How long a client may take to send a request once it has begun (408 after).
    var headerTimeoutSec = 10
    /// How long a connection may sit between requests before it is closed.
    var idleTimeoutSec = 60
    /// Serve `GET /metrics` (Prometheus, no key) on the API's port too.
    var metrics = false

    /// `profiles` is read by `Configuration` (`APIProfile`), once `defaults` are known.
    static let fields = ["listen", "keys", "maxBodyBytes", "maxConnections", "headerTimeoutSec", "idleTimeoutSec", "metrics", "profiles"]

    static func read(_ node: JSONNode, reader: inout JSONFieldReader) -> APISettings {
        var api = APISettings()
        guard let pairs = reader.object(node, "api") else { return api }
        reader.checkKeys(node, path: "api", allowed: fields)
        for (key, value) in pairs {
            let path = "api." + key
            switch key {
            case "listen":
                guard let text = reader.string(value, path) else { continue }
                do {
                    _ = try MetricsServer.socketAddress(text)
                    api.listen = text
                } catch {
                    reader.fail(value, path, "\"\(text)\" is not HOST:PORT with an IP address as host, such as 127.0.0.1:8080 or [::1]:8080")
                }
            case "keys": api.keys = readKeys(value, reader: &reader)
            case "maxBodyBytes": api.maxBodyBytes = reader.integer(value, path, in: 1024...1 << 30) ?? api.maxBodyBytes
            case "maxConnections": api.maxConnections = reader.integer(value, path, in: 1...100_000) ?? api.maxConnections
            case "headerTimeoutSec": api.headerTimeoutSec = reader.integer(value, path, in: 1...300) ?? api.headerTimeoutSec
            case "idleTimeoutSec": api.idleTimeoutSec = reader.integer(value, path, in: 1...3600) ?? api.idleTimeoutSec
            case "metrics": api.metrics = reader.bool(value, path) ?? api.metrics
            default: break
            }
        }
        if api.listen != nil, api.keys.isEmpty, node["keys"] == nil {
            reader.fail(node, "api", "api.listen is set but api.keys is empty; add at least one key {\"name\", \"secret\", \"scopes\"}")
        }
        return api
    }

    private static func readKeys(_ node: JSONNode, reader: inout JSONFieldReader) -> [APIKey] {
        guard case .array(let items) = node.value else {
            reader.fail(node, "api.keys", "expected an array of keys but found \(node.kindName)")
            return []
        }
        if items.isEmpty { reader.fail(node, "api.keys", "api.keys is empty; add at least one key {\"name\", \"secret\", \"scopes\"}") }
        var keys: [APIKey] = []
        for (index, item) in items.enumerated() {
            let path = "api.keys[\(index)]"
            guard let pairs = reader.object(item, path) else { continue }
            reader.checkKeys(item, path: path, allowed: ["name", "secret", "scopes", "ratePerSecond"])
            var key = APIKey(name: "", secret: "", scopes: [])
            for (field, value) in pairs {
                switch field {
                case "name":
                    guard let name = reader.string(value, path + ".name") else { continue }
                    if name.contains(":") || name.contains(where: { $0 == " " || $0.isNewline }) {
                        reader.fail(value, path + ".name", "a key name cannot contain ':', spaces or line breaks (it is the Basic user name)")
                    } else {
                        key.name = name
                    }
                case "secret":
                    // The secret's value is never quoted back in a message.
                    guard let secret = reader.string(value, path + ".secret") else { continue }
                    if secret.utf8.count < 16 {
                        reader.fail(value, path + ".secret", "a secret must be at least 16 characters long")
                    } else {
                        key.secret = secret
                    }
                case "scopes":
                    guard case .array(let names) = value.value else {
                        reader.fail(value, path + ".scopes", "expected an array of scopes (calls, campaigns, read) but found \(value.kindName)")
                        continue
                    }
                    for (position, name) in names.enumerated() {
                        if let scope = reader.oneOf(name, "\(path).scopes[\(position)]", as: APIKey.Scope.self) { key.scopes.insert(scope) }
                    }
                case "ratePerSecond":
                    key.ratePerSecond = reader.number(value, path + ".ratePerSecond", above: 0, upTo: 100_000)
                default: break
                }
            }
            if item["name"] == nil { reader.fail(item, path, "key has no \"name\"") }
            if item["secret"] == nil { reader.fail(item, path, "key has no \"secret\"") }
            if item["scopes"] == nil { reader.fail(item, path, "key has no \"scopes\" (any of calls, campaigns, read)") }
            if !key.name.isEmpty, keys.contains(where: { $0.name == key.name }) {
                reader.fail(item, path + ".name", "key name \"\(key.name)\" is used twice")
            }
            if !key.secret.isEmpty, keys.contains(where: { $0.secret == key.secret }) {
                reader.fail(item, path + ".secret", "two keys have the same secret")
            }
            keys.append(key)
        }
        return keys
    }
}
