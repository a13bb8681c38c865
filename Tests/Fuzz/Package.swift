// swift-tools-version:6.1
// libFuzzer targets for what Rampart reads from outside: specs, datasets, run files, `score`
// input and control-socket commands. A package of its own so the main build never links a fuzzer:
//   swift build --package-path Tests/Fuzz --sanitize=fuzzer
//   RAMPART_FUZZ_TARGET=spec Tests/Fuzz/.build/debug/rampart-fuzz CORPUS -runs=1000000
// `make fuzz` does both for every target; `make test` runs each briefly. See Tests/Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "RampartFuzz",
    dependencies: [.package(name: "Rampart", path: "../..")],
    targets: [
        .executableTarget(name: "rampart-fuzz", dependencies: [.product(name: "RampartCore", package: "Rampart")])
    ]
)
