// swift-tools-version:6.0
// libFuzzer harnesses, kept out of the normal build. Build and run with bench/fuzz.sh, which uses
//   swift build -c debug --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
import PackageDescription

// One executable per harness, each in Sources/<name>/ with an LLVMFuzzerTestOneInput function and a
// `<name>_main` that starts libFuzzer through FuzzDriver (SwiftPM points `main` at `<name>_main`).
// They all link the main package's library of IO, Telephony and Scheduler.
let fuzzTargets = [
    "FuzzSIPMessage", "FuzzSDP", "FuzzDigestChallenge", "FuzzSIPURI",
    "FuzzCampaignCSV", "FuzzCampaignJSON", "FuzzConfigJSON",
    "FuzzHTTPRequest", "FuzzHTTPResponse",
]

let package = Package(
    name: "campaignd-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "campaignd", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        // What the campaign-file harnesses share: the drop folder and the load of one input.
        .target(name: "FuzzCampaignSupport", dependencies: [.product(name: "CampaigndFuzzable", package: "campaignd")]),
    ] + fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzDriver", "FuzzCampaignSupport", .product(name: "CampaigndFuzzable", package: "campaignd")],
            path: "Sources/\(name)"
        )
    },
    swiftLanguageModes: [.v6]
)
