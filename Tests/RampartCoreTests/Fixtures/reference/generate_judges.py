"""Reference values for the Kayenta judge's statistics.

Provenance:
- Mann-Whitney U and its two-sided p-value: scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
  method="asymptotic", use_continuity=True) (scipy 1.17.1).
- The Hodges-Lehmann shift and its interval: R's wilcox.test(x, y, conf.int=TRUE, exact=FALSE,
  correct=TRUE) algorithm, which Kayenta's MannWhitney.scala ports, written here with scipy's
  rankdata, norm.ppf and brentq (xtol 1e-10). The statistic is exactly 0 on an interval of shifts,
  where R's uniroot lands anywhere; the estimate here is that interval's midpoint (found by
  bisection on the sign). numpy's median of all pairwise differences is an independent check.
Run: python3 generate_judges.py
"""
import json
import numpy as np
import scipy
from scipy import stats, optimize

rng = np.random.default_rng(20261127)
cases = [
    ("shifted-normal", list(np.round(rng.normal(110, 10, 25), 3)), list(np.round(rng.normal(100, 10, 30), 3))),
    ("same", list(np.round(rng.normal(50, 5, 20), 3)), list(np.round(rng.normal(50, 5, 20), 3))),
    ("ties", [1, 2, 2, 3, 3, 3, 4, 5, 5, 6], [1, 1, 2, 2, 2, 3, 4, 4]),
    ("lognormal-latency", list(np.round(rng.lognormal(np.log(900), 0.45, 40), 1)), list(np.round(rng.lognormal(np.log(820), 0.45, 36), 1))),
    ("small", [0.91, 0.95, 0.88, 0.93], [0.97, 0.96, 0.99, 0.94, 0.98]),
]


def shift_ci(x, y, conf):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    nx, ny = len(x), len(y)

    def w(d, zq):
        pooled = np.concatenate([x - d, y])
        r = stats.rankdata(pooled)
        dz = r[:nx].sum() - nx * (nx + 1) / 2 - nx * ny / 2
        corr = 0.5 * np.sign(dz)
        _, counts = np.unique(pooled, return_counts=True)
        sigma = np.sqrt((nx * ny / 12) * ((nx + ny + 1) - np.sum(counts ** 3 - counts) / ((nx + ny) * (nx + ny - 1))))
        return (dz - corr) / sigma - zq

    lo, hi = x.min() - y.max(), x.max() - y.min()

    def root(zq):
        fl, fh = w(lo, zq), w(hi, zq)
        if fl <= 0:
            return lo
        if fh >= 0:
            return hi
        return optimize.brentq(w, lo, hi, args=(zq,), xtol=1e-10)

    def plateau_mid():
        # The statistic is exactly 0 on an interval of shifts; its midpoint is the estimate.
        fl, fh = w(lo, 0), w(hi, 0)
        if fl <= 0:
            return lo
        if fh >= 0:
            return hi

        def edge(past):
            a, b = lo, hi
            for _ in range(100):
                m = (a + b) / 2
                if past(m):
                    b = m
                else:
                    a = m
            return (a + b) / 2
        return (edge(lambda d: w(d, 0) <= 0) + edge(lambda d: w(d, 0) < 0)) / 2

    z = stats.norm.ppf(1 - (1 - conf) / 2)
    return plateau_mid(), root(z), root(-z)


out = []
for name, x, y in cases:
    res = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    est, lo, hi = shift_ci(x, y, 0.98)
    pairwise = float(np.median(np.subtract.outer(np.asarray(x, float), np.asarray(y, float))))
    out.append({"name": name, "x": [float(v) for v in x], "y": [float(v) for v in y], "u": float(res.statistic),
                "p": float(res.pvalue), "estimate": float(est), "lower98": float(lo), "upper98": float(hi),
                "pairwise_median": pairwise})

quantiles = [{"p": p, "z": float(stats.norm.ppf(p))} for p in [0.001, 0.01, 0.025, 0.5, 0.9, 0.975, 0.99, 0.9999]]
with open("scipy-judges.json", "w") as f:
    json.dump({"provenance": f"scipy {scipy.__version__}, numpy {np.__version__}; see generate_judges.py", "cases": out,
               "normal_quantiles": quantiles}, f, indent=1)
