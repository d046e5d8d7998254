extension SIPURI {
    /// `host` as a URI, Via or SDP-free header writes it: an IPv6 address in brackets (RFC 3261
    /// §25.1 `IPv6reference`), anything else as it is.
    public static func hostReference(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// `host` without the brackets of an IPv6 reference, as sockets, `received` and SDP want it.
    public static func bareHost(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
