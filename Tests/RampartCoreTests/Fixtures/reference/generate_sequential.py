"""Reference values for the sequential judge's two boundaries (rollback tolerance and margin).

Provenance: written from the formulas in ../shared/reference/canary-judging.md ("mSPRT for a
difference in means": the normal-mixture confidence sequence Z ± sqrt((V(V+τ²)/τ²)(2 ln(1/α) +
ln((V+τ²)/V))) and ln Λ), with the per-step (Cochran-Mantel-Haenszel) combination, the
score-type variance for rates, and the Netflix-style count mixture martingale, as
SequentialJudge's documentation states them; plain Python (math, random), no code shared with
the Swift implementation. Data are drawn here with fixed seeds and stored with the results.
Run: python3 generate_sequential.py > sequential-boundaries.json
"""
import json
import math
import random

ALPHA_R, ALPHA_P = 0.05, 0.05


def half_width(v, tau, alpha):
    t2 = tau * tau
    return math.sqrt((v * (v + t2) / t2) * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))


def log_evidence(z, theta0, v, tau):
    t2 = tau * tau
    return 0.5 * math.log(v / (v + t2)) + t2 * (z - theta0) ** 2 / (2 * v * (v + t2))


def mean_var(xs):
    n = len(xs)
    m = sum(xs) / n
    return n, m, (sum((x - m) ** 2 for x in xs) / (n - 1) if n > 1 else 0.0)


def combined(steps, boundary=None):
    """Per-step differences (candidate − baseline) combined with weights n_b·n_c/(n_b+n_c).
    With `boundary`, rates: the variance is taken at the boundary (score-type)."""
    wsum = est = var = 0.0
    for b, c in steps:
        nb, mb, vb = mean_var(b)
        nc, mc, vc = mean_var(c)
        if nb < 2 or nc < 2:
            continue
        if boundary is not None:
            pb = (mb * nb + 0.5) / (nb + 1)
            pc = min(0.999, max(mc, pb + boundary))
            vb = max(vb, pb * (1 - pb))
            vc = max(vc, pc * (1 - pc))
        w = nb * nc / (nb + nc)
        wsum += w
        est += w * (mc - mb)
        var += w * w * (vb / nb + vc / nc)
    return est / wsum, max(var / (wsum * wsum), 1e-18)


def zones(z, v, zr, vr, margin, tol_boundary, tau):
    lower = zr - half_width(vr, tau, ALPHA_R)
    upper = z + half_width(v, tau, ALPHA_P)
    status = "breach" if lower > tol_boundary else ("non_inferior" if upper < margin else "undecided")
    harm = zr > tol_boundary
    evidence = log_evidence(zr, tol_boundary, vr, tau) if harm else log_evidence(z, margin, v, tau)
    return {"estimate": z, "lower": lower, "upper": upper, "margin": margin, "tolerance": tol_boundary,
            "status": status, "leaning": "harm" if harm else "safe", "evidence": max(0.0, evidence)}


def latency_case(name, factor, sizes, ratio, tolerance, seed):
    rng = random.Random(seed)
    sigma = math.log(3) / 2.326
    steps = []
    for nb, nc in sizes:
        b = [round(rng.lognormvariate(math.log(800), sigma), 1) for _ in range(nb)]
        c = [round(rng.lognormvariate(math.log(800 * factor), sigma), 1) for _ in range(nc)]
        steps.append((b, c))
    logs = [([math.log(x) for x in b], [math.log(x) for x in c]) for b, c in steps]
    z, v = combined(logs)
    margin = math.log(ratio)
    r = zones(z, v, z, v, margin, math.log(1 + tolerance * (ratio - 1)), margin)
    return {"name": name, "metric": "latency_p50", "max_ratio": ratio, "rollback_tolerance": tolerance,
            "steps": [{"baseline": b, "candidate": c} for b, c in steps], **r}


def error_case(name, pb, pc, sizes, increase, tolerance, seed):
    rng = random.Random(seed)
    steps = []
    for nb, nc in sizes:
        steps.append(([1.0 if rng.random() < pb else 0.0 for _ in range(nb)], [1.0 if rng.random() < pc else 0.0 for _ in range(nc)]))
    z, v = combined(steps, boundary=increase)
    zr, vr = combined(steps, boundary=tolerance * increase)
    r = zones(z, v, zr, vr, increase, tolerance * increase, increase)
    return {"name": name, "metric": "error_rate", "max_increase": increase, "rollback_tolerance": tolerance,
            "steps": [{"baseline": [int(x) for x in b], "candidate": [int(x) for x in c]} for b, c in steps], **r}


def count_case(name, ratio, tolerance, events):
    theta0 = 1 + tolerance * (ratio - 1)
    grid = [theta0 * math.exp(math.log(1.1) + k / 23 * (math.log(20) - math.log(1.1))) for k in range(24)]
    rho = lambda th, w: w * th / (w * th + 1 - w)
    comps = [0.0] * 24
    for from_candidate, w in events:
        r0 = rho(theta0, w)
        for k, th in enumerate(grid):
            r = rho(th, w)
            comps[k] += math.log(r / r0) if from_candidate else math.log((1 - r) / (1 - r0))
    top = max(comps)
    log_value = top + math.log(sum(math.exp(c - top) for c in comps) / 24)
    return {"name": name, "theta0": theta0, "events": [[bool(f), w] for f, w in events], "log_value": log_value,
            "rejects": log_value >= math.log(1 / ALPHA_R)}


sizes = [(240, 30), (180, 70), (160, 160)]
cases = [
    latency_case("same-latency", 1.0, sizes, 1.2, 1 / 3, 11),
    latency_case("between-tolerance-and-margin", 1.12, [(60, 10), (50, 20), (40, 40)], 1.2, 1 / 3, 12),
    latency_case("just-past-the-margin", 1.22, sizes, 1.2, 1 / 3, 13),
    latency_case("past-the-margin-one-boundary", 1.22, [(60, 10), (50, 20), (40, 40)], 1.2, 1.0, 14),
    error_case("errors-equal", 0.01, 0.01, [(600, 60), (500, 170), (400, 400)], 0.03, 1 / 3, 21),
    error_case("errors-plus-4pp", 0.01, 0.05, [(600, 60), (500, 170), (400, 400)], 0.03, 1 / 3, 22),
    error_case("errors-plus-2pp", 0.01, 0.03, [(300, 30), (250, 85), (200, 200)], 0.03, 1 / 3, 23),
]
rng = random.Random(31)
ramp = [0.1] * 60 + [0.25] * 60 + [0.5] * 60
counts = [
    count_case("same-rate-ramp", 2.0, 1 / 3, [(rng.random() < w, w) for w in ramp]),
    count_case("triple-rate-ramp", 2.0, 1 / 3, [(rng.random() < 3 * w / (3 * w + 1 - w), w) for w in ramp]),
]
print(json.dumps({"provenance": __doc__.strip().splitlines()[0] + " (generate_sequential.py)", "alpha_rollback": ALPHA_R,
                  "alpha_promote": ALPHA_P, "cases": cases, "counts": counts}, indent=1))
