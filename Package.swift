// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "campaignd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "campaignd", targets: ["CampaignDaemon"]),
        // For the libFuzzer harnesses in Fuzz/ (a separate package that depends on this one by path).
        .library(name: "CampaigndFuzzable", targets: ["IO", "Telephony", "Scheduler"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(name: "IO", dependencies: ["CLinux"]),
        .target(name: "Telephony", dependencies: ["IO"]),
        .target(name: "Scheduler", dependencies: ["Telephony", "IO", "CSQLite"]),
        .executableTarget(name: "CampaignDaemon", dependencies: ["Scheduler", "Telephony", "IO"]),
        .testTarget(name: "IOTests", dependencies: ["IO"]),
        .testTarget(name: "TelephonyTests", dependencies: ["Telephony", "IO"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Telephony", "IO"]),
        .testTarget(name: "CampaignDaemonTests", dependencies: ["CampaignDaemon"]),
    ],
    swiftLanguageModes: [.v6]
)
