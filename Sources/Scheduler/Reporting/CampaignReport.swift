import Foundation
import Telephony

/// The numbers of one campaign, computed from its finished attempts (the same rows as its CDRs).
public struct CampaignReport: Sendable {
    public var campaignID: String
    public var name: String?
    public var generatedAt: Int64
    public var attempts = 0
    public var contacts = 0
    /// Contacts with at least one answered attempt.
    public var contactsReached = 0
    public var answered = 0
    /// Answer-seizure ratio: answered attempts / attempts.
    public var asr: Double { attempts == 0 ? 0 : Double(answered) / Double(attempts) }
    /// Average call duration of answered attempts, seconds.
    public var acdSeconds: Double
    public var retries = 0
    public var optOuts = 0
    /// Counts in a stable order (most first, then by name).
    public var byReasonCode: [(key: String, count: Int)] = []
    public var bySIPCode: [(key: String, count: Int)] = []
    /// AMD verdicts: human, machine, fax, no speech, timeout.
    public var amdVerdicts: [(key: String, count: Int)] = []
    public var amdMedianDecisionMs: Int?
    /// Attempts started in each hour of the day (0-23, UTC).
    public var callsByHour: [Int] = Array(repeating: 0, count: 24)
    /// People put through to agents or bots and the abandonment rates (nil: the campaign connects nobody).
    public var abandonment: AbandonmentSummary?
    /// The calling-rules audit of the campaign's attempts, shown in the HTML report when set.
    public var compliance: ComplianceAudit?

    static let amdNames: [(event: AMDEvent.Kind, label: String)] = [
        (.humanDetected, "human"), (.machineDetected, "machine"), (.faxDetected, "fax"),
        (.noSpeechDetected, "no speech"), (.decisionTimeout, "timeout"),
    ]

    public init(campaignID: String, name: String?, records: [CDRRecord], generatedAt: Int64 = Timestamp.nowMs()) {
        self.campaignID = campaignID
        self.name = name
        self.generatedAt = generatedAt
        attempts = records.count
        var reached = Set<Int64>()
        var talk: Int64 = 0
        var reasons: [String: Int] = [:]
        var codes: [String: Int] = [:]
        var verdicts: [String: Int] = [:]
        var decisions: [Int] = []
        for record in records {
            if record.connectTime != nil {
                answered += 1
                reached.insert(record.contactId)
                talk += record.connectDurationMs ?? 0
            }
            if record.attempt > 1 { retries += 1 }
            if record.optedOut { optOuts += 1 }
            reasons[record.reasonCode?.rawValue ?? "unknown", default: 0] += 1
            // An answered call's INVITE got a 2xx even when its CDR's sipCode is empty (the BYE decided the end).
            codes[record.sipCode.map(String.init) ?? (record.connectTime != nil ? "200" : "none"), default: 0] += 1
            if let verdict = record.machineDetection {
                verdicts[Self.amdNames.first { $0.event == verdict }?.label ?? verdict.rawValue, default: 0] += 1
                if let ms = record.amdDecisionMs { decisions.append(ms) }
            }
            let hour = Int((record.startTime / 3_600_000) % 24)
            callsByHour[(hour + 24) % 24] += 1
        }
        contacts = Set(records.map(\.contactId)).count
        contactsReached = reached.count
        acdSeconds = answered == 0 ? 0 : Double(talk) / Double(answered) / 1000
        func ordered(_ counts: [String: Int]) -> [(key: String, count: Int)] {
            counts.map { (key: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        }
        byReasonCode = ordered(reasons)
        bySIPCode = ordered(codes)
        amdVerdicts = Self.amdNames.compactMap { name in verdicts[name.label].map { (key: name.label, count: $0) } }
        abandonment = AbandonmentSummary(records: records, now: generatedAt)
        decisions.sort()
        amdMedianDecisionMs = decisions.isEmpty ? nil : decisions[(decisions.count - 1) / 2]
    }
}
