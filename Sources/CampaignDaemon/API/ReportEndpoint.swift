import IO
import Scheduler

/// `GET /v1/campaigns/{id}/report?format=json|csv|html|text`: the report `campaignd report` makes,
/// from the campaign's finished attempts (the HTML one with its charts and the calling-rules audit).
enum ReportEndpoint {
    static func show(_ id: String, _ exchange: APIExchange, context: APIContext) {
        let format = exchange.query["format"] ?? "json"
        let contentTypes = ["json": "application/json", "csv": "text/csv", "html": "text/html; charset=utf-8", "text": "text/plain; charset=utf-8"]
        guard let contentType = contentTypes[format] else {
            exchange.fail(.badRequest("format is json, csv, html or text, not \"\(format)\""))
            return
        }
        let policy = context.callingPolicy
        context.reads.run { store in
            do {
                guard let status = try store.campaignStatuses().first(where: { $0.id == id }) else { throw APIStoreError.campaignNotFound(id) }
                var report = CampaignReport(campaignID: id, name: status.name, records: try store.finishedAttempts(campaignID: id))
                if format == "html" {
                    report.compliance = ComplianceAudit(try store.auditedAttempts(campaignID: id), policy: policy, scope: id)
                }
                var response = HTTPResponse(status: 200, contentType: contentType, text: ReportCommand.render(report, format: format))
                response.headers.add("Cache-Control", "no-store")
                exchange.respond(response)
            } catch {
                exchange.fail(APIError(error))
            }
        }
    }
}
