#if canImport(Glibc)
import Glibc
#endif

/// RTCP for one call (RFC 3550 §6): what we sent and received, made into sender reports.
///
/// Receive statistics follow Appendix A.3 (extended highest sequence, expected and lost) and A.8
/// (interarrival jitter); LSR/DLSR come from the last sender report the callee sent us.
public struct RTCPReport: Sendable {
    public let ssrc: UInt32
    public let cname: String
    public private(set) var packetsSent: UInt32 = 0
    public private(set) var octetsSent: UInt32 = 0
    private var remoteSSRC: UInt32?
    private var baseSequence: UInt32 = 0
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var received: UInt32 = 0
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    private var lastTransit: Int64?
    private var jitter: Double = 0
    /// The middle 32 bits of the NTP time of the callee's last SR, and when it came (in 1/65536 s).
    private var lastSenderReport: (ntpMiddle: UInt32, arrival: UInt64)?

    public init(ssrc: UInt32, cname: String) {
        self.ssrc = ssrc
        self.cname = cname
    }

    public mutating func sent(payloadBytes: Int) {
        packetsSent &+= 1
        octetsSent &+= UInt32(payloadBytes)
    }

    /// One RTP packet from the callee; `arrivalSamples` is when it came, in 8 kHz units.
    public mutating func received(_ header: RTPHeader, arrivalSamples: Int64) {
        if remoteSSRC != header.ssrc {
            remoteSSRC = header.ssrc
            baseSequence = UInt32(header.sequenceNumber)
            maxSequence = header.sequenceNumber
            cycles = 0
            received = 0
            expectedPrior = 0
            receivedPrior = 0
            lastTransit = nil
            jitter = 0
        }
        received &+= 1
        let delta = header.sequenceNumber &- maxSequence
        if delta < 0x8000 {
            if header.sequenceNumber < maxSequence { cycles &+= 0x10000 }
            maxSequence = header.sequenceNumber
        }
        let transit = arrivalSamples - Int64(header.timestamp)
        if let lastTransit {
            let difference = Double(abs(transit - lastTransit))
            jitter += (difference - jitter) / 16
        }
        lastTransit = transit
    }

    /// An RTCP packet from the callee: a sender report's time is kept for LSR/DLSR.
    public mutating func rtcpReceived(_ bytes: UnsafeRawBufferPointer, now65536: UInt64) {
        // RFC 3550 §6.4.1: V=2, PT=200, then SSRC and the 64-bit NTP timestamp.
        guard bytes.count >= 28, bytes[0] >> 6 == 2, bytes[1] == 200 else { return }
        let middle = UInt32(bytes[10]) << 24 | UInt32(bytes[11]) << 16 | UInt32(bytes[12]) << 8 | UInt32(bytes[13])
        lastSenderReport = (middle, now65536)
    }

    /// A compound RTCP packet: SR (with a report block once the callee has sent RTP) and SDES CNAME.
    /// - Parameters:
    ///   - ntp: wall-clock time as NTP (seconds since 1900 in the high 32 bits).
    ///   - rtpTimestamp: our RTP timestamp for the same instant.
    ///   - now65536: a monotonic time in 1/65536 s, for DLSR.
    public mutating func senderReport(ntp: UInt64, rtpTimestamp: UInt32, now65536: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(80)
        let blocks = remoteSSRC == nil ? 0 : 1
        out += [0x80 | UInt8(blocks), 200]
        append16(&out, UInt16(6 + 6 * blocks))
        append32(&out, ssrc)
        append32(&out, UInt32(ntp >> 32))
        append32(&out, UInt32(ntp & 0xFFFF_FFFF))
        append32(&out, rtpTimestamp)
        append32(&out, packetsSent)
        append32(&out, octetsSent)
        if let remoteSSRC {
            let extendedMax = cycles + UInt32(maxSequence)
            let expected = extendedMax &- baseSequence &+ 1
            let lost = Int64(expected) - Int64(received)
            let expectedInterval = expected &- expectedPrior
            let receivedInterval = received &- receivedPrior
            expectedPrior = expected
            receivedPrior = received
            let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
            let fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt32((lostInterval << 8) / Int64(expectedInterval))
            let cumulative = UInt32(bitPattern: Int32(clamping: max(min(lost, 0x7FFFFF), -0x800000))) & 0xFF_FFFF
            append32(&out, remoteSSRC)
            append32(&out, min(fraction, 255) << 24 | cumulative)
            append32(&out, extendedMax)
            append32(&out, UInt32(jitter))
            if let lastSenderReport {
                append32(&out, lastSenderReport.ntpMiddle)
                append32(&out, UInt32(truncatingIfNeeded: now65536 &- lastSenderReport.arrival))
            } else {
                append32(&out, 0)
                append32(&out, 0)
            }
        }
        // SDES with one chunk: our SSRC, CNAME, END, padded to a 32-bit boundary (§6.5).
        let name = Array(cname.utf8.prefix(255))
        var chunk: [UInt8] = []
        append32(&chunk, ssrc)
        chunk += [1, UInt8(name.count)] + name + [0]
        while chunk.count % 4 != 0 { chunk.append(0) }
        out += [0x81, 202]
        append16(&out, UInt16(chunk.count / 4))
        out += chunk
        return out
    }

    /// Wall-clock time now as NTP (RFC 5905: seconds since 1900, 32.32 fixed point).
    public static func ntpNow() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let seconds = UInt64(spec.tv_sec) + 2_208_988_800
        let fraction = (UInt64(spec.tv_nsec) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    private func append16(_ out: inout [UInt8], _ value: UInt16) {
        out += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    private func append32(_ out: inout [UInt8], _ value: UInt32) {
        out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
