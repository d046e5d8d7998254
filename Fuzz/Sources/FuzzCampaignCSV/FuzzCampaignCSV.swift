import FuzzCampaignSupport
import FuzzDriver

/// libFuzzer entry: a whole CSV campaign file through `CampaignLoader.load` (contacts included).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    loadCampaignFile(data, size, fileName: "fuzz.csv")
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzCampaignCSV_main`): libFuzzer with this harness.
@_cdecl("FuzzCampaignCSV_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
