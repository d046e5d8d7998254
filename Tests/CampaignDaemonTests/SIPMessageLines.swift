import Foundation

/// One SIP message as a peer logged it (SIPp's -trace_msg): its start line and its header lines,
/// without the body.
struct SIPMessageLines: CustomStringConvertible {
    /// `INVITE sip:bob@example.com SIP/2.0`, or a response's status line.
    var startLine: String
    var headerLines: [String]

    /// The Request-URI: a request line's second word.
    var requestURI: String {
        let words = startLine.split(separator: " ")
        return words.count > 1 ? String(words[1]) : ""
    }

    /// Every value of header `name` (in any case), in order, without the white space around it.
    func headers(_ name: String) -> [String] {
        headerLines.compactMap { line in
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The first value of header `name` (in any case).
    func header(_ name: String) -> String? {
        headers(name).first
    }

    var description: String { ([startLine] + headerLines).joined(separator: "\n") }

    /// Every message in `log` whose start line begins with `method` and a space, in order.
    static func requests(_ method: String, in log: String) -> [SIPMessageLines] {
        // SIP lines end in CRLF, one Character in Swift: split on newlines, keeping the empty line that ends the headers.
        let lines = log.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var messages: [SIPMessageLines] = []
        var index = lines.startIndex
        while index < lines.endIndex {
            guard lines[index].hasPrefix(method + " ") else {
                index += 1
                continue
            }
            var message = SIPMessageLines(startLine: String(lines[index]), headerLines: [])
            index += 1
            while index < lines.endIndex, !lines[index].trimmingCharacters(in: .whitespaces).isEmpty {
                message.headerLines.append(String(lines[index]))
                index += 1
            }
            messages.append(message)
        }
        return messages
    }
}
