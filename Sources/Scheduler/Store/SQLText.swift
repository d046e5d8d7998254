import Telephony

/// A product vocabulary enum stored as text: its SQL string literal (`state = \(ContactState.pending.sql)`)
/// is the one mapping between the enum and its column, so no query spells a state by hand.
protocol SQLText: RawRepresentable where RawValue == String {}

extension SQLText {
    var sql: String { "'\(rawValue)'" }
}

extension ContactState: SQLText {}
extension CampaignState: SQLText {}
extension CallOutcome.Status: SQLText {}
extension CallOutcome.ReasonCode: SQLText {}
extension AMDEvent.Kind: SQLText {}
