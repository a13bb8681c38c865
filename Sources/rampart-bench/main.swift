import Foundation
import RampartCore
import RampartEngine
import RampartTUI

// Benchmarks, reported as medians and as ratios to a limit measured in the same run, because the
// machines are shared and noisy. Usage: swift run -c release rampart-bench [scorers|gate-wall|render|dashboard-cpu|proxy|proxy-nginx|ingest|judge|replay|prometheus|all]

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func percentile(_ xs: [Double], _ q: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count) * q))]
}

/// Render plus diff of a full 200×60 dashboard, frame after frame as a live canary updates.
func renderBenchmark(width: Int = 200, height: Int = 60, limit: Double = 1) async throws {
    var inputs = try RunAssembly.load(file: repository + "/examples/demo.yaml")
    inputs.spec.notify = []
    let engine = Engine(inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "bench"))
    _ = await engine.run()
    let events = engine.bus.events
    let theme = try ThemeLoader.load(file: repository + "/themes/default.theme")
    var state = DashboardState(operatorName: "bench", themeNames: ["default"], now: 0)
    let live = events.filter { $0.t <= 45 }
    for e in live { _ = DashboardReducer.reduce(&state, .engine(e)) }
    let later = events.filter { $0.t > 45 }
    var previous: Screen? = DashboardView.render(state, width: width, height: height, theme: theme)
    var incremental: [Double] = [], full: [Double] = [], cellsWritten: [Double] = []
    let clock = ContinuousClock()
    for i in 0..<2_000 {
        // Each frame: the clock moves, and every few frames an engine event arrives.
        _ = DashboardReducer.reduce(&state, .tick(Double(i) * 0.05))
        if i % 4 == 0, !later.isEmpty { _ = DashboardReducer.reduce(&state, .engine(later[(i / 4) % later.count])) }
        var runs: [ScreenDiff.Run] = []
        let t = clock.measure {
            let screen = DashboardView.render(state, width: width, height: height, theme: theme)
            runs = ScreenDiff.runs(from: previous, to: screen)
            previous = screen
        }
        incremental.append(seconds(t))
        cellsWritten.append(Double(runs.reduce(0) { $0 + $1.text.count }))
        if i % 10 == 0 {
            let f = clock.measure {
                let screen = DashboardView.render(state, width: width, height: height, theme: theme)
                _ = ScreenDiff.runs(from: nil, to: screen)
            }
            full.append(seconds(f))
        }
    }
    let budget = DashboardApp.frameInterval
    let m = median(incremental)
    print(
        "render+diff \(width)x\(height): median \(String(format: "%.3f", m * 1000)) ms/frame, p90 \(String(format: "%.3f", percentile(incremental, 0.9) * 1000)) ms over \(incremental.count) frames"
    )
    print(
        "  = \(String(format: "%.1f", m / budget * 100))% of the \(Int(budget * 1000)) ms frame budget (20 fps cap); median \(Int(median(cellsWritten))) of \(width * height) cells rewritten per frame"
    )
    print("  full repaint (no previous frame): median \(String(format: "%.3f", median(full) * 1000)) ms")
    recordGoal("render+diff \(width)x\(height)", measured: String(format: "%.3f ms", m * 1000), goal: "≤ \(limit) ms", met: m * 1000 <= limit)
}

/// CPU share of the real dashboard process while an operator watches the live demo, and idle after.
func dashboardCPUBenchmark(watch: Double = 30, idle: Double = 10) throws {
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let rampart = binDir + "/rampart"
    if !FileManager.default.isExecutableFile(atPath: rampart) {
        print("building rampart (release) next to the benchmark…")
        try run(["swift", "build", "-c", "release", "--product", "rampart", "--package-path", repository])
    }
    let socket = "rampart-bench-\(getpid())"
    // The demo runs in a directory of its own (its .rampart state included): benchmarks write
    // nothing inside the checkout.
    let dir = NSTemporaryDirectory() + "rampart-bench-demo-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let record = dir + "/run.jsonl"
    try run([
        "tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
        "cd '\(dir)' && '\(rampart)' demo --speed 1 --record '\(record)'; sleep 600",
    ])
    defer {
        _ = try? run(["tmux", "-L", socket, "kill-server"])
        try? FileManager.default.removeItem(atPath: dir)
    }
    var pid: Int32?
    for _ in 0..<100 where pid == nil {
        usleep(100_000)
        pid = findProcess(containing: record)
    }
    guard let pid else { throw BenchError("the dashboard did not start") }
    usleep(2_000_000)  // past start-up and the gates
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    let a = try cpuTicks(pid)
    let wallA = Date()
    usleep(UInt32(watch * 1_000_000))
    let b = try cpuTicks(pid)
    let share = Double(b - a) / ticksPerSecond / Date().timeIntervalSince(wallA)
    print(
        "dashboard process, live demo at speed 1 (engine + sim traffic at 40 req/s + dashboard): \(String(format: "%.2f", share * 100))% of one core over \(Int(watch)) s"
    )
    // Idle: a dashboard on a finished run's final screen. The live demo's data plane keeps
    // serving its simulated users after a promotion (the proxy holds the promoted weight), so
    // the idle figure comes from a run at --speed max, which has no data plane.
    let idleSocket = socket + "-idle"
    let idleRecord = dir + "/idle.jsonl"
    try run([
        "tmux", "-L", idleSocket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
        "cd '\(dir)' && '\(rampart)' demo --speed max --record '\(idleRecord)'; sleep 600",
    ])
    defer { _ = try? run(["tmux", "-L", idleSocket, "kill-server"]) }
    var idlePid: Int32?
    for _ in 0..<100 where idlePid == nil {
        usleep(100_000)
        idlePid = findProcess(containing: idleRecord)
    }
    guard let idlePid else { throw BenchError("the finished-run dashboard did not start") }
    // The run is over once its outcome line is recorded.
    for _ in 0..<600 {
        if let text = try? String(contentsOfFile: idleRecord, encoding: .utf8), text.contains("\"type\":\"outcome\"") { break }
        usleep(100_000)
    }
    usleep(1_000_000)
    let c = try cpuTicks(idlePid)
    let wallC = Date()
    usleep(UInt32(idle * 1_000_000))
    let d = try cpuTicks(idlePid)
    let idleShare = Double(d - c) / ticksPerSecond / Date().timeIntervalSince(wallC)
    print(
        "dashboard idle on a finished run's final screen: \(String(format: "%.2f", idleShare * 100))% of one core over \(Int(idle)) s (\(d - c) ticks of 1/\(Int(ticksPerSecond)) s)"
    )
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// posix_spawn + waitpid: Foundation's Process waits on a socket a forked tmux server keeps open.
/// `discardingOutput` sends the child's standard output to /dev/null.
@discardableResult
func run(_ argv: [String], discardingOutput: Bool = false) throws -> Int32 {
    let pid = try spawn(argv, discardingOutput: discardingOutput)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}

/// Starts `argv` with standard input from /dev/null (and its output discarded if asked).
func spawn(_ argv: [String], discardingOutput: Bool) throws -> pid_t {
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for a in cArgs { free(a) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if discardingOutput { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
    // A clean signal state: with the bench's blocked signals, its tmux servers ignored their own
    // kill-server and the demos they ran kept serving traffic after the benchmark.
    var pid: pid_t = 0
    let rc = withCleanSignalState { posix_spawnp(&pid, argv[0], &actions, $0, &cArgs, environ) }
    guard rc == 0 else { throw BenchError("cannot run \(argv[0])") }
    return pid
}

/// Runs `argv` with its output discarded; its wall time, CPU time and peak resident memory
/// (the child's own, from wait4).
func measuredRun(_ argv: [String]) throws -> (wall: Double, cpu: Double, peakMB: Int) {
    let start = ContinuousClock.now
    let pid = try spawn(argv, discardingOutput: true)
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let wall = seconds(ContinuousClock.now - start)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return (wall, cpu, usage.ru_maxrss / 1024)
}

func findProcess(containing needle: String) -> Int32? {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for entry in entries {
        guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
        let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if argv.first?.hasSuffix("/rampart") == true && argv.contains(where: { $0.contains(needle) }) { return pid }
    }
    return nil
}

func cpuTicks(_ pid: Int32) throws -> Int {
    let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    // Why `!`: /proc/self/stat is "pid (comm) state …" with utime and stime as fields 14 and 15
    // (proc(5)); the kernel writes it, and a benchmark may stop on a kernel that does not.
    let fields = text[text.range(of: ")")!.upperBound...].split(separator: " ")
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    return Int(fields[11])! + Int(fields[12])!
}

/// Scorer throughput (pairs per second, one core) for ROUGE-L, BLEU and token F1 over 10,000 pairs,
/// against rouge-score, sacrebleu and the SQuAD F1 on the same pairs in the same run.
func scorersBenchmark() throws {
    var rng = SeededRandom(seed: 2026, stream: "bench-pairs")
    let words =
        "the a refund return order shipping days within store card tent warranty replacement customer delivery free member discount jacket size exchange policy please contact support team we you can"
        .split(separator: " ").map(String.init)
    func sentence(_ n: Int) -> String { (0..<n).map { _ in words[rng.index(below: words.count)] }.joined(separator: " ") + "." }
    var pairs: [(String, String)] = []
    for _ in 0..<10_000 {
        let ref = sentence(12 + rng.index(below: 14))
        var cand = ref.split(separator: " ").map(String.init)
        for i in cand.indices where rng.chance(0.15) { cand[i] = words[rng.index(below: words.count)] }
        pairs.append((cand.joined(separator: " "), ref))
    }
    let file = NSTemporaryDirectory() + "/rampart-bench-pairs-\(getpid()).jsonl"
    // Why `try!`: a dictionary of two strings always serializes.
    let lines = pairs.map { p in String(decoding: try! JSONSerialization.data(withJSONObject: ["candidate": p.0, "reference": p.1]), as: UTF8.self) }
    try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }

    func rate(_ body: () -> Double) -> Double {
        var runs: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            var sink = 0.0
            sink += body()
            runs.append(Double(pairs.count) / seconds(ContinuousClock.now - start))
            if sink.isNaN { print("") }
        }
        return median(runs)
    }
    let ours: [(String, Double)] = [
        ("rouge-l", rate { pairs.reduce(0) { $0 + Rouge.l(candidate: $1.0, reference: $1.1).fmeasure } }),
        ("bleu", rate { pairs.reduce(0) { $0 + Bleu.sentence($1.0, references: [$1.1]).score } }),
        ("token-f1", rate { pairs.reduce(0) { $0 + TokenF1.score($1.0, reference: $1.1) } }),
        ("vader", rate { pairs.reduce(0) { $0 + Vader.polarity($1.0).compound } }),
    ]
    let python = try referencePython()
    let script = """
        import json, time, statistics, re, string, collections
        from rouge_score import rouge_scorer
        import sacrebleu
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        vader = SentimentIntensityAnalyzer()
        pairs = [json.loads(l) for l in open('\(file)')]
        # The official SQuAD 2.0 evaluation script's normalize_answer, get_tokens and compute_f1.
        def normalize_answer(s):
            def remove_articles(text):
                regex = re.compile(r'\\b(a|an|the)\\b', re.UNICODE)
                return re.sub(regex, ' ', text)
            def white_space_fix(text):
                return ' '.join(text.split())
            def remove_punc(text):
                exclude = set(string.punctuation)
                return ''.join(ch for ch in text if ch not in exclude)
            def lower(text):
                return text.lower()
            return white_space_fix(remove_articles(remove_punc(lower(s))))
        def get_tokens(s):
            if not s: return []
            return normalize_answer(s).split()
        def compute_f1(a_gold, a_pred):
            gold_toks = get_tokens(a_gold)
            pred_toks = get_tokens(a_pred)
            common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
            num_same = sum(common.values())
            if len(gold_toks) == 0 or len(pred_toks) == 0:
                return int(gold_toks == pred_toks)
            if num_same == 0:
                return 0
            precision = 1.0 * num_same / len(pred_toks)
            recall = 1.0 * num_same / len(gold_toks)
            return (2 * precision * recall) / (precision + recall)
        f1 = lambda c, r: compute_f1(r, c)
        sc = rouge_scorer.RougeScorer(['rougeL'], use_stemmer=False)
        def rate(fn):
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                for x in pairs: fn(x['candidate'], x['reference'])
                runs.append(len(pairs) / (time.perf_counter() - t))
            return statistics.median(runs)
        print(json.dumps({'rouge-l': rate(lambda c, r: sc.score(r, c)), 'bleu': rate(lambda c, r: sacrebleu.sentence_bleu(c, [r])), 'token-f1': rate(f1), 'vader': rate(lambda c, r: vader.polarity_scores(c)['compound'])}))
        """
    let out = try capture([python, "-c", script])
    guard let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Double] else {
        throw BenchError("the Python reference printed: \(out)")
    }
    let references = [
        "rouge-l": "rouge-score 0.1.2", "bleu": "sacrebleu 2.6.0 sentence_bleu", "token-f1": "SQuAD 2.0 compute_f1", "vader": "vaderSentiment 3.3.2",
    ]
    print("scorer throughput over \(pairs.count) pairs, one core, median of runs (Swift release vs Python reference, same pairs, same run):")
    for (name, r) in ours {
        let p = ref[name] ?? .nan
        let ratio = r / p
        recordGoal("\(name) scorer vs \(references[name] ?? "")", measured: String(format: "%.1f×", ratio), goal: "≥ 20×", met: ratio >= 20)
        print(
            "  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(format: "%9.0f", r)) pairs/s vs \(String(format: "%8.0f", p)) pairs/s (\(references[name] ?? ""))  = \(String(format: "%.1f", ratio))×  goal ≥ 20×  \(ratio >= 20 ? "met" : "NOT MET")"
        )
    }
    try scoreCommandRows(file: file, pairs: pairs.count, python: python)
}

/// A provider that answers like the simulator after a fixed real latency, as a remote endpoint would.
struct SlowProvider: ModelProvider {
    let wrapped: any ModelProvider
    let latency: Double
    var identity: String { wrapped.identity + "|slow" }
    func complete(_ request: ModelRequest) async -> ModelResponse {
        try? await Task.sleep(for: .seconds(latency))
        return await wrapped.complete(request)
    }
}

/// Gate wall time against its floor: items × repeats × versions × latency ÷ concurrency.
func gateWallBenchmark() async throws {
    var inputs = try RunAssembly.load(file: repository + "/examples/demo.yaml")
    inputs.spec.notify = []
    let latency = 0.02
    print("gate wall time vs its floor (golden gate: 60 items x 3 repeats x 2 versions, \(Int(latency * 1000)) ms per request, no sim errors):")
    for concurrency in [1, 8, 32] {
        var spec = inputs
        spec.spec.gates = [spec.spec.gates[0]]
        spec.spec.gates[0].concurrency = concurrency
        spec.spec.baseline.sim.errorRate = 0
        spec.spec.candidate.sim.errorRate = 0
        func slow(_ v: VariantSpec, _ variant: Variant) -> any ModelProvider {
            SlowProvider(
                wrapped: SimProvider(profile: v.sim, systemPrompt: "", seed: 42, variant: variant, model: v.model, version: v.version),
                latency: latency)
        }
        let engine = Engine(
            inputs: spec, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "bench"),
            baseline: slow(spec.spec.baseline, .baseline), candidate: slow(spec.spec.candidate, .candidate))
        let requests = 60 * 3 * 2
        let floor = Double(requests) * latency / Double(concurrency)
        let start = ContinuousClock.now
        _ = await engine.run(.gates)
        let wall = seconds(ContinuousClock.now - start)
        print(
            "  concurrency \(String(concurrency).padding(toLength: 3, withPad: " ", startingAt: 0)) wall \(String(format: "%6.3f", wall)) s, floor \(String(format: "%6.3f", floor)) s, ratio \(String(format: "%.2f", wall / floor))"
        )
    }
}

/// A Python with the reference scorers: $RAMPART_BENCH_PYTHON, or a venv made in the user's cache
/// (benchmarks write nothing inside the checkout).
func referencePython() throws -> String {
    if let p = ProcessInfo.processInfo.environment["RAMPART_BENCH_PYTHON"] { return p }
    let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
    let venv = cache + "/rampart-bench/venv"
    let python = venv + "/bin/python"
    if (try? capture([python, "-c", "import rouge_score, sacrebleu, vaderSentiment; print('ok')"]))?.hasPrefix("ok") != true {
        print("setting up the Python reference in \(venv) (rouge-score 0.1.2, sacrebleu 2.6.0, vaderSentiment 3.3.2)…")
        try run(["python3", "-m", "venv", venv])
        try run([venv + "/bin/pip", "install", "-q", "rouge-score==0.1.2", "sacrebleu==2.6.0", "vaderSentiment==3.3.2"])
    }
    return python
}

func capture(_ argv: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// One benchmark by name, or all of them.
func runBenchmarks(_ which: String) async throws {
    switch which {
    case "render":
        try await renderBenchmark()
        try await renderBenchmark(width: 80, height: 24, limit: 0.3)
    case "dashboard-cpu": try dashboardCPUBenchmark()
    case "scorers": try scorersBenchmark()
    case "gate-wall": try await gateWallBenchmark()
    case "proxy": try await proxyBenchmark()
    case "proxy-nginx": try await proxyNginxBenchmark()
    case "ingest": ingestBenchmark()
    case "judge": try await judgeBenchmark()
    case "replay": try replayBenchmark()
    case "prometheus": try await prometheusBenchmark()
    case "all":
        try scorersBenchmark()
        try await gateWallBenchmark()
        try await renderBenchmark()
        try await renderBenchmark(width: 80, height: 24, limit: 0.3)
        try dashboardCPUBenchmark()
        try await proxyBenchmark()
        try await proxyNginxBenchmark()
        ingestBenchmark()
        try await judgeBenchmark()
        try replayBenchmark()
        try await prometheusBenchmark()
        printGoals()
    default:
        print("usage: rampart-bench [scorers|gate-wall|render|dashboard-cpu|proxy|proxy-nginx|ingest|judge|replay|prometheus|all]")
        exit(64)
    }
}

// A missing tool or a failed reference is a message and exit status 1, not a crash's backtrace.
do {
    try await runBenchmarks(CommandLine.arguments.dropFirst().first ?? "all")
} catch {
    FileHandle.standardError.write(Data("rampart-bench: \(error)\n".utf8))
    exit(1)
}
