import Foundation
import Testing

extension APIDaemon {
    /// `campaign`'s CDRs (`GET /v1/cdrs`, one JSON object a line) once there are at least `count`,
    /// or those there are after `seconds`.
    /// - Parameter headers: the request's headers: a key with the read scope (the `crm` key's Bearer by default).
    func cdrs(campaign: String, atLeast count: Int = 1, seconds: Double = 30,
              headers: [String: String] = APIDaemon.bearer) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var records: [[String: Any]] = []
        while Date() < deadline {
            records = try await listCDRs(campaign: campaign, headers: headers)
            if records.count >= count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return records
    }

    /// The CDR of `conversationID` in `campaign` once it is written; empty if it is not within `seconds`.
    /// - Parameter headers: the request's headers: a key with the read scope (the `crm` key's Bearer by default).
    func cdr(campaign: String, conversationID: String, seconds: Double = 30,
             headers: [String: String] = APIDaemon.bearer) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let record = try await listCDRs(campaign: campaign, headers: headers).first(where: {
                $0["conversationId"] as? String == conversationID
            }) {
                return record
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return [:]
    }

    private func listCDRs(campaign: String, headers: [String: String]) async throws -> [[String: Any]] {
        let listed = try await send(Request("GET", "/v1/cdrs?campaign=\(campaign)", headers: headers))
        try #require(listed.status == 200, "GET /v1/cdrs: \(listed.status) \(listed.body)")
        return try listed.body.split(separator: "\n").map { line in
            try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "a CDR line that is not a JSON object: \(line)")
        }
    }
}
