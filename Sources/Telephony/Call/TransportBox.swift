import Foundation

/// The SIP transport, for the receive handler made before it exists.
// @unchecked Sendable: written once in `SIPDialer.init` before the socket is read, then only read.
final class TransportBox: @unchecked Sendable {
    var transport: SIPTransport?
}
