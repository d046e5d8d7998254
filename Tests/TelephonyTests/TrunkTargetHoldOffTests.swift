import Testing
@testable import Telephony

/// RFC 3261 §21.5.4: a target that answered 503 with Retry-After goes after the others until then.
@Suite struct TrunkTargetHoldOffTests {
    let a = SIPDestination(host: "192.0.2.1", port: 5060)
    let b = SIPDestination(host: "192.0.2.2", port: 5060)
    let c = SIPDestination(host: "192.0.2.3", port: 5060)

    @Test func aRefusingTargetGoesLastUntilItsRetryAfterHasPassed() {
        var holdOff = TrunkTargetHoldOff()
        holdOff.refused(a, retryAfter: 60, at: .seconds(100))
        #expect(holdOff.ordered([a, b, c], at: .seconds(100)) == [b, c, a])
        #expect(holdOff.ordered([a, b, c], at: .milliseconds(159_999)) == [b, c, a])
        #expect(holdOff.ordered([a, b, c], at: .seconds(160)) == [a, b, c])
    }

    @Test func everyTargetHeldOffIsStillTriedInItsOrder() {
        var holdOff = TrunkTargetHoldOff()
        holdOff.refused(b, retryAfter: 30, at: .zero)
        holdOff.refused(a, retryAfter: 30, at: .zero)
        #expect(holdOff.ordered([a, b], at: .seconds(1)) == [a, b])
        #expect(holdOff.ordered([a, b, c], at: .seconds(1)) == [c, a, b])
    }

    @Test func aShorterRetryAfterDoesNotCutALongerOneShort() {
        var holdOff = TrunkTargetHoldOff()
        holdOff.refused(a, retryAfter: 120, at: .zero)
        holdOff.refused(a, retryAfter: 10, at: .seconds(1))
        #expect(holdOff.ordered([a, b], at: .seconds(60)) == [b, a])
        holdOff.refused(b, retryAfter: 0, at: .seconds(60))
        #expect(holdOff.ordered([a, b], at: .seconds(61)) == [b, a])
    }
}
