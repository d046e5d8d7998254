import Foundation

/// Where an `http://host[:port]/path?query` URL points: what a request to it needs.
public struct HTTPEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The request target: path and query, "/" at least.
    public var target: String

    public init(host: String, port: Int, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }

    /// Parses an `http://` URL; user information in it is ignored. `https://` throws
    /// `.httpsNotSupported`, anything else `.badURL`.
    public init(url: String) throws(HTTPClientError) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else { throw .badURL(url) }
        guard scheme == "http" else { throw scheme == "https" ? .httpsNotSupported : .badURL(url) }
        guard let rawHost = parts.host, !rawHost.isEmpty, (1...65535).contains(parts.port ?? 80) else { throw .badURL(url) }
        host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        port = parts.port ?? 80
        target = (parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath) + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// "host:port" as the Host header carries it (brackets around an IPv6 literal).
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
