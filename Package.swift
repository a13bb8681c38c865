// swift-tools-version:6.2
import PackageDescription

/// Every Swift target: `any` spelled out wherever an existential is used, so a protocol-typed
/// value (a router, a provider, a clock) never hides its dynamic dispatch.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .treatWarning("ExistentialAny", as: .error)]

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartEngine", targets: ["RampartEngine"]),
        .library(name: "RampartAWS", targets: ["RampartAWS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The canary data plane: HTTP proxy, embedded upstreams, load generator, control socket.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // TLS to https upstreams (gateways, hosted models) from the proxy, the load generator and tests.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The one client for requests to other services: model gateways, judges, webhooks,
        // Prometheus and AWS: pooled connections, TLS, timeouts, streaming bodies.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // SHA-256 fingerprints and HMAC for AWS request signing (kept out of the core, so the
        // fuzz build, which links only the core, compiles no BoringSSL).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Build steps, command routers and notifiers, git: processes in their own group, killed
        // on timeout, output streamed (a flooding command keeps only its tail).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // The proxy's /metrics exposition (counters and the latency histogram).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Bounded-memory latency percentiles for live canary metrics.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure: spec, events, sim model, scorers, statistics, formatting. No clocks, no processes.
        .target(
            name: "RampartCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            exclude: ["Resources/VADER-LICENSE.txt"],
            // VADER's lexicons, compiled into the binary: no bundle to find at run time.
            resources: [.embedInCode("Resources/vader_lexicon.tsv"), .embedInCode("Resources/vader_emoji.tsv")],
            swiftSettings: strict
        ),
        // HTTP edges: a small NIO server; the proxy's epoll relay (CEpoll) and its NIO upstream
        // pool; async-http-client for the other requests Rampart sends (the load generator,
        // services, the control socket); the weighted proxy and the sim upstreams. Knows nothing
        // of the engine.
        .target(
            name: "RampartNet",
            dependencies: [
                "RampartCore", "CEpoll",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // Edges: engine, clocks, build runner, providers, routers, notifiers, recorder.
        .target(
            name: "RampartEngine",
            dependencies: [
                "RampartCore", "RampartNet", "RampartAWS", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // AWS: Signature Version 4 and credentials (no AWS SDK for Swift here: Rampart signs its
        // own requests, checked against botocore).
        .target(
            name: "RampartAWS", dependencies: ["RampartCore", "RampartNet", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // ncursesw as a system library: module map and a shim only (libncurses-dev).
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        // epoll for the proxy's relay, which the Glibc module does not export.
        .target(name: "CEpoll"),
        // Restores the terminal from a fatal signal; C because the handler must be async-signal-safe.
        .target(name: "CTermGuard"),
        // The dashboard: pure state, reducer and renderer; NcursesTerminal is its only curses file.
        .target(
            name: "RampartTUI",
            dependencies: ["RampartCore", "CNcursesw", "CTermGuard"],
            swiftSettings: strict
        ),
        // The CLI: subcommands only.
        .executableTarget(
            name: "rampart",
            dependencies: [
                "RampartCore", "RampartEngine", "RampartTUI", "RampartNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks: `swift run -c release rampart-bench NAME`.
        .executableTarget(
            name: "rampart-bench",
            dependencies: ["RampartCore", "RampartEngine", "RampartTUI", "RampartNet"],
            swiftSettings: strict
        ),
        // Real servers the test targets share: LiteLLM, nginx and Prometheus on loopback, a request-counting front.
        .target(
            name: "RampartTestSupport", dependencies: ["RampartNet", "RampartEngine", "RampartAWS"], path: "Tests/RampartTestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "RampartAWSTests", dependencies: ["RampartAWS", "RampartCore", "RampartNet"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "RampartEngineTests", dependencies: ["RampartEngine", "RampartCore", "RampartNet", "RampartAWS", "RampartTestSupport"],
            exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "RampartTUITests", dependencies: ["RampartTUI", "RampartEngine", "RampartCore"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(
            name: "RampartCLITests",
            dependencies: [
                "RampartCore", "RampartNet", "RampartEngine", "RampartAWS", "RampartTestSupport", "rampart", .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
