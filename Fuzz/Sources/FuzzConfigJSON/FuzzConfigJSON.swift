import Scheduler
import FuzzDriver

/// libFuzzer entry: the JSON parser as the configuration loader calls it (comments allowed).
/// The configuration loader itself is in the CampaignDaemon executable target, which another
/// package cannot import; this covers the parser it runs campaignd.json through.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? JSONParser.parse(bytes, file: "campaignd.json", allowComments: true)
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzConfigJSON_main`): libFuzzer with this harness.
@_cdecl("FuzzConfigJSON_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
