"""Reference values for the sequential judge's two boundaries (rollback tolerance and margin).

Provenance: written from the formulas in ../shared/reference/canary-judging.md ("mSPRT for a
difference in means": the normal mixture Λ = sqrt(V/(V+τ²)) exp(τ²d²/(2V(V+τ²))), d = Z − θ₀),
taken one-sided as SequentialJudge's documentation states (the mixing normal's half above θ₀:
Λ⁺ = 2 sqrt(V/(V+τ²)) exp(τ²d²/(2V(V+τ²))) Φ(τd/sqrt(V(V+τ²))), its bound found here by
bisection), with the per-step (Cochran-Mantel-Haenszel) combination, the score-type variance
for rates, the Netflix-style count mixture martingale, and the rollback over several metrics
as the mean of their e-values against 1/α (Vovk and Wang's e-merging); plain Python (math,
random), no code shared with the Swift implementation. Data are drawn here with fixed seeds
and stored with the results.
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


def log_evidence_above(d, v, tau):
    """ln Λ⁺ for an excess d = Z − θ₀: the mixture over θ > θ₀ only."""
    t2 = tau * tau
    phi = 0.5 * math.erfc(-(tau * d / math.sqrt(v * (v + t2))) / math.sqrt(2))
    return math.log(2) + 0.5 * math.log(v / (v + t2)) + t2 * d * d / (2 * v * (v + t2)) + (math.log(phi) if phi > 0 else -math.inf)


def one_sided_half_width(v, tau, alpha):
    """The excess at which ln Λ⁺ = ln(1/α), by bisection (Λ⁺ grows with the excess)."""
    lo, hi = 0.0, 1.0
    while log_evidence_above(hi, v, tau) < math.log(1 / alpha):
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if log_evidence_above(mid, v, tau) < math.log(1 / alpha):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


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


def zones(z, v, zr, vr, margin, tol_boundary, tau, alpha_r=ALPHA_R):
    lower = zr - one_sided_half_width(vr, tau, alpha_r)
    upper = z + one_sided_half_width(v, tau, ALPHA_P)
    harm_e = log_evidence_above(zr - tol_boundary, vr, tau)
    safe_e = log_evidence_above(margin - z, v, tau)
    status = "breach" if harm_e >= math.log(1 / alpha_r) else ("non_inferior" if upper < margin else "undecided")
    harm = zr > tol_boundary
    evidence = harm_e if harm else safe_e
    return {"estimate": z, "lower": lower, "upper": upper, "margin": margin, "tolerance": tol_boundary,
            "status": status, "leaning": "harm" if harm else "safe", "evidence": max(0.0, evidence),
            "rollback_log_e": harm_e, "promote_log_e": safe_e}


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


def log_mean_exp(xs):
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs) / len(xs))


def joint_case(name, factor, pb, pc, sizes, want, seed):
    """Latency p50 (×1.2, a third) and the error rate (+3 pp, a third) judged on the same requests:
    K = 2, so each metric alone needs ln(2/α) and their mean e-value ln(1/α). Seeds are tried from
    `seed` until the case shows `want`: "together" (neither alone, both at once), "alone" or "none"."""
    sigma = math.log(3) / 2.326
    while True:
        rng = random.Random(seed)
        steps = []
        for nb, nc in sizes:
            b = [(round(rng.lognormvariate(math.log(800), sigma), 1), rng.random() < pb) for _ in range(nb)]
            c = [(round(rng.lognormvariate(math.log(800 * factor), sigma), 1), rng.random() < pc) for _ in range(nc)]
            steps.append((b, c))
        z, v = combined([([math.log(x) for x, _ in b], [math.log(x) for x, _ in c]) for b, c in steps])
        lat = log_evidence_above(z - math.log(1 + (0.2 / 3)), v, math.log(1.2))
        ze, ve = combined([([float(f) for _, f in b], [float(f) for _, f in c]) for b, c in steps], boundary=0.01)
        err = log_evidence_above(ze - 0.01, ve, 0.03)
        logs = [lat, err]
        mean = log_mean_exp(logs)
        alone = [x >= math.log(2 / ALPHA_R) for x in logs]
        rollback = mean >= math.log(1 / ALPHA_R)
        shows = "together" if rollback and not any(alone) and min(logs) > 1 else ("alone" if any(alone) else ("none" if not rollback else "?"))
        if shows == want:
            break
        seed += 1000
    order = sorted(range(2), key=lambda i: -logs[i])
    blamed = []
    if rollback:
        for i in order:
            blamed.append(i)
            if math.log(sum(math.exp(logs[j]) for j in blamed)) >= math.log(2 / ALPHA_R):
                break
        blamed += [i for i in range(2) if alone[i] and i not in blamed]
    names = ["latency_p50", "error_rate"]
    # Each arm as its latencies and its failures (0/1), side by side.
    return {"name": name, "seed": seed,
            "steps": [{"baseline": [[x for x, _ in b], [int(f) for _, f in b]], "candidate": [[x for x, _ in c], [int(f) for _, f in c]]} for b, c in steps],
            "rollback_log_e": {"latency_p50": lat, "error_rate": err}, "log_mean_e": mean, "rollback": rollback,
            "blamed": [names[i] for i in blamed]}


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
joint = [
    joint_case("both-lean-to-harm-neither-enough-alone", 1.12, 0.01, 0.04, [(300, 40), (240, 80)], "together", 41),
    joint_case("latency-enough-alone", 1.35, 0.01, 0.01, [(300, 40), (240, 80)], "alone", 42),
    joint_case("no-harm", 1.0, 0.01, 0.01, [(300, 40), (240, 80)], "none", 43),
]
print(json.dumps({"provenance": __doc__.strip().splitlines()[0] + " (generate_sequential.py)", "alpha_rollback": ALPHA_R,
                  "alpha_promote": ALPHA_P, "cases": cases, "counts": counts, "joint": joint}, indent=1))
