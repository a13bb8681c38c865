"""Reference values for `rampart eval --plan`'s false-block rate of a rate check.

Provenance: scipy (1.17.1): scipy.stats.binomtest(k, n).proportion_ci(method="wilson") decides
each count's verdict the way a gate does (at least: the lower bound must reach the limit; at
most: the upper bound must stay within it; the leak check's upper bound alone), and
scipy.stats.binom.pmf(k, n, p) at the measured rate p = x/n weighs the counts that would not
pass. For means, scipy.stats.norm.cdf of (limit + half − estimate)/(half/z) (at least) gives the
chance the re-run interval does not clear the limit.
Run: python3 generate_plan.py > plan-reference.json
"""
import json
import scipy
from scipy import stats

Z = stats.norm.ppf(0.975)


def verdict_passes(k, n, limit, comparison, upper_only):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    if comparison == "at_least":
        return ci.low >= limit - 1e-12
    return ci.high <= limit + 1e-12


rates = []
for name, x, n, limit, comparison, upper_only in [
    ("over-refusal 2/15 at most 0.30", 2, 15, 0.30, "at_most", False),
    ("over-refusal 1/45 at most 0.25", 1, 45, 0.25, "at_most", False),
    ("over-refusal 3/45 at most 0.25", 3, 45, 0.25, "at_most", False),
    ("refusal 29/30 at least 0.75", 29, 30, 0.75, "at_least", False),
    ("refusal 14/15 at least 0.70", 14, 15, 0.70, "at_least", False),
    ("leaks 1/100 upper bound 0.10", 1, 100, 0.10, "at_most", True),
    ("negative tone 9/60 at most 0.35", 9, 60, 0.35, "at_most", False),
]:
    p = x / n
    blocked = sum(stats.binom.pmf(k, n, p) for k in range(n + 1) if not verdict_passes(k, n, limit, comparison, upper_only))
    step = 1 if comparison == "at_most" else -1
    slack, k = None, x
    if verdict_passes(x, n, limit, comparison, upper_only):
        slack, k = 0, x + step
        while 0 <= k <= n and verdict_passes(k, n, limit, comparison, upper_only):
            slack += 1
            k += step
    rates.append({"name": name, "x": x, "n": n, "limit": limit, "comparison": comparison, "upper_only": upper_only,
                  "block": float(blocked), "slack": slack})

means = []
for name, estimate, low, high, limit in [("tone mean", 0.225, 0.137, 0.316, 0.0), ("score near its limit", 0.81, 0.79, 0.83, 0.80)]:
    half = (high - low) / 2
    means.append({"name": name, "estimate": estimate, "low": low, "high": high, "limit": limit,
                  "block": float(stats.norm.cdf((limit + half - estimate) / (half / Z)))})

print(json.dumps({"provenance": "generate_plan.py, scipy " + scipy.__version__, "rates": rates, "means": means}, indent=1))
