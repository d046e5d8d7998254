import Foundation
import Scheduler

/// A private drop folder made once per process: the loader reads files, so each input is written
/// to a file there. `lists/contacts.csv` is there for a JSON campaign's `contactsFile`.
let campaignsDirectory: String = {
    var template = Array((NSTemporaryDirectory() + "/campaignd-fuzz-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    let dir = String(cString: made)
    try! FileManager.default.createDirectory(atPath: dir + "/lists", withIntermediateDirectories: true)
    try! FileManager.default.createDirectory(atPath: dir + "/prompts", withIntermediateDirectories: true)
    try! "target,name\n+15551230001,Alice\n5551230002,Bob\n".write(toFile: dir + "/lists/contacts.csv", atomically: true, encoding: .utf8)
    return dir
}()

/// One fuzz input as a whole campaign file named `fileName` (its extension picks CSV or JSON),
/// through `CampaignLoader.load`, contacts included. Shared by the CSV and JSON harnesses.
public func loadCampaignFile(_ data: UnsafePointer<UInt8>, _ size: Int, fileName: String) {
    let path = campaignsDirectory + "/" + fileName
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(path)")
    }
    let loader = CampaignLoader(context: CampaignValidationContext(
        campaignsDirectory: campaignsDirectory, trunkNames: ["main", "backup"]))
    _ = try? loader.load(path: path)
}
