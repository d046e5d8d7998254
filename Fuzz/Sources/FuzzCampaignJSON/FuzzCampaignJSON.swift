import Foundation
import Scheduler
import FuzzDriver

/// A private drop folder made once per process: the loader reads files, so each input is written
/// to `<dir>/fuzz.json`. `lists/contacts.csv` is there for a JSON campaign's `contactsFile`.
let campaignsDirectory: String = {
    var template = Array((NSTemporaryDirectory() + "/campaignd-fuzz-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    let dir = String(cString: made)
    try! FileManager.default.createDirectory(atPath: dir + "/lists", withIntermediateDirectories: true)
    try! FileManager.default.createDirectory(atPath: dir + "/prompts", withIntermediateDirectories: true)
    try! "target,name\n+15551230001,Alice\n5551230002,Bob\n".write(toFile: dir + "/lists/contacts.csv", atomically: true, encoding: .utf8)
    return dir
}()

/// libFuzzer entry: a whole JSON campaign file through `CampaignLoader.load` (contacts included).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = campaignsDirectory + "/fuzz.json"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(path)")
    }
    let loader = CampaignLoader(context: CampaignValidationContext(
        campaignsDirectory: campaignsDirectory, trunkNames: ["main", "backup"]))
    _ = try? loader.load(path: path)
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzCampaignJSON_main`): libFuzzer with this harness.
@_cdecl("FuzzCampaignJSON_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
