import Foundation

/// What validation needs from the daemon's configuration.
public struct CampaignValidationContext: Sendable {
    /// The drop folder; prompts are resolved in `prompts/` and contact lists in `lists/` below it.
    public var campaignsDirectory: String
    /// Names of the configured trunks; a campaign's `trunk` must be one of them.
    public var trunkNames: [String]
    /// Normalised callers a campaign may use; empty means any caller.
    public var dialoutAllowedCallers: [String]
    /// The configuration's `defaults` object, laid under every campaign's settings.
    public var defaults: JSONNode?

    public init(
        campaignsDirectory: String, trunkNames: [String] = [], dialoutAllowedCallers: [String] = [],
        defaults: JSONNode? = nil
    ) {
        self.campaignsDirectory = campaignsDirectory
        self.trunkNames = trunkNames
        self.dialoutAllowedCallers = dialoutAllowedCallers
        self.defaults = defaults
    }

    public var promptsDirectory: String { campaignsDirectory + "/prompts" }
    public var listsDirectory: String { campaignsDirectory + "/lists" }

    /// How messages name the prompts folder: `campaigns/prompts/` for the default drop folder.
    var promptsFolderName: String { (campaignsDirectory as NSString).lastPathComponent + "/prompts/" }
    /// How messages name the lists folder: `campaigns/lists/` for the default drop folder.
    var listsFolderName: String { (campaignsDirectory as NSString).lastPathComponent + "/lists/" }
}
