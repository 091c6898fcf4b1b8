#!/usr/bin/env bash
# Soak run (not in CI): `sluice serve` under 32 concurrent clients for 30 minutes, with streaming and
# non-streaming requests, n > 1 and clients that hang up mid-stream; passes with zero failed requests,
# flat resident memory after warm-up, and no running request or used KV block once idle.
#
#   scripts/soak.sh [DURATION_SECONDS] [CONCURRENCY]        (default 1800, 32)
#
# MODEL (default smollm2-135m), THREADS (2), PORT (8177), KV_CACHE_MEMORY (256MiB), SLUICE_BIN
# (.build/release/sluice). Writes
# the samples (RSS, running, waiting, KV usage every 5 s) to $SLUICE_CACHE/results/soak-<date>.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-1800}"
concurrency="${2:-32}"
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
model="${MODEL:-smollm2-135m}"
port="${PORT:-8177}"
sluice="${SLUICE_BIN:-.build/release/sluice}"
[ -x "$sluice" ] || swift build -c release --product sluice
python="${PYTHON:-python3}"   # the standard library is enough
mkdir -p "$cache/results"
samples="$cache/results/soak-$(date +%Y%m%d-%H%M%S).csv"
log="${samples%.csv}.log"
# A small KV pool (KV_CACHE_MEMORY, default 256MiB) is touched whole within the warm-up, so what the
# resident memory does after it is the server's own, not pages of the pool used for the first time.
"$sluice" serve "$model" --host 127.0.0.1 --port "$port" --threads "${THREADS:-2}" --served-model-name m \
  --kv-cache-memory "${KV_CACHE_MEMORY:-256MiB}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "server exited; see $log" >&2; exit 1; }
  sleep 0.5
done
warmup=$(( duration / 10 < 120 ? duration / 10 : 120 ))
"$python" scripts/soak.py --base "http://127.0.0.1:$port" --pid "$pid" --model m --duration "$duration" \
  --concurrency "$concurrency" --warmup "$warmup" --samples "$samples"
echo "samples: $samples; server log: $log"
