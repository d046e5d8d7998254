import Telephony
import FuzzDriver

/// libFuzzer entry: a SIP URI, and the same text as a name-addr (From/To/Contact value).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? SIPURI(parsing: text)
    _ = try? NameAddress(parsing: text)
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzSIPURI_main`): libFuzzer with this harness.
@_cdecl("FuzzSIPURI_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
