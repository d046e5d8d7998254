/// What connecting an answered call to an agent or bot did, for the CDR (`connectTarget`,
/// `connectSipCode`, `connectAnswerMs`, `connectedSec`, `abandoned`).
public struct ConnectResult: Sendable, Equatable {
    public var target: String
    public var method: ConnectPlan.Method
    /// The second leg's final status (bridge), or the REFER's (202, or its failure) and then the
    /// NOTIFY's sipfrag status (refer).
    public var sipCode: Int?
    /// From the end of the person's greeting (the AMD verdict) to the second leg's answer.
    public var answerMs: Int64?
    /// How long the two legs were bridged.
    public var connectedSec: Double?
    /// Nobody took the person within the timeout, or the second leg failed.
    public var abandoned: Bool

    public init(target: String, method: ConnectPlan.Method, sipCode: Int? = nil, answerMs: Int64? = nil, connectedSec: Double? = nil,
                abandoned: Bool = false) {
        self.target = target
        self.method = method
        self.sipCode = sipCode
        self.answerMs = answerMs
        self.connectedSec = connectedSec
        self.abandoned = abandoned
    }
}
