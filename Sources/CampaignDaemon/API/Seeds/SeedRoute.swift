import IO

/// The drop-in endpoints: each outbound-call API campaignd stands in for, at its own path
/// (README "Drop-in endpoints"). Each authenticates and answers errors in its own API's shape.
enum SeedRoute: Sendable, Equatable {
    /// AudioCodes VoiceAI Connect: `POST /oauth/token` (client credentials).
    case audioCodesToken
    /// AudioCodes VoiceAI Connect: `POST /api/v1/actions/dialout`.
    case audioCodesDialout
    /// Kore.ai SmartAssist: `POST /api/1.1/public/bot/{botId}/smartassist/dialout`.
    case koreAIDialout(botID: String)
    /// IBM Voice Gateway: `POST /vgw/outboundCalls/{tenantID}/startOutboundCall`.
    case ibmStartOutboundCall(tenantID: String)
    /// jambonz / Cognigy Voice Gateway: `POST /v1/Accounts/{account_sid}/Calls`.
    case jambonzCreateCall(accountSID: String)
    /// Vonage AI Studio: `POST /telephony/make-call`.
    case vonageMakeCall

    /// The drop-in route for `path`, if it is one; only POST is served on them (405 otherwise).
    static func match(_ method: HTTPMethod, path: Substring) throws(APIError) -> SeedRoute? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0.removingPercentEncoding ?? String($0) }
        let route: SeedRoute? = switch parts.count {
        case 2 where parts == ["oauth", "token"]: .audioCodesToken
        case 2 where parts == ["telephony", "make-call"]: .vonageMakeCall
        case 4 where parts == ["api", "v1", "actions", "dialout"]: .audioCodesDialout
        case 4 where parts[0] == "vgw" && parts[1] == "outboundCalls" && !parts[2].isEmpty && parts[3] == "startOutboundCall":
            .ibmStartOutboundCall(tenantID: parts[2])
        case 4 where parts[0] == "v1" && parts[1] == "Accounts" && !parts[2].isEmpty && parts[3] == "Calls":
            .jambonzCreateCall(accountSID: parts[2])
        case 7 where parts[0] == "api" && parts[1] == "1.1" && parts[2] == "public" && parts[3] == "bot" && !parts[4].isEmpty
            && parts[5] == "smartassist" && parts[6] == "dialout":
            .koreAIDialout(botID: parts[4])
        default: nil
        }
        guard let route else { return nil }
        guard method == .post else { throw .methodNotAllowed([.post]) }
        return route
    }
}
