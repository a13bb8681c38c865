import Foundation
import RampartAWS
import RampartNet
import RampartTestSupport
import Testing

/// `rampart proxy --meter`: the sidecar that fronts one version behind a router of the user's
/// own and exports that version's metrics for their Prometheus.
struct ProxyCommandTests {
    @Test func aMeterFrontsOneVersionAndExportsOnlyItsMetrics() async throws {
        let upstream = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            .json(
                200,
                #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":5,"completion_tokens":7}}"#
            )
        }
        defer { Task { await upstream.stop() } }
        let meter = try RunningBinary([
            "proxy", "--meter", "candidate", "--candidate", "http://127.0.0.1:\(upstream.port!)/v1", "--listen", "127.0.0.1:0", "--report-every", "1",
        ])
        let port = try #require(await meter.listeningPort(), "the meter never said it was listening: \(meter.output)")
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        for _ in 0..<5 {
            let r = try await pool.send(
                HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("content-type", "application/json")], body: body),
                timeout: 60)
            #expect(r.status == 200 && r.header("x-rampart-variant") == "candidate")
        }
        let metrics = try await pool.send(HTTPRequestMessage(method: "GET", uri: "/metrics"), timeout: 60).text
        #expect(metrics.contains(#"rampart_proxy_request_duration_seconds_count{variant="candidate"} 5"#))
        #expect(metrics.contains(#"rampart_proxy_tokens_total{variant="candidate",kind="completion"} 35"#))
        #expect(!metrics.contains(#"variant="baseline""#), "a meter exports its own version only")
        // Readiness, not a sleep: the report windows are one second and the five requests may
        // straddle them, so wait until the reports add up to five.
        func reported(_ output: String) -> Int {
            output.split(separator: "\n").compactMap { line -> Int? in
                guard let r = line.range(of: "candidate n ") else { return nil }
                return Int(line[r.upperBound...].prefix { $0.isNumber })
            }.reduce(0, +)
        }
        _ = await meter.waitFor { reported($0) >= 5 }
        let (status, output) = await meter.interruptAndWait()
        #expect(status == 0, "\(output)")
        #expect(output.contains("rampart proxy (meter) on http://127.0.0.1:") && output.contains(#"/metrics reports variant="candidate""#))
        #expect(reported(output) == 5 && !output.contains("baseline  n"), "\(output)")
    }

    @Test(arguments: [
        (["proxy", "--meter", "candidate"], "--candidate URL is required to meter it"),
        (["proxy", "--meter", "baseline", "--baseline", "http://127.0.0.1:1", "--weight", "10"], "--weight and --weight-file do not apply"),
        (["proxy", "--baseline", "http://127.0.0.1:1"], "--candidate URL is required (or use --meter to front one version)"),
        (["proxy", "--meter", "canary", "--candidate", "http://127.0.0.1:1"], "--meter"),
        (["proxy", "--meter", "candidate", "--candidate", "http://127.0.0.1:1", "--cloudwatch-dimension", "A=b"], "needs --cloudwatch-namespace"),
        (["proxy", "--meter", "candidate", "--candidate", "http://127.0.0.1:1", "--cloudwatch-namespace", "AWS/Lambda"], "not start with AWS/"),
        (
            [
                "proxy", "--baseline", "http://127.0.0.1:1", "--candidate", "http://127.0.0.1:2", "--cloudwatch-namespace", "N",
                "--cloudwatch-dimension", "A=b",
            ],
            "put {{variant}} in a dimension's value"
        ),
        (
            ["proxy", "--meter", "candidate", "--candidate", "http://127.0.0.1:1", "--cloudwatch-namespace", "N", "--cloudwatch-dimension", "A"],
            "NAME=VALUE"
        ),
    ])
    func badMeterArgumentsAreUsageErrors(_ args: [String], _ message: String) async throws {
        let r = try await CLI.run(args)
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}

/// `rampart proxy --meter … --cloudwatch-namespace`: the meter publishes what it served to
/// CloudWatch (moto, signature checking on), its own version only, and the last window before
/// it exits.
struct ProxyCloudWatchTests {
    @Test func aMeterPublishesItsVersionToCloudWatch() async throws {
        let moto = try await MotoServer.running()
        let upstream = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            .json(
                200,
                #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":5,"completion_tokens":7}}"#
            )
        }
        defer { Task { await upstream.stop() } }
        let namespace = "Rampart/Meter\(UInt32.random(in: 0...UInt32.max))"
        let started = Date()
        let meter = try RunningBinary(
            [
                "proxy", "--meter", "candidate", "--candidate", "http://127.0.0.1:\(upstream.port!)/v1", "--listen", "127.0.0.1:0",
                "--report-every", "0", "--cloudwatch-namespace", namespace, "--cloudwatch-dimension", "Service=bot",
                "--cloudwatch-dimension", "Arm={{variant}}",
            ], environment: moto.processEnvironment.merging(["AWS_ENDPOINT_URL_CLOUDWATCH": moto.endpoint]) { _, new in new })
        let port = try #require(await meter.listeningPort(), "the meter never said it was listening: \(meter.output)")
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        for _ in 0..<5 {
            let r = try await pool.send(
                HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("content-type", "application/json")], body: body),
                timeout: 60)
            #expect(r.status == 200)
        }
        // The interval is a minute: the five requests go out with the last window, at exit.
        let (status, output) = await meter.interruptAndWait()
        #expect(status == 0, "\(output)")
        #expect(output.contains("publishing to cloudwatch \(namespace) in eu-west-1 every 1m"), "\(output)")
        #expect(output.contains("published to cloudwatch \(namespace) in eu-west-1: candidate n 5"), "\(output)")
        func read(_ metric: String, _ arm: String, _ stat: String) async throws -> [Double] {
            let query: [String: Any] = [
                "MetricDataQueries": [
                    [
                        "Id": "q", "ReturnData": true,
                        "MetricStat": [
                            "Metric": [
                                "Namespace": namespace, "MetricName": metric,
                                "Dimensions": [["Name": "Service", "Value": "bot"], ["Name": "Arm", "Value": arm]],
                            ],
                            "Period": 60, "Stat": stat,
                        ],
                    ]
                ],
                "StartTime": started.timeIntervalSince1970 - 120, "EndTime": Date().timeIntervalSince1970 + 120,
            ]
            let answer = try await moto.client(.cloudWatch).send(
                "POST", path: "/",
                headers: [
                    ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"),
                    ("x-amzn-query-mode", "true"),
                ], body: Array(try JSONSerialization.data(withJSONObject: query)))
            let json = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
            return ((json?["MetricDataResults"] as? [[String: Any]])?.first?["Values"] as? [NSNumber] ?? []).map(\.doubleValue)
        }
        #expect(try await read("Requests", "candidate", "Sum").reduce(0, +) == 5)
        #expect(try await read("CompletionTokens", "candidate", "Sum").reduce(0, +) == 35)
        #expect(try await read("Latency", "candidate", "SampleCount").reduce(0, +) == 5)
        #expect(try await read("Requests", "baseline", "Sum").isEmpty, "a meter publishes its own version only")
    }
}

/// `rampart proxy --weight-file`: the file is the truth from the first request on, and only a
/// number is a weight.
struct ProxyWeightFileTests {
    @Test(arguments: [
        (nil as String?, "cannot read"),
        (#"{"canary_weight": true}"#, "canary_weight must be a number"),
        (#"{"canary_weight": "20"}"#, "canary_weight must be a number"),
        (#"{"canary_weight": 140}"#, "canary_weight must be 0...100"),
        (#"{"weight": 20}"#, "has no canary_weight"),
        ("garbage", "is not a JSON flag document"),
    ])
    func aBadFlagFileIsRefusedAtStart(_ content: String?, _ message: String) async throws {
        let dir = CLI.temporaryDirectory()
        if let content { try content.write(toFile: dir + "/flags.json", atomically: true, encoding: .utf8) }
        let r = try await CLI.run(
            [
                "proxy", "--baseline", "http://127.0.0.1:9/v1", "--candidate", "http://127.0.0.1:9/v1", "--weight-file", dir + "/flags.json",
                "--listen", "127.0.0.1:0",
            ],
            in: dir)
        #expect(r.status == 65)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func theFirstRequestAlreadyFollowsTheFile() async throws {
        let dir = CLI.temporaryDirectory()
        try #"{"canary_weight": 100}"#.write(toFile: dir + "/flags.json", atomically: true, encoding: .utf8)
        let answer =
            #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#
        let upstream = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .json(200, answer) }
        defer { Task { await upstream.stop() } }
        let url = "http://127.0.0.1:\(upstream.port!)/v1"
        let proxy = try RunningBinary(
            ["proxy", "--baseline", url, "--candidate", url, "--weight-file", dir + "/flags.json", "--listen", "127.0.0.1:0", "--report-every", "0"],
            in: dir)
        let port = try #require(await proxy.listeningPort(), "the proxy never said it was listening: \(proxy.output)")
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        // The very first request, with no wait for the file to be polled.
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let first = try await pool.send(
            HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("content-type", "application/json")], body: body), timeout: 60)
        _ = await proxy.interruptAndWait()
        #expect(first.header("x-rampart-variant") == "candidate")
    }
}
