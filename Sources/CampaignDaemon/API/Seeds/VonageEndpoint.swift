import IO
import Scheduler

/// Not built yet (issue 18): answers 501.
enum VonageEndpoint {
    static func makeCall(_ exchange: APIExchange, seeds: SeedContext, context: APIContext) {
        exchange.json(501, #"{"error":"not implemented yet"}"#)
    }
}
