import IO
import FuzzDriver

/// libFuzzer entry: bytes from a client, split in two reads at a point chosen by the first byte,
/// every pipelined request taken out, then the end of input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    var parser = HTTPRequestParser(maxHeaderBytes: 4096, maxBodyBytes: 8192)
    do {
        for chunk in [bytes[..<split], bytes[split...]] {
            parser.append(Array(chunk))
            while let request = try parser.nextRequest() { _ = request.body.count }
        }
        try parser.finish()
    } catch {}
    return 0
}

/// The process entry (SwiftPM links `main` to `FuzzHTTPRequest_main`): libFuzzer with this harness.
@_cdecl("FuzzHTTPRequest_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    campaignd_fuzz_run(argc, argv)
}
