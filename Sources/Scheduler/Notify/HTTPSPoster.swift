import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IO

/// Posts `https://` webhooks through FoundationNetworking's `URLSession` (the system's libcurl and
/// OpenSSL): the receiver's certificate is verified against the system's trust store and its name,
/// and there is no way to turn that off. One session for every post, so connections are reused and
/// the number of threads stays fixed whatever the number of webhooks.
final class HTTPSPoster: Sendable {
    private let session: URLSession

    init(connectTimeoutSec: Double, readTimeoutSec: Double, maxConnectionsPerHost: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = readTimeoutSec
        configuration.timeoutIntervalForResource = connectTimeoutSec + readTimeoutSec
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    /// Posts `body` to `url` with `headers`; `completion` gets the status, or why there is none.
    func post(_ url: URL, headers: [(String, String)], body: [UInt8],
              completion: @escaping @Sendable (Result<Int, HTTPClientError>) -> Void) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for (name, value) in headers { request.addValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(body)
        session.dataTask(with: request) { _, response, error in
            if let status = (response as? HTTPURLResponse)?.statusCode {
                completion(.success(status))
            } else {
                completion(.failure(Self.clientError(error)))
            }
        }.resume()
    }

    func invalidate() {
        session.invalidateAndCancel()
    }

    /// What went wrong, in the words libcurl and OpenSSL used (an untrusted certificate says so).
    static func clientError(_ error: (any Error)?) -> HTTPClientError {
        guard let error = error as NSError? else { return .connectionFailed(nil) }
        let message = (error.userInfo[NSLocalizedDescriptionKey] as? String)
            ?? ((error.userInfo[NSUnderlyingErrorKey] as? NSError)?.userInfo[NSLocalizedDescriptionKey] as? String)
            ?? error.localizedDescription
        if error.code == NSURLErrorTimedOut { return .tls("timed out: \(message)") }
        return .tls(message)
    }
}
