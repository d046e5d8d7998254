import Foundation
import Telephony

/// Hands the seen-set made on the calling thread to the parser thread, which alone uses it after.
// @unchecked Sendable: `set` is used by one thread at a time (created, then given to the parser).
final class SeenSetHandoff: @unchecked Sendable {
    let set: TargetSeenSet
    init(_ set: TargetSeenSet) { self.set = set }
}
