import Foundation

/// `rampart score` end to end (JSON Lines in, JSON Lines out, process start included) against a
/// Python script doing the same job with the same reference scorers: wall time, medians of 3
/// interleaved rounds.
/// The release `rampart` beside this benchmark's binary, built first when it is missing.
func releaseRampart() throws -> String {
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let rampart = binDir + "/rampart"
    if !FileManager.default.isExecutableFile(atPath: rampart) {
        print("building rampart (release) next to the benchmark…")
        _ = try run(["swift", "build", "-c", "release", "--product", "rampart", "--package-path", repository])
    }
    return rampart
}

func scoreCommandRows(file: String, pairs: Int, python: String) throws {
    let rampart = try releaseRampart()
    print("rampart score end to end over \(pairs) pairs (JSON Lines in and out, process start included), medians of 3 interleaved rounds:")
    for metric in ["rouge-l", "bleu", "token-f1", "vader"] {
        var ours: [Double] = [], theirs: [Double] = []
        for _ in 0..<3 {
            ours.append(try wallTime([rampart, "score", "--metric", metric, file]))
            theirs.append(try wallTime([python, "-c", scoreScript, metric, file]))
        }
        let ratio = median(theirs) / median(ours)
        recordGoal("rampart score \(metric) end to end vs Python", measured: String(format: "%.1f×", ratio), goal: "≥ 10×", met: ratio >= 10)
        print(
            "  \(metric.padding(toLength: 9, withPad: " ", startingAt: 0)) \(String(format: "%6.3f", median(ours))) s vs Python \(String(format: "%6.3f", median(theirs))) s  = \(String(format: "%.1f", ratio))×  goal ≥ 10×  \(ratio >= 10 ? "met" : "NOT MET")"
        )
    }
}

/// The same job in Python: read each line, score it with the reference package, write JSON.
/// Token F1 is the official SQuAD 2.0 normalisation and F1.
let scoreScript = """
    import json, sys, re, string, collections
    metric, path = sys.argv[1], sys.argv[2]
    if metric == 'rouge-l':
        from rouge_score import rouge_scorer
        sc = rouge_scorer.RougeScorer(['rougeL'], use_stemmer=False)
        def score(c, r):
            s = sc.score(r, c)['rougeL']
            return {'precision': s.precision, 'recall': s.recall, 'score': s.fmeasure}
    elif metric == 'bleu':
        import sacrebleu
        def score(c, r): return {'score': sacrebleu.sentence_bleu(c, [r]).score / 100}
    elif metric == 'vader':
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        an = SentimentIntensityAnalyzer()
        def score(c, r):
            p = an.polarity_scores(c)
            return {'score': p['compound'], 'pos': p['pos'], 'neu': p['neu'], 'neg': p['neg']}
    else:
        def norm(s):
            exclude = set(string.punctuation)
            s = ''.join(ch for ch in s.lower() if ch not in exclude)
            return ' '.join(re.sub(r'\\b(a|an|the)\\b', ' ', s).split())
        def score(c, r):
            p, g = norm(c).split(), norm(r).split()
            if not p or not g: return {'score': float(p == g)}
            same = sum((collections.Counter(p) & collections.Counter(g)).values())
            if same == 0: return {'score': 0.0}
            pr, rc = same / len(p), same / len(g)
            return {'score': 2 * pr * rc / (pr + rc)}
    out = sys.stdout
    for line in open(path):
        x = json.loads(line)
        out.write(json.dumps(score(x['candidate'], x['reference'])) + '\\n')
    """

/// Wall seconds of a process run to its end, output discarded; a failure is an error.
func wallTime(_ argv: [String]) throws -> Double {
    let start = ContinuousClock.now
    let status = try run(argv, discardingOutput: true)
    guard status == 0 else { throw BenchError("\(argv.prefix(3).joined(separator: " ")) failed (status \(status))") }
    return seconds(ContinuousClock.now - start)
}
