/// A moment between two chunks of an import, when no transaction of it is open: another campaign's
/// file can be imported whole then, ahead of the one in progress.
///
/// The file imported ahead is a complete import of its own (its own `imported_files` row, visible
/// to the dispatcher as soon as it is recorded, all or nothing, removed after a crash like any
/// unfinished import), made on the same connection under the import lock the outer import holds.
/// Imports ahead do not nest, and a file of the campaign being imported waits for it: its repeats
/// are found against what that campaign had before.
public struct ImportGap {
    let importer: CampaignImporter
    /// The id of the campaign whose file is being imported.
    public let importing: String

    /// Validates and imports the campaign file at `path` now; nil (and nothing done) when it belongs
    /// to the campaign being imported. Store errors are thrown; the import in progress goes on.
    public func importAhead(at path: String) throws -> CampaignImporter.Outcome? {
        let prepared: PreparedCampaign
        do {
            prepared = try importer.loader.prepare(path: path)
        } catch {
            return .invalid(error)
        }
        guard prepared.id != importing else { return nil }
        return try importer.importLocked(prepared, betweenChunks: {})
    }
}
