import Testing
@testable import Scheduler

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(1_795_290_340_907), "2026-11-21T19:45:40.907Z"),
        (Int64(951_782_400_050), "2000-02-29T00:00:00.050Z"),
    ])
    func formatsISO8601WithMilliseconds(ms: Int64, text: String) {
        #expect(Timestamp.iso8601(ms) == text)
    }
}
