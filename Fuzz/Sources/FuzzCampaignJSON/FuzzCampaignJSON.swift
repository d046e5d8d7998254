import FuzzCampaignSupport
import FuzzDriver

/// libFuzzer entry: a whole JSON campaign file through `CampaignLoader.load` (contacts included).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    loadCampaignFile(data, size, fileName: "fuzz.json")
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzCampaignJSON_main`): libFuzzer with this harness.
@_cdecl("FuzzCampaignJSON_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
