import IO
import Scheduler

/// Not built yet (issue 18): answers 501.
enum KoreAIEndpoint {
    static func dialout(botID botID: String, _ exchange: APIExchange, seeds: SeedContext, context: APIContext) {
        exchange.json(501, #"{"error":"not implemented yet"}"#)
    }
}
