// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "campaignd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "campaignd", targets: ["CampaignDaemon"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "Telephony"),
        .target(name: "Scheduler", dependencies: ["Telephony", "CSQLite"]),
        .executableTarget(name: "CampaignDaemon", dependencies: ["Scheduler", "Telephony"]),
        .testTarget(name: "TelephonyTests", dependencies: ["Telephony"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Telephony"]),
        .testTarget(name: "CampaignDaemonTests", dependencies: ["CampaignDaemon"]),
    ],
    swiftLanguageModes: [.v6]
)
