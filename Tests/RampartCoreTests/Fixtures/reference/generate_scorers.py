"""Regenerates scorer agreement fixtures from the reference packages.

Provenance: rouge-score 0.1.2 (RougeScorer, use_stemmer=False), sacrebleu 2.6.0 (sentence_bleu with
its defaults: 13a, exp smoothing, effective order). Run in a venv with exactly those versions:
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install rouge-score==0.1.2 sacrebleu==2.6.0
    /tmp/ref/bin/python generate_scorers.py
"""
import json
import random

import sacrebleu
from rouge_score import rouge_scorer

PAIRS = [
    ("You can return unworn items within 30 days.", ["You can return unworn items within 30 days of delivery for a full refund."]),
    ("The cat sat on the mat.", ["The cat is on the mat.", "There is a cat on the mat."]),
    ("Refunds take 5 business days", ["Refunds reach your card within 5 business days."]),
    ("completely unrelated answer", ["You can return unworn items."]),
    ("", ["something"]),
    ("something", [""]),
    ("Yes, we ship to Canada!", ["yes we ship to canada"]),
    ("Café crème, s'il vous plaît", ["café crème s il vous plait"]),
    ("Prices rose 3.5% to $1,200.50 in 2024-25.", ["Prices rose by 3.5 % to $1,200.50 in 2024 - 25."]),
    ("Call 1-800-555-0199 (8am-8pm).", ["Call 1 800 555 0199 between 8 am and 8 pm."]),
    ("It's a well-known state-of-the-art model; isn't it?", ["It is a well known state of the art model, is it not?"]),
    ("a b c d e f", ["a b c d e f"]),
    ("a b c d e f", ["f e d c b a"]),
    ("the the the the", ["the cat"]),
    ("Hello", ["Hello world, this is a much longer reference sentence."]),
    ("&quot;quoted&quot; &amp; escaped &lt;tags&gt;", ['"quoted" & escaped <tags>']),
    ("Ends with a period.And no space", ["Ends with a period. And no space"]),
    ("版本 2025-09-14 已发布", ["版本 2025-09-14 发布了"]),
    ("Tabs\tand\nnewlines  here", ["Tabs and newlines here"]),
    ("Order #12345 shipped on 11/27/2026 via UPS.", ["Your order #12345 shipped via UPS on 11/27/2026."]),
]

# Perturbed golden-style pairs, seeded, to cover ordinary sentences at volume.
random.seed(20261127)
BASE = [
    "Wash it alone on a gentle cycle with down soap, then tumble dry on low heat with clean tennis balls.",
    "Members get free standard shipping, early access to sales and a 10 percent birthday discount.",
    "Send us a photo of the damage within 7 days and we will ship a replacement at no cost.",
    "Type agent in the chat or call 1 800 555 0199 between 8 am and 8 pm Eastern time.",
]
FILLER = ["basically", "system", "various", "option", "the", "and", "refund"]
for i in range(40):
    ref = random.choice(BASE)
    words = ref.split()
    out = []
    for w in words:
        r = random.random()
        if r < 0.1:
            continue
        out.append(random.choice(FILLER) if r < 0.2 else w)
    if len(out) > 2 and random.random() < 0.5:
        j = random.randrange(len(out) - 1)
        out[j], out[j + 1] = out[j + 1], out[j]
    PAIRS.append((" ".join(out), [ref]))

scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
cases = []
for cand, refs in PAIRS:
    rouge = {}
    for key in ["rouge1", "rouge2", "rougeL"]:
        best = max((scorer.score(r, cand)[key] for r in refs), key=lambda s: s.fmeasure)
        rouge[key] = {"precision": best.precision, "recall": best.recall, "fmeasure": best.fmeasure}
    bleu = sacrebleu.sentence_bleu(cand, refs)
    cases.append({
        "candidate": cand, "references": refs, "rouge": rouge,
        "bleu": {"score": bleu.score / 100, "bp": bleu.bp, "sys_len": bleu.sys_len, "ref_len": bleu.ref_len},
        "tokens_13a": sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a()(cand).split(),
    })
with open("scorers-reference.json", "w") as f:
    json.dump({"provenance": f"rouge-score 0.1.2, sacrebleu {sacrebleu.__version__}; see generate_scorers.py", "cases": cases}, f, indent=1, ensure_ascii=False)
