import Telephony
import FuzzDriver

/// libFuzzer entry: one UDP datagram through the SIP message parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? SIPMessageParser.parse(datagram: bytes)
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzSIPMessage_main`): libFuzzer with this harness.
@_cdecl("FuzzSIPMessage_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
