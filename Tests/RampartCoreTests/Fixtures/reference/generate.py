"""Regenerates the reference fixtures for Rampart's statistics tests.

Provenance: values computed by scipy (scipy.stats.binomtest(...).proportion_ci(method="wilson"),
scipy.stats.t.ppf, scipy.stats.t.interval). Run: python3 generate.py  (needs scipy; 1.17.1 used).
"""
import json
import scipy
from scipy import stats

wilson = []
for k, n in [(0, 10), (1, 10), (5, 10), (10, 10), (0, 48), (19, 48), (48, 48), (3, 200), (97, 100), (1, 1)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    wilson.append({"successes": k, "trials": n, "low": ci.low, "high": ci.high})

t975 = [{"df": df, "q": stats.t.ppf(0.975, df)} for df in [1, 2, 5, 10, 29, 30, 31, 45, 60, 120, 1000]]

means = []
for values in [[0.9, 0.8, 0.95, 0.7], [1.0, 1.0, 0.5], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] * 5]:
    n = len(values)
    m = sum(values) / n
    lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=stats.sem(values))
    means.append({"values": values, "mean": m, "low": lo, "high": hi})

out = {"provenance": f"scipy {scipy.__version__}; see generate.py", "wilson": wilson, "t975": t975, "mean": means}
with open("scipy-intervals.json", "w") as f:
    json.dump(out, f, indent=1)

# Token F1: the normalisation and F1 of the official SQuAD v1.1 evaluation script
# (evaluate-v1.1.py: normalize_answer, f1_score), copied verbatim in logic.
import re
import string
from collections import Counter


def normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def f1_score(prediction, ground_truth):
    p = normalize_answer(prediction).split()
    g = normalize_answer(ground_truth).split()
    if len(p) == 0 or len(g) == 0:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


pairs = [
    ("You can return unworn items within 30 days.", "You can return unworn items within 30 days of delivery for a full refund."),
    ("The cat sat on the mat", "A cat sat on a mat"),
    ("Refunds take 5 business days", "Refunds reach your card within 5 business days"),
    ("completely unrelated answer", "You can return unworn items"),
    ("", ""),
    ("", "something"),
    ("the the the", "an a"),
    ("Yes, we ship to Canada!", "yes we ship to canada"),
    ("Café crème, s'il vous plaît", "café crème s il vous plait"),
    ("dogs dogs cats", "dogs cats cats"),
    ("État-Unis — the best", "état unis best"),
]
f1 = [{"prediction": p, "reference": g, "f1": f1_score(p, g), "normalized": normalize_answer(p)} for p, g in pairs]
with open("squad-token-f1.json", "w") as f:
    json.dump({"provenance": "SQuAD v1.1 evaluate script logic (normalize_answer, f1_score); see generate.py", "cases": f1}, f, indent=1, ensure_ascii=False)

# Paired tests: exact McNemar as a two-sided binomial test, Wilcoxon signed-rank (exact and normal).
mcnemar = []
for b, c in [(0, 0), (3, 0), (5, 1), (10, 4), (1, 12), (7, 7), (25, 11)]:
    n = b + c
    p = 1.0 if n == 0 else stats.binomtest(min(b, c), n, 0.5).pvalue
    mcnemar.append({"b": b, "c": c, "p": p})
import random as _r
_r.seed(7)
wilcoxon = []
exact_sets = [[0.3, -0.1, 0.45, 0.2, -0.05, 0.6, 0.15, 0.33], [round(_r.gauss(0.05, 0.2), 6) + i * 1e-7 for i in range(30)]]
for d in exact_sets:
    r = stats.wilcoxon(d, method="exact")
    wilcoxon.append({"d": d, "statistic": float(r.statistic), "p": float(r.pvalue), "method": "exact"})
tied_sets = [[0.1, 0.1, -0.1, 0.2, 0.2, 0.2, -0.3, 0.0, 0.4, 0.1, -0.2, 0.5, 0.3, 0.0, 0.1, 0.2],
             [round(_r.choice([-0.2, -0.1, 0.0, 0.1, 0.2, 0.3]), 1) for _ in range(80)]]
for d in tied_sets:
    r = stats.wilcoxon(d, method="asymptotic", correction=False)
    wilcoxon.append({"d": d, "statistic": float(r.statistic), "p": float(r.pvalue), "method": "asymptotic"})
with open("scipy-paired.json", "w") as f:
    json.dump({"provenance": f"scipy {scipy.__version__}; see generate.py", "mcnemar": mcnemar, "wilcoxon": wilcoxon}, f, indent=1)
