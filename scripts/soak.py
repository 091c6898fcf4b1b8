#!/usr/bin/env python3
"""Soak test client for scripts/soak.sh: C concurrent clients against a running `sluice serve` for D
seconds, mixing streaming and non-streaming chat and completions, n > 1, and clients that hang up
mid-stream. Samples the server's resident memory and its KV usage every few seconds.

Pass criteria (exit status 1 otherwise):
  - no failed request (an HTTP error, a broken response or a stream that ends without [DONE], apart from
    the streams this client aborts on purpose);
  - once idle at the end, no request running and the KV cache empty;
  - resident memory after warm-up grows by less than 10% (or 64 MiB, whichever is larger).
"""
import argparse
import json
import random
import re
import sys
import threading
import time

import http.client
import urllib.parse


def metric(text, name):
    m = re.search(r"^" + re.escape(name) + r"(?:\{[^}]*\})? ([0-9.eE+-]+)$", text, re.M)
    return float(m.group(1)) if m else None


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


WORDS = ("river stone light garden window paper cloud engine music harbor silver market answer "
         "question lantern bridge forest letter winter summer").split()


def prompt(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 120)))


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"ok": 0, "aborted": 0, "failed": 0}
        self.failures = []

    def add(self, kind, detail=None):
        with self.lock:
            self.counts[kind] += 1
            if detail and len(self.failures) < 20:
                self.failures.append(detail)


def post(base, path, body, timeout=120):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    return conn, conn.getresponse()


def get(base, path):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", path)
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def one_request(base, model, rng, tally):
    chat = rng.random() < 0.6
    stream = rng.random() < 0.7
    body = {"model": model, "max_tokens": rng.randint(1, 96), "temperature": rng.choice([0, 0.7, 1.0]),
            "stream": stream}
    if rng.random() < 0.1:
        body["n"] = rng.randint(2, 3)
    if chat:
        path = "/v1/chat/completions"
        body["messages"] = [{"role": "user", "content": prompt(rng)}]
    else:
        path = "/v1/completions"
        body["prompt"] = prompt(rng)
    abort_after = rng.randint(1, 8) if stream and rng.random() < 0.25 else None
    conn = None
    try:
        conn, r = post(base, path, body)
        if not stream:
            text = r.read()
            if r.status != 200 or "choices" not in json.loads(text):
                tally.add("failed", f"{path} {r.status} {text[:200]!r}")
            else:
                tally.add("ok")
            return
        if r.status != 200:
            tally.add("failed", f"{path} stream {r.status} {r.read()[:200]!r}")
            return
        chunks, done = 0, False
        while True:
            raw = r.readline()
            if not raw:
                break
            line = raw.decode().rstrip("\r\n")
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                done = True
                break
            event = json.loads(line[6:])
            if "error" in event:
                tally.add("failed", f"{path} error event {event}")
                return
            chunks += 1
            if abort_after is not None and chunks >= abort_after:
                tally.add("aborted")
                return  # closing the connection below hangs up mid-stream
        tally.add("ok" if done else "failed", None if done else f"{path} stream ended without [DONE]")
    except Exception as e:  # a reset or a timeout is a failure: the server must answer everyone
        tally.add("failed", f"{path} {type(e).__name__}: {e}")
    finally:
        if conn is not None:
            conn.close()


def worker(base, model, deadline, seed, tally):
    rng = random.Random(seed)
    while time.time() < deadline:
        one_request(base, model, rng, tally)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--model", default="m")
    ap.add_argument("--duration", type=float, default=1800)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--warmup", type=float, default=120)
    ap.add_argument("--samples", required=True, help="CSV of elapsed seconds, RSS KiB, running, waiting, KV usage")
    args = ap.parse_args()

    tally = Tally()
    start = time.time()
    deadline = start + args.duration
    threads = [threading.Thread(target=worker, args=(args.base, args.model, deadline, 1000 + i, tally), daemon=True)
               for i in range(args.concurrency)]
    for t in threads:
        t.start()
    rows = []
    with open(args.samples, "w") as out:
        out.write("seconds,rss_kib,running,waiting,kv_usage,ok,aborted,failed\n")
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            text = get(args.base, "/metrics")
            row = (round(time.time() - start), rss_kib(args.pid), metric(text, "vllm:num_requests_running"),
                   metric(text, "vllm:num_requests_waiting"), metric(text, "vllm:kv_cache_usage_perc"),
                   tally.counts["ok"], tally.counts["aborted"], tally.counts["failed"])
            rows.append(row)
            out.write(",".join(str(v) for v in row) + "\n")
            out.flush()
        # Idle: aborted streams must have released their blocks.
        time.sleep(3)
        text = get(args.base, "/metrics")
        running = metric(text, "vllm:num_requests_running")
        kv = metric(text, "vllm:kv_cache_usage_perc")
    after_warmup = [r[1] for r in rows if r[0] >= args.warmup] or [r[1] for r in rows]
    growth = after_warmup[-1] - after_warmup[0]
    limit = max(0.10 * after_warmup[0], 64 * 1024)
    print(f"requests: {tally.counts}; idle: running {running}, KV usage {kv}; "
          f"RSS after warm-up {after_warmup[0] / 1024:.0f} MiB -> {after_warmup[-1] / 1024:.0f} MiB")
    problems = []
    if tally.counts["failed"]:
        problems.append(f"{tally.counts['failed']} failed requests, e.g. {tally.failures[:5]}")
    if running not in (0, 0.0) or kv not in (0, 0.0):
        problems.append(f"not idle at the end: running {running}, KV usage {kv}")
    if growth > limit:
        problems.append(f"resident memory grew {growth / 1024:.0f} MiB after warm-up")
    for p in problems:
        print("FAIL:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
