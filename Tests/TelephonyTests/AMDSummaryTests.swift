import Testing
@testable import Telephony

@Suite struct AMDSummaryTests {
    @Test func beepIsUnknownUntilDetectionRunsAndTheLastVerdictCounts() {
        var summary = AMDSummary()
        #expect(summary.verdict == nil && summary.beepDetected == nil)
        summary.detectionStarted()
        #expect(summary.beepDetected == false)
        // "Leave a message." first reads as a person; the beep after it turns the verdict to machine.
        summary.record(AMDEvent(.humanDetected, timeMs: 1_400))
        summary.record(AMDEvent(.machineDetected, timeMs: 2_100))
        summary.record(AMDEvent(.toneDetected, timeMs: 2_300, frequencyHz: 1_000))
        summary.record(AMDEvent(.stopped, timeMs: 2_300))
        #expect(summary.verdict == AMDEvent(.machineDetected, timeMs: 2_100))
        #expect(summary.beepDetected == true)
        // An event without detectionStarted (a verdict from a late start) still means it ran.
        var late = AMDSummary()
        late.record(AMDEvent(.noSpeechDetected, timeMs: 5_000))
        #expect(late.beepDetected == false)
        #expect(late.verdict?.kind == .noSpeechDetected)
    }
}
