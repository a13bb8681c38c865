// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartEngine", targets: ["RampartEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure: spec, events, sim model, scorers, statistics, formatting. No clocks, no processes.
        .target(
            name: "RampartCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Edges: engine actor, clocks, build runner, providers, notifiers, recorder.
        .target(
            name: "RampartEngine",
            dependencies: ["RampartCore"]
        ),
        // The CLI: subcommands only.
        .executableTarget(
            name: "rampart",
            dependencies: [
                "RampartCore", "RampartEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"], exclude: ["Fixtures"]),
        .testTarget(name: "RampartEngineTests", dependencies: ["RampartEngine", "RampartCore"]),
        .testTarget(name: "RampartCLITests", dependencies: ["RampartCore", "rampart"]),
    ]
)
