#!/usr/bin/env python3
"""Reference embeddings of nomic-embed-text-v1.5 (F16 GGUF) from the llama.cpp peer, for
Tests/SluiceModelTests (EncoderModelTests).

Runs `llama-server --embeddings --pooling mean` (scripts/build_peer.sh builds it) on ~200 varied texts with
nomic's task prefixes, records the token ids the peer tokenized each text to (`/tokenize`, with [CLS]/[SEP])
and the embedding it computes from those ids (`/v1/embeddings` with token-id input), so the fixture does not
depend on Sluice's tokenizer. Embeddings are stored L2-normalised as little-endian float16, base64.

Usage:  python3 scripts/make_embedding_fixtures.py            (standard library only)
Env:    SLUICE_CACHE (default ~/.cache/sluice), PEER_PORT (default 8093)
"""
import base64
import json
import math
import os
import random
import struct
import subprocess
import sys
import time
import urllib.request

CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
MODEL = os.path.join(CACHE, "models", "nomic-embed-text-v1.5.f16.gguf")
SERVER = os.path.join(CACHE, "peer", "bin", "llama-server")
PORT = int(os.environ.get("PEER_PORT", "8093"))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SluiceModelTests", "Resources",
                   "embeddings_nomic.json")

SENTENCES = [
    "What is the capital of France?",
    "Paris is the capital and most populous city of France.",
    "How do I reverse a linked list in place?",
    "The mitochondria is the powerhouse of the cell.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)",
    "SELECT name, COUNT(*) FROM users GROUP BY name HAVING COUNT(*) > 1;",
    "The quick brown fox jumps over the lazy dog.",
    "Café au lait, crème brûlée and a croissant, s'il vous plaît.",
    "Übergrößenträger müssen im Straßenverkehr besonders vorsichtig sein.",
    "東京は日本の首都です。",
    "北京是中国的首都，也是一座历史悠久的城市。",
    "Привет, как дела? Сегодня хорошая погода.",
    "I love pizza 🍕 and tacos 🌮!!!",
    "Interest rates rose by 0.25% to 5.50% on 26 July 2023.",
    "Error: ECONNREFUSED 127.0.0.1:5432 — is the database running?",
    "The Treaty of Westphalia (1648) ended the Thirty Years' War.",
    "Neural networks learn representations by gradient descent on a loss function.",
    "   leading and trailing spaces   ",
    "UPPERCASE TEXT SHOULD BE LOWERCASED BY AN UNCASED TOKENIZER",
    "email me at someone@example.com or visit https://example.org/path?q=1&r=2",
    "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
    "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
    "How many legs does a spider have? Eight.",
    "Best hiking trails near Seattle with waterfalls",
    "Symptoms of vitamin D deficiency include fatigue and bone pain.",
    "git rebase -i HEAD~3 lets you squash the last three commits.",
    "Shakespeare wrote Hamlet around 1600.",
    "The Great Barrier Reef is the world's largest coral reef system.",
    "Can dogs eat grapes? No, grapes can be toxic to dogs.",
    "x",
    "?",
    "the",
    "Hello, world!",
    "Transformers use self-attention to relate every token to every other token.",
    "Water boils at 100 °C at sea level.",
    "He said, \"It's fine,\" but it wasn't.",
    "naïve résumé coöperate façade",
    "¿Dónde está la biblioteca? Está al lado del museo.",
    "The stock market closed higher on Friday after strong earnings reports.",
]

PARAGRAPH = (
    "Retrieval-augmented generation pairs a language model with a search index: documents are split into passages, "
    "each passage is embedded into a vector, and at query time the passages nearest to the query's vector are handed "
    "to the model as context. The quality of the embeddings decides what the model gets to read, so embedding models "
    "are trained contrastively on pairs of queries and relevant passages, with hard negatives mined from the corpus. "
)


def texts():
    rng = random.Random(16)
    out = []
    for sentence in SENTENCES:
        out.append("search_query: " + sentence)
        out.append("search_document: " + sentence)
    # Pairs and triples of sentences: medium lengths.
    for _ in range(80):
        picked = rng.sample(SENTENCES, rng.randint(2, 6))
        out.append(rng.choice(["search_query: ", "search_document: "]) + " ".join(picked))
    # Long documents, up to the model's 2048-token context.
    for repeats in (4, 8, 16, 24):
        out.append("search_document: " + PARAGRAPH * repeats)
    # A few without a prefix.
    for sentence in SENTENCES[:36]:
        if len(out) >= 200:
            break
        out.append(sentence)
    return out[:200]


def post(path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def wait_ready(process):
    for _ in range(600):
        if process.poll() is not None:
            sys.exit("llama-server exited; see its output above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.5)
    sys.exit("llama-server did not become ready")


def normalised(vector):
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector]


def main():
    for path in (MODEL, SERVER):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: run `swift run sluice pull nomic-embed` and scripts/build_peer.sh")
    command = [SERVER, "-m", MODEL, "--embeddings", "--pooling", "mean", "--port", str(PORT), "-c", "2048",
               "-b", "2048", "-ub", "2048", "-np", "1", "-t", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(process)
        cases = []
        for text in texts():
            ids = post("/tokenize", {"content": text, "add_special": True})["tokens"]
            ids = ids[:2048]
            data = post("/v1/embeddings", {"input": [ids], "encoding_format": "float"})["data"]
            vector = normalised(data[0]["embedding"])
            packed = struct.pack(f"<{len(vector)}e", *vector)
            cases.append({"text": text, "ids": ids, "embedding_f16": base64.b64encode(packed).decode()})
        # The peer's text path agrees with its token-id path (the ids carry everything).
        check = post("/v1/embeddings", {"input": cases[0]["text"]})["data"][0]["embedding"]
        first = struct.unpack(f"<{len(check)}e", base64.b64decode(cases[0]["embedding_f16"]))
        cosine = sum(a * b for a, b in zip(normalised(check), first))
        assert cosine > 0.9999, f"text and id inputs disagree: cosine {cosine}"
    finally:
        process.terminate()
        process.wait()
    fixture = {
        "model": "nomic-embed-text-v1.5.f16.gguf",
        "peer": "llama-server --embeddings --pooling mean (llama-cpp-python 0.3.36's llama.cpp)",
        "dimensions": len(first),
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
