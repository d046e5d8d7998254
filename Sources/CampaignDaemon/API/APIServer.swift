import IO
import Scheduler

/// The HTTP API (`api.listen`) on an event loop: routes each request, checks its key, and hands it
/// to its endpoint. Answers that need the queue are made off the loop (see `APIStoreQueue`,
/// `QueueWriter`) and sent back through the responder.
final class APIServer: Sendable {
    /// The address served, with the real port.
    let localAddress: SocketAddress
    private let server: HTTPServer

    enum Failure: Error, CustomStringConvertible {
        case cannotListen(String)

        var description: String {
            switch self {
            case .cannotListen(let reason): "cannot open the API port: \(reason)"
            }
        }
    }

    init(settings: APISettings, address: SocketAddress, context: APIContext, loop: EventLoop) throws(Failure) {
        let authenticator = APIAuthenticator(keys: settings.keys)
        let limiter = APIRateLimiter(keys: settings.keys, clock: ContinuousClock())
        let sessions = ConsoleSessions(clock: ContinuousClock())
        let seeds = SeedContext(profiles: context.profiles, authenticator: authenticator)
        let configuration = HTTPServer.Configuration(
            maxHeaderBytes: 16_384, maxBodyBytes: settings.maxBodyBytes, headerTimeout: .seconds(settings.headerTimeoutSec),
            maxRequestsPerConnection: 10_000, maxConnections: settings.maxConnections, idleTimeout: .seconds(settings.idleTimeoutSec),
            errorResponse: { status, reason in
                Log.info("api request refused", [("status", String(status)), ("reason", reason)])
                return APIError.refused(status, reason).response
            })
        do {
            server = try HTTPServer(bind: address, on: loop, configuration: configuration) { request, responder in
                Self.handle(APIExchange(request: request, responder: responder), authenticator: authenticator, limiter: limiter,
                            sessions: sessions, seeds: seeds, context: context)
            }
        } catch {
            throw .cannotListen("\(error)")
        }
        localAddress = server.localAddress
    }

    /// The request's key: from its `Authorization` header when it has one (as before the console),
    /// else from the console's session cookie, which on anything but GET and HEAD also needs the
    /// session's `X-CSRF-Token` (a cross-site form cannot set a header, nor read the token).
    static func authenticate(_ request: HTTPRequest, authenticator: APIAuthenticator,
                             sessions: ConsoleSessions<ContinuousClock>) throws(APIError) -> APIKey {
        if request.headers.contains("Authorization") {
            guard let key = authenticator.key(for: request.headers) else { throw .unauthorized }
            return key
        }
        guard let id = ConsoleEndpoint.sessionID(in: request.headers), let session = sessions.session(id),
              let key = authenticator.key(named: session.keyName) else { throw .unauthorized }
        if request.method != .get, request.method != .head, !ConsoleEndpoint.csrfTokenMatches(request.headers, session) {
            throw .csrfTokenInvalid
        }
        return key
    }

    func stop() {
        server.close()
    }

    /// On the loop: route (the console's pages first), authenticate, then the endpoint.
    static func handle(_ incoming: APIExchange, authenticator: APIAuthenticator, limiter: APIRateLimiter<ContinuousClock>,
                       sessions: ConsoleSessions<ContinuousClock>, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        let route: APIRoute
        do {
            if let console = try ConsoleRoute.match(exchange.request.method, path: exchange.request.path) {
                ConsoleEndpoint.handle(console, exchange, authenticator: authenticator, sessions: sessions)
                return
            }
            if let seed = try SeedRoute.match(exchange.request.method, path: exchange.request.path) {
                SeedEndpoints.handle(seed, exchange, seeds: seeds, context: context)
                return
            }
            route = try APIRoute.match(exchange.request.method, path: exchange.request.path)
        } catch {
            exchange.fail(error)
            return
        }
        if let scope = route.scope {
            let key: APIKey
            do {
                key = try authenticate(exchange.request, authenticator: authenticator, sessions: sessions)
            } catch {
                exchange.fail(error)
                return
            }
            exchange.keyName = key.name
            guard key.scopes.contains(scope) else {
                exchange.fail(.forbidden(scope))
                return
            }
            if let wait = limiter.admit(key.name) {
                exchange.fail(.rateLimited(retryAfter: wait))
                return
            }
        }
        switch route {
        case .healthz:
            exchange.json(200, #"{"status":"ok"}"#)
        case .metrics:
            guard let metrics = context.metrics else {
                exchange.fail(.notFound("metrics are not served here; set api.metrics to true"))
                return
            }
            let answering = exchange
            context.reads.run { store in
                answering.respond(HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4", text: metrics(store)))
            }
        case .openAPI:
            exchange.respond(HTTPResponse(status: 200, contentType: "application/json", text: OpenAPIDocument.json))
        case .createCall:
            CallsEndpoint.create(exchange, context: context)
        case .call(let id):
            CallsEndpoint.show(id, exchange, context: context)
        case .listCampaigns:
            CampaignsEndpoint.list(exchange, context: context)
        case .campaign(let id):
            CampaignsEndpoint.show(id, exchange, context: context)
        case .createCampaign:
            CampaignsEndpoint.create(exchange, context: context)
        case .controlCampaign(let id, let command):
            CampaignsEndpoint.control(id, command, exchange, context: context)
        case .addContacts(let id):
            CampaignsEndpoint.addContacts(id, exchange, context: context)
        case .report(let id):
            ReportEndpoint.show(id, exchange, context: context)
        case .requeueInterrupted(let id):
            CampaignsEndpoint.requeueInterrupted(id, exchange, context: context)
        case .listDNC:
            DNCEndpoint.list(exchange, context: context)
        case .addDNC:
            DNCEndpoint.add(exchange, context: context)
        case .removeDNC(let target):
            DNCEndpoint.remove(target, exchange, context: context)
        case .cdrs:
            CDRsEndpoint.list(exchange, context: context)
        case .status:
            StatusEndpoint.show(exchange, context: context)
        }
    }
}
