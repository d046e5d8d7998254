/// What `campaignd pause|resume|cancel` (and the API) ask of a campaign.
public enum CampaignCommand: String, Sendable {
    case pause, resume, cancel
}
