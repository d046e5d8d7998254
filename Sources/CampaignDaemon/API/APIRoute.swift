import Foundation
import IO
import Scheduler

/// What a request asks for, from its method and path.
enum APIRoute: Sendable, Equatable {
    case healthz
    case metrics
    case openAPI
    case createCall
    case call(Int64)
    case listCampaigns
    case createCampaign
    case campaign(String)
    case controlCampaign(String, CampaignCommand)
    case addContacts(String)
    case requeueInterrupted(String)
    case report(String)
    case listDNC
    case addDNC
    case removeDNC(String)
    case cdrs
    case status

    /// Every route as method and path template, as the OpenAPI document lists them.
    static let table: [(method: HTTPMethod, path: String)] = [
        (.get, "/healthz"), (.get, "/metrics"), (.get, "/v1/openapi.json"),
        (.post, "/v1/calls"), (.get, "/v1/calls/{id}"),
        (.get, "/v1/campaigns"), (.post, "/v1/campaigns"), (.get, "/v1/campaigns/{id}"),
        (.post, "/v1/campaigns/{id}/pause"), (.post, "/v1/campaigns/{id}/resume"), (.post, "/v1/campaigns/{id}/cancel"),
        (.post, "/v1/campaigns/{id}/contacts"), (.post, "/v1/campaigns/{id}/requeue-interrupted"),
        (.get, "/v1/campaigns/{id}/report"),
        (.get, "/v1/dnc"), (.post, "/v1/dnc"), (.delete, "/v1/dnc/{target}"),
        (.get, "/v1/cdrs"), (.get, "/v1/status"),
    ]

    /// The scope a key needs; nil: no key needed.
    var scope: APIKey.Scope? {
        switch self {
        case .healthz, .metrics, .openAPI: nil
        case .createCall: .calls
        case .call, .listCampaigns, .campaign, .report, .listDNC, .cdrs, .status: .read
        case .createCampaign, .controlCampaign, .addContacts, .requeueInterrupted, .addDNC, .removeDNC: .campaigns
        }
    }

    /// The route for `method` on `path`, or why there is none (404, or 405 with the methods allowed).
    static func match(_ method: HTTPMethod, path: Substring) throws(APIError) -> APIRoute {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0.removingPercentEncoding ?? String($0) }
        let read = method == .get || method == .head
        func only(_ allowed: HTTPMethod, _ route: APIRoute) throws(APIError) -> APIRoute {
            let matches = allowed == .get ? read : method == allowed
            guard matches else { throw .methodNotAllowed(allowed == .get ? [.get, .head] : [allowed]) }
            return route
        }
        switch parts.count {
        case 1 where parts[0] == "healthz": return try only(.get, .healthz)
        case 1 where parts[0] == "metrics": return try only(.get, .metrics)
        case 2 where parts[0] == "v1":
            switch parts[1] {
            case "openapi.json": return try only(.get, .openAPI)
            case "calls": return try only(.post, .createCall)
            case "campaigns":
                if read { return .listCampaigns }
                return try only(.post, .createCampaign)
            case "dnc":
                if read { return .listDNC }
                return try only(.post, .addDNC)
            case "cdrs": return try only(.get, .cdrs)
            case "status": return try only(.get, .status)
            default: break
            }
        case 3 where parts[0] == "v1" && !parts[2].isEmpty:
            switch parts[1] {
            case "calls":
                guard let id = Int64(parts[2]), id > 0 else { throw .notFound("no call \"\(parts[2])\"") }
                return try only(.get, .call(id))
            case "campaigns": return try only(.get, .campaign(parts[2]))
            case "dnc": return try only(.delete, .removeDNC(parts[2]))
            default: break
            }
        case 4 where parts[0] == "v1" && parts[1] == "campaigns" && !parts[2].isEmpty:
            if parts[3] == "contacts" { return try only(.post, .addContacts(parts[2])) }
            if parts[3] == "requeue-interrupted" { return try only(.post, .requeueInterrupted(parts[2])) }
            if parts[3] == "report" { return try only(.get, .report(parts[2])) }
            if let command = CampaignCommand(rawValue: parts[3]) { return try only(.post, .controlCampaign(parts[2], command)) }
        default: break
        }
        throw .notFound("no such resource: \(path)")
    }
}
