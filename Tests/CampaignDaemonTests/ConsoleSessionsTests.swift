import Foundation
import Testing
@testable import CampaignDaemon

/// The console's sessions on a clock the test moves by hand.
@Suite struct ConsoleSessionsTests {
    typealias StepClock = APIRateLimiterTests.StepClock

    @Test func aSessionLastsItsLifetimeAndEndsAtLogout() throws {
        let clock = StepClock()
        let sessions = ConsoleSessions(clock: clock, lifetime: .seconds(60))
        let (id, opened) = sessions.open(keyName: "crm")
        let (other, _) = sessions.open(keyName: "viewer")
        #expect(id.count == 64 && id != other && opened.csrfToken != id, "random 32-byte ids and tokens, each its own")
        #expect(sessions.session(id)?.keyName == "crm" && sessions.session(id)?.csrfToken == opened.csrfToken)
        clock.advance(by: .seconds(59))
        #expect(sessions.session(id) != nil)
        clock.advance(by: .seconds(1))
        #expect(sessions.session(id) == nil, "expired at its lifetime, however often it was used")
        let (again, _) = sessions.open(keyName: "crm")
        sessions.close(again)
        #expect(sessions.session(again) == nil)
        #expect(sessions.session("not-a-session") == nil)
    }

    @Test func aFullTableDropsTheSessionClosestToExpiry() {
        let clock = StepClock()
        let sessions = ConsoleSessions(clock: clock, lifetime: .seconds(60), capacity: 2)
        let (first, _) = sessions.open(keyName: "crm")
        clock.advance(by: .seconds(1))
        let (second, _) = sessions.open(keyName: "crm")
        clock.advance(by: .seconds(1))
        let (third, _) = sessions.open(keyName: "crm")
        #expect(sessions.session(first) == nil && sessions.session(second) != nil && sessions.session(third) != nil)
    }
}
