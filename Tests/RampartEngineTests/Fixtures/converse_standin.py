#!/usr/bin/env python3
"""A loopback stand-in for Amazon Bedrock Runtime's Converse API, for Rampart's tests.

moto has no Converse. This server answers `POST /model/{modelId}/converse` only after checking
the request's Signature Version 4 the way AWS does, by recomputing it with botocore's own
SigV4Auth (the reference signer) for the credentials it was given. Its answers and errors have
the shapes of botocore's service definition for bedrock-runtime (2023-09-30): `output.message`,
`stopReason`, `usage`, `metrics`; errors as a status, an `x-amzn-ErrorType` header and a JSON
`message`.

Usage: converse_standin.py CONFIG.json   (prints the port it listens on, then serves)

CONFIG: {"region": "eu-west-1",
         "credentials": {"AKID": "secret", ...},
         "answers": {"MODEL_ID": {"SYSTEM\\u0000USER": "answer text", ...}, ...},
         "throttle_every": 4,              # every 4th distinct request is first answered 429
         "guardrail_terms": ["bomb"],      # with guardrailConfig, a user text containing one is blocked
         "judge_models": ["MODEL_ID"],     # these answer every Converse call with {"score": 0.8, ...}
         "embedding_models": ["amazon.titan-embed-text-v2:0"]}   # POST /model/{id}/invoke
Embeddings are letter counts (26 numbers), so cosines are computable by hand.
GET /stats answers {"requests": n, "throttled": n, "refused": n, "blocked": n}.
"""
import json
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sigv4_check import signature_problem

CONFIG = json.load(open(sys.argv[1]))
LOCK = threading.Lock()
STATS = {"requests": 0, "throttled": 0, "refused": 0, "blocked": 0, "judged": 0, "embedded": 0}
SEEN = {}


def count(key):
    with LOCK:
        STATS[key] += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body, error_type=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.send_json(status, {"message": message}, error_type=code)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.send_json(200, dict(STATS))
        else:
            self.error(404, "UnknownOperationException", "unknown operation")

    def signature_problem(self, body):
        return signature_problem(self, body, "bedrock", CONFIG["region"], CONFIG["credentials"])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        count("requests")
        problem = self.signature_problem(body)
        if problem:
            count("refused")
            return self.error(*problem)
        parts = self.path.split("/")
        if len(parts) != 4 or parts[1] != "model" or parts[3] not in ("converse", "invoke"):
            return self.error(404, "UnknownOperationException", "unknown operation")
        model = urllib.parse.unquote(parts[2])
        if parts[3] == "invoke":
            return self.invoke(model, body)
        if model in CONFIG.get("judge_models", []):
            count("judged")
            return self.send_json(200, {
                "output": {"message": {"role": "assistant", "content": [{"text": '{"score": 0.8, "reason": "Covers the refund window."}'}]}},
                "stopReason": "end_turn", "usage": {"inputTokens": 40, "outputTokens": 12, "totalTokens": 52}, "metrics": {"latencyMs": 3}})
        table = CONFIG["answers"].get(model)
        if table is None:
            return self.error(400, "ValidationException", "The provided model identifier is invalid.")
        try:
            request = json.loads(body)
            user = request["messages"][-1]["content"][0]["text"]
            system = request.get("system", [{"text": ""}])[0]["text"]
        except (ValueError, KeyError, IndexError):
            return self.error(400, "ValidationException", "Malformed input request, please reformat your input and try again.")
        key = system + "\u0000" + user
        every = CONFIG.get("throttle_every", 0)
        with LOCK:
            SEEN[key] = SEEN.get(key, 0) + 1
            first = SEEN[key] == 1
            throttle = every and first and (len(SEEN) % every == 0)
        if throttle:
            count("throttled")
            return self.error(429, "ThrottlingException", "Too many requests, please wait before trying again.")
        guardrail = request.get("guardrailConfig")
        if guardrail and any(term in user.lower() for term in CONFIG.get("guardrail_terms", [])):
            count("blocked")
            text, stop = "Sorry, the model cannot answer this question.", "guardrail_intervened"
        else:
            if key not in table:
                return self.error(400, "ValidationException", "no scripted answer for this prompt (test set-up)")
            text, stop = table[key], "end_turn"
        inputs, outputs = len((system + " " + user).split()), len(text.split())
        self.send_json(200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": stop,
            "usage": {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs},
            "metrics": {"latencyMs": 3},
        })


def letters(text):
    return [sum(1 for c in text.lower() if c == chr(ord("a") + i)) for i in range(26)]


def invoke(self, model, body):
    if model not in CONFIG.get("embedding_models", []):
        return self.error(400, "ValidationException", "The provided model identifier is invalid.")
    request = json.loads(body)
    count("embedded")
    if model.startswith("cohere."):
        return self.send_json(200, {"embeddings": [letters(t) for t in request["texts"]], "id": str(uuid.uuid4()), "texts": request["texts"]})
    return self.send_json(200, {"embedding": letters(request["inputText"]), "inputTextTokenCount": len(request["inputText"].split())})


Handler.invoke = invoke


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
