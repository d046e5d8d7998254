import Foundation
import Testing

/// A UDP socket on 127.0.0.1 that keeps what it receives and answers nothing: a trunk target or
/// registrar that is up but says nothing.
final class SilentUDPPeer {
    let port: Int
    private let fd: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let bound = SIPpCallee.bindLoopback(descriptor, port: 0)
        fd = descriptor
        port = SIPpCallee.localPort(descriptor)
        try #require(descriptor >= 0 && bound == 0, "cannot bind a UDP socket on 127.0.0.1")
    }

    deinit { close(fd) }

    /// The datagrams that arrived so far, as text (never waits).
    func received() -> [String] {
        var datagrams: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { return datagrams }
            datagrams.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }
}
