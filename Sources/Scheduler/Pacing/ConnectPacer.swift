/// How many calls a campaign that puts people through to agents or bots may have ringing or
/// waiting for a verdict (in progress, not yet connected): at most its free connect slots ×
/// its dial ratio.
///
/// - **Progressive** (`dialRatio` 1.0): never more calls than free slots, so nobody who answers
///   lacks an agent.
/// - **Predictive** (`dialRatio` > 1): the ratio is predicted from the last `sampleSize` calls
///   (calls per person reached, the inverse of answer rate × human rate), never above `ceiling`.
///   The ceiling starts at 1.0; each person put through raises it a tenth of the way to
///   `dialRatio` while the abandonment rates have room, and whenever one more abandoned call would
///   put the campaign's rate or its 30-day rate above `maxAbandonRate` it halves the distance to 1.0.
public struct ConnectPacer: Sendable, Equatable {
    /// How an ended call counts for prediction and abandonment.
    public enum Sample: Sendable, Equatable {
        case notAnswered
        /// Answered, not put through as a person (a machine, a fax, no connect tried).
        case notAPerson
        /// A person the campaign tried to put through; `abandoned` if nobody took them.
        case person(abandoned: Bool)
    }

    public let maxConcurrent: Int
    public let dialRatio: Double
    public let maxAbandonRate: Double
    /// The highest ratio the abandonment governor allows now (1.0 ... `dialRatio`).
    public private(set) var ceiling = 1.0
    public private(set) var abandonment = AbandonmentStats()
    /// Calls looked at for the prediction.
    static let sampleSize = 200
    /// Calls that must have ended before the prediction is trusted (below it: progressive).
    static let minimumSamples = 20
    private var samples: [Sample] = []
    private var nextSample = 0

    public init(maxConcurrent: Int, dialRatio: Double, maxAbandonRate: Double) {
        self.maxConcurrent = maxConcurrent
        self.dialRatio = max(1, dialRatio)
        self.maxAbandonRate = maxAbandonRate
    }

    /// The pacer of `settings.onHuman.connect`, or nil when it sets no `maxConcurrent`.
    public init?(_ settings: CampaignSettings) {
        guard let connect = settings.onHuman?.connect, let slots = connect.maxConcurrent else { return nil }
        self.init(maxConcurrent: slots, dialRatio: connect.dialRatio, maxAbandonRate: connect.maxAbandonRate)
    }

    public var isPredictive: Bool { dialRatio > 1 }

    /// The ratio of calls in progress to free slots in force now.
    public var ratio: Double {
        guard isPredictive, samples.count >= Self.minimumSamples else { return 1 }
        let people = samples.reduce(0) { count, sample in
            if case .person = sample { return count + 1 }
            return count
        }
        let predicted = people == 0 ? dialRatio : Double(samples.count) / Double(people)
        return min(max(predicted, 1), ceiling)
    }

    /// Slots not taken by calls connecting or connected to the target.
    public func freeSlots(connected: Int) -> Int { max(0, maxConcurrent - connected) }

    /// How many more calls may start while `waiting` calls are up and not yet connected and
    /// `connected` hold a slot.
    public func room(waiting: Int, connected: Int) -> Int {
        // A hair under the product: 3 × 1.0000001 must not round up to a fourth call.
        let allowed = Int((Double(freeSlots(connected: connected)) * ratio + 1e-9).rounded(.down))
        return max(0, allowed - waiting)
    }

    /// The store's counts, read again (each dispatcher refresh); the ceiling comes down at once
    /// if they leave no room.
    public mutating func abandonmentLoaded(_ stats: AbandonmentStats) {
        abandonment = stats
        if isPredictive, stats.wouldPass(maxAbandonRate) { stepDown() }
    }

    /// A call ended.
    public mutating func record(_ sample: Sample) {
        if samples.count < Self.sampleSize {
            samples.append(sample)
        } else {
            samples[nextSample] = sample
            nextSample = (nextSample + 1) % Self.sampleSize
        }
        guard case .person(let abandoned) = sample else { return }
        abandonment.record(abandoned: abandoned)
        guard isPredictive else { return }
        if abandonment.wouldPass(maxAbandonRate) {
            stepDown()
        } else {
            ceiling = min(dialRatio, ceiling + (dialRatio - 1) / 10)
        }
    }

    private mutating func stepDown() {
        ceiling = 1 + (ceiling - 1) / 2
        if ceiling < 1.01 { ceiling = 1 }
    }
}
