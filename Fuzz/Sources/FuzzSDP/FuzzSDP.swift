import Telephony
import FuzzDriver

/// libFuzzer entry: an SDP answer body (any bytes, decoded as UTF-8 with repair like a SIP body).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? SDPAnswer(parsing: text)
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzSDP_main`): libFuzzer with this harness.
@_cdecl("FuzzSDP_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
