"""Regenerates VADER agreement fixtures from vaderSentiment 3.3.2.

Scores are taken unrounded (the module's round() is replaced by the identity for the run), so the
Swift port can be checked to 1e-9 rather than to the 3 and 4 decimals the package prints.
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install vaderSentiment==3.3.2
    /tmp/ref/bin/python generate_vader.py
"""
import json
from vaderSentiment import vaderSentiment as vs

vs.round = lambda x, n=None: x
analyzer = vs.SentimentIntensityAnalyzer()

SENTENCES = [
    "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!", "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.", "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", "VADER is not smart, handsome, nor funny.",
    "The book was good.", "At least it isn't a horrible book.", "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.", "Today SUX!",
    "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!", "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all", "", "   ", "I'm sorry, but I can't help with that request.",
    "Thank you for reaching out! We're happy to help you with your return.",
    "Your order was lost. This is unacceptable and I am furious!!", "This is the worst support I have ever had???",
    "good good good but bad bad", "good but good", "It was never so good", "without doubt a great product",
    "no problem at all, glad to help", "The service was not very good, but not terrible either.",
    "I HATE waiting but the agent was GREAT", "least favourite purchase", "at least it works", "very least helpful",
    "This tent is the bomb", "yeah right, great service", "kind of disappointing", "sort of okay I guess",
    "Absolutely FANTASTIC experience!!!!!", "meh", "Refunds reach your card within 5 business days.",
    "no good deed goes unpunished", "He is not the least bit happy", "Is it good? Is it bad? Who knows?",
    "I love it 😍😍 but the box was damaged 😞", "Nope, not happy.", "the staff were rude, slow and unhelpful",
    "Great!!! Really great!!!", "It's not that I don't like it", "Hardly a success", "such a beating heart story",
    "You can return unworn items within 30 days of delivery for a full refund.",
]
cases = []
for s in SENTENCES:
    p = analyzer.polarity_scores(s)
    cases.append({"text": s, "neg": p["neg"], "neu": p["neu"], "pos": p["pos"], "compound": p["compound"]})
with open("vader-reference.json", "w") as f:
    json.dump({"provenance": "vaderSentiment 3.3.2, unrounded; see generate_vader.py", "cases": cases}, f, indent=1, ensure_ascii=False)
