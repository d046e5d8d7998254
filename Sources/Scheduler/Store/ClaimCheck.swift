/// What the dispatcher's calling policy says about one due contact at the claim.
public enum ClaimCheck: Sendable, Equatable {
    /// Call it now; the zones (if the policy looked at any) go on the attempt row.
    case call(CallingPolicy.Zones?)
    /// Not before this time (Unix ms): the contact's next due time.
    case deferUntil(Int64)
}
