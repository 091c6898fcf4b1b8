#!/usr/bin/env python3
"""Embeddings per second, Sluice against llama-server, on nomic-embed-text-v1.5 (issue 16's measure).

1,000 sentences from ShareGPT's human turns (the cached file `sluice bench serve` fetches), tokenized once
by llama-server's `/tokenize` (the same ids go to both servers, so the tokenizer is not measured), sent
as `/v1/embeddings` requests of 64 token-id inputs, one request at a time, to `llama-server --embeddings
--pooling mean` and to `sluice serve`, each with 2 threads, interleaved A B A B over the repetitions.
Every server starts fresh. Prints embeddings/s per run, the medians and their ratio, and the worst
cosine between the two servers' vectors (a check that both computed the same thing).

Do not run it on a busy machine: it is a timing benchmark.

Usage:  python3 scripts/bench_embeddings.py             (standard library only)
Knobs (environment): SENTENCES=1000, BATCH=64, THREADS=2, REPETITIONS=3, PORT=8131,
SLUICE_BIN (default .build/release/sluice: build with `swift build -c release`), MODEL (default the cached
nomic GGUF), DATASET (default the cached ShareGPT file), LLAMA_SLOTS=64 (llama-server's --parallel; its
context is 512 tokens per slot).
Needs scripts/build_peer.sh (llama-server) and `sluice pull nomic-embed`.
"""
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

CACHE = os.environ.get("SLUICE_CACHE") or os.path.expanduser("~/.cache/sluice")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODEL = os.environ.get("MODEL", os.path.join(CACHE, "models", "nomic-embed-text-v1.5.f16.gguf"))
DATASET = os.environ.get("DATASET", os.path.join(CACHE, "datasets", "ShareGPT_V3_unfiltered_cleaned_split.json"))
LLAMA_SERVER = os.path.join(CACHE, "peer", "bin", "llama-server")
SLUICE = os.environ.get("SLUICE_BIN", os.path.join(ROOT, ".build", "release", "sluice"))
SENTENCES = int(os.environ.get("SENTENCES", "1000"))
BATCH = int(os.environ.get("BATCH", "64"))
THREADS = os.environ.get("THREADS", "2")
REPETITIONS = int(os.environ.get("REPETITIONS", "3"))
PORT = int(os.environ.get("PORT", "8131"))
SLOTS = int(os.environ.get("LLAMA_SLOTS", "64"))


def sharegpt_sentences(count):
    """Sentences of 5 to 60 words from the human turns, in file order, distinct; reads the file record by
    record, so a file cut off mid-record (the packaged one) still works."""
    decoder = json.JSONDecoder()
    with open(DATASET, encoding="utf-8") as f:
        text = f.read()
    position = text.index("[") + 1
    seen, out = set(), []
    while len(out) < count:
        while position < len(text) and text[position] in " \n\r\t,":
            position += 1
        try:
            record, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        for turn in record.get("conversations", []):
            if turn.get("from") != "human":
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", turn.get("value", "")):
                words = sentence.split()
                if 5 <= len(words) <= 60 and sentence not in seen:
                    seen.add(sentence)
                    out.append(sentence)
                    if len(out) == count:
                        return out
    sys.exit(f"only {len(out)} sentences in {DATASET}")
    return out


def post(path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=1200) as response:
        return json.loads(response.read())


def start(command, log_name):
    log = open(os.path.join(CACHE, f"bench-embeddings-{log_name}.log"), "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(1200):
        if process.poll() is not None:
            sys.exit(f"{command[0]} exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except Exception:
            pass
        time.sleep(0.25)
    process.terminate()
    sys.exit(f"{command[0]} did not become ready")


def stop(process):
    process.terminate()
    process.wait()


def llama_server():
    return start([LLAMA_SERVER, "-m", MODEL, "--embeddings", "--pooling", "mean", "--port", str(PORT), "-t", THREADS,
                  "-tb", THREADS, "--parallel", str(SLOTS), "-c", str(512 * SLOTS), "-b", "4096", "-ub", "4096"], "llama")


def sluice_server():
    return start([SLUICE, "serve", MODEL, "--port", str(PORT), "--threads", THREADS,
                  "--max-num-batched-tokens", "4096"], "sluice")


def run(batches):
    """Sends every batch in turn; returns (embeddings per second, the vectors)."""
    post("/v1/embeddings", {"input": batches[0][:4], "encoding_format": "float"})  # warm-up
    vectors = []
    begin = time.perf_counter()
    for batch in batches:
        data = post("/v1/embeddings", {"input": batch, "encoding_format": "float"})["data"]
        vectors.extend(item["embedding"] for item in sorted(data, key=lambda item: item["index"]))
    elapsed = time.perf_counter() - begin
    return len(vectors) / elapsed, vectors


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def main():
    for path in (MODEL, LLAMA_SERVER, SLUICE, DATASET):
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
    sentences = sharegpt_sentences(SENTENCES)
    server = llama_server()
    try:
        ids = [post("/tokenize", {"content": s, "add_special": True})["tokens"][:512] for s in sentences]
    finally:
        stop(server)
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    tokens = sum(len(x) for x in ids)
    print(f"{len(ids)} sentences, {tokens} tokens ({tokens / len(ids):.1f} per sentence), batches of {BATCH}, "
          f"{THREADS} threads")
    rates = {"llama-server": [], "sluice": []}
    last = {}
    for repetition in range(REPETITIONS):
        for name, launch in (("llama-server", llama_server), ("sluice", sluice_server)):
            server = launch()
            try:
                rate, vectors = run(batches)
            finally:
                stop(server)
            rates[name].append(rate)
            last[name] = vectors
            print(f"run {repetition + 1} {name}: {rate:.1f} embeddings/s")
    worst = min(cosine(a, b) for a, b in zip(last["llama-server"], last["sluice"]))
    llama, sluice = statistics.median(rates["llama-server"]), statistics.median(rates["sluice"])
    print(f"median: llama-server {llama:.1f}/s, sluice {sluice:.1f}/s, ratio {sluice / llama:.2f}x; "
          f"worst cosine between the servers {worst:.6f}")


if __name__ == "__main__":
    main()
