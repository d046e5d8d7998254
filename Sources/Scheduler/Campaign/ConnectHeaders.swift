import Telephony

/// The SIP headers an agent or bot receives when a call is put through to it (the second leg's
/// INVITE, or the REFER): the campaign's `connect.headers`, then the call's identity
/// (`X-Campaign-Id`, `X-Contact-Id`, `X-Conversation-Id`, `X-Callee`), each metadata field as
/// `X-Meta-<Name>`, and the metadata as JSON in `User-to-User` (RFC 7433, `;encoding=hex`).
///
/// All of it must fit one UDP INVITE with its other headers and SDP (about 1 KB): at most
/// `valueLimit` bytes per header value and `totalLimit` bytes for these headers together keep the
/// message near 5 KB, which IP fragments and delivers (RFC 3261 §18.1.1 would rather switch to
/// TCP, which many bot platforms and PBXs do not listen on). Checked when a campaign is imported:
/// its settings, then every contact's metadata, so no call is found too large when it is placed.
public enum ConnectHeaders {
    /// Bytes of one header value (`User-to-User` counts its hex: 1 KB holds about 500 bytes of JSON).
    public static let valueLimit = 1024
    /// Bytes of all the headers together, each counted as `Name: value` plus CRLF.
    public static let totalLimit = 4096

    /// What a call contributes to the headers.
    public struct Identity: Sendable, Equatable {
        public var campaignID: String
        public var contactID: Int64?
        public var conversationID: String
        /// The person's number (or URI).
        public var callee: String
        /// JSON object text: the campaign's and the contact's metadata.
        public var metadata: String

        public init(campaignID: String, contactID: Int64? = nil, conversationID: String, callee: String, metadata: String = "{}") {
            self.campaignID = campaignID
            self.contactID = contactID
            self.conversationID = conversationID
            self.callee = callee
            self.metadata = metadata
        }
    }

    /// Headers campaignd writes itself on the second leg or the REFER; `connect.headers` may not set them.
    static let reservedNames: Set<String> = [
        "x-campaign-id", "x-contact-id", "x-conversation-id", "x-callee", "x-amd", "user-to-user", "refer-to", "referred-by",
        "event", "subscription-state",
    ]

    /// The headers, in order: `custom`, the identity, `X-Meta-*`, `User-to-User` (left out for `{}`).
    public static func fields(custom: [HeaderField], identity: Identity) -> [HeaderField] {
        var fields = custom
        fields.append(HeaderField(name: "X-Campaign-Id", value: identity.campaignID))
        if let contactID = identity.contactID { fields.append(HeaderField(name: "X-Contact-Id", value: String(contactID))) }
        fields.append(HeaderField(name: "X-Conversation-Id", value: identity.conversationID))
        fields.append(HeaderField(name: "X-Callee", value: identity.callee))
        guard identity.metadata != "{}",
              let root = try? JSONParser.parse(Array(identity.metadata.utf8), file: "metadata"), let pairs = root.objectPairs,
              !pairs.isEmpty else { return fields }
        var seen = Set<String>()
        for (key, node) in pairs {
            guard let name = metaHeaderName(key), seen.insert(name.lowercased()).inserted, let value = headerValue(node) else { continue }
            fields.append(HeaderField(name: name, value: value))
        }
        fields.append(HeaderField(name: "User-to-User", value: userToUser(root.serialized)))
        return fields
    }

    /// `X-Meta-` and the key with every character that is not a SIP token character (RFC 3261 §25.1)
    /// replaced by `-`; nil when nothing of the key is left.
    public static func metaHeaderName(_ key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars.prefix(64) {
            name.unicodeScalars.append(isTokenCharacter(scalar) ? scalar : "-")
        }
        guard name.unicodeScalars.contains(where: { $0 != "-" }) else { return nil }
        return "X-Meta-" + name
    }

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "!", "%", "*", "_", "+", "`", "'", "~": true
        default: false
        }
    }

    /// A metadata value as header text: strings as they are, other values as JSON, control
    /// characters as spaces (a value must stay on its line); nil for `null`.
    static func headerValue(_ node: JSONNode) -> String? {
        let text: String
        switch node.value {
        case .null: return nil
        case .string(let string): text = string
        case .bool, .number, .array, .object: text = node.serialized
        }
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// RFC 7433 §4.1: the data hex-encoded, with `encoding=hex`.
    public static func userToUser(_ json: String) -> String {
        hex(Array(json.utf8)) + ";encoding=hex"
    }

    /// Bytes the headers take in a message (`Name: value` and CRLF each).
    public static func size(of fields: [HeaderField]) -> Int {
        fields.reduce(0) { $0 + $1.name.utf8.count + 2 + $1.value.utf8.count + 2 }
    }

    /// Why `fields` cannot go on the second leg's INVITE, or nil if they can.
    public static func problem(with fields: [HeaderField]) -> String? {
        if let long = fields.first(where: { $0.value.utf8.count > valueLimit }) {
            return "header \(long.name) would be \(long.value.utf8.count) bytes; a connect header value may be at most \(valueLimit) bytes"
                + (long.name == "User-to-User" ? " (User-to-User carries the metadata as hex: keep the metadata under about \(valueLimit / 2 - 8) bytes of JSON)" : "")
        }
        let total = size(of: fields)
        guard total > totalLimit else { return nil }
        return "the connect headers would take \(total) bytes; they may take at most \(totalLimit) (the custom headers, X-Campaign-Id, X-Contact-Id, X-Conversation-Id, X-Callee, X-Meta-* and User-to-User together must fit a UDP INVITE)"
    }

    /// The longest identity values a contact can have before it is imported (its id and conversation
    /// id are not known yet): what the settings are checked with.
    static func widestIdentity(campaignMetadata: String, callee: String = "+" + String(repeating: "9", count: 15)) -> Identity {
        Identity(campaignID: String(repeating: "c", count: 64), contactID: Int64.max, conversationID: String(repeating: "0", count: 36),
                 callee: callee, metadata: campaignMetadata)
    }
}

extension ConnectHeaders {
    /// Checks a contact's metadata against a campaign's connect headers when it is imported.
    struct ContactCheck: Sendable {
        /// The `headers` of each connect the campaign has (people, machines).
        var customHeaderSets: [[HeaderField]]
        var campaignMetadata: String

        /// The check for `settings`, or nil when the campaign connects nobody.
        init?(_ settings: CampaignSettings) {
            let sets = [settings.onHuman?.connect, settings.onMachine?.connect].compactMap { $0?.headers }
            guard !sets.isEmpty else { return nil }
            customHeaderSets = sets
            campaignMetadata = settings.metadata
        }

        /// Why this contact's metadata cannot go to the agent, or nil if it can.
        func problem(contactMetadata: String, target: String) -> String? {
            guard contactMetadata != "{}" else { return nil }
            let merged = QueueStore.mergedMetadata(campaign: campaignMetadata, contact: contactMetadata)
            let identity = ConnectHeaders.widestIdentity(campaignMetadata: merged, callee: target)
            for custom in customHeaderSets {
                if let problem = ConnectHeaders.problem(with: ConnectHeaders.fields(custom: custom, identity: identity)) {
                    return "metadata too large to be put through: " + problem
                }
            }
            return nil
        }
    }
}
