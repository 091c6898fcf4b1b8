#!/usr/bin/env bash
# Single-stream speed, Sluice against llama.cpp, interleaved A B A B as ../shared/BENCHMARKS.md asks:
# pp512 and tg128 on the same GGUF file with the same thread count; prints each run and the medians.
# Needs the peer tools from scripts/build_peer.sh and a release build (`swift build -c release`).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
model="${MODEL:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
threads="${THREADS:-2}"
rounds="${ROUNDS:-3}"
bench="$cache/peer/bin/llama-bench"
[ -x "$bench" ] || { echo "run scripts/build_peer.sh first" >&2; exit 1; }
[ -x .build/release/sluice ] || swift build -c release
out=$(mktemp -d)
for round in $(seq "$rounds"); do
  "$bench" -m "$model" -t "$threads" -p 512 -n 128 -r 1 -o csv 2>/dev/null \
    | awk -F, 'NR>1 {gsub(/"/,""); if ($0 ~ /,512,0,/) print "llama.cpp pp512", $(NF-1); else print "llama.cpp tg128", $(NF-1)}' >>"$out/runs"
  .build/release/sluice bench latency --model "$model" --threads "$threads" -p 512 -n 128 -r 1 \
    | awk -F'|' '/pp512|tg128/ {gsub(/ /,"",$4); gsub(/ /,"",$5); print "sluice", $4, $5}' >>"$out/runs"
done
cat "$out/runs"
echo "medians:"
python3 - "$out/runs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    engine, test, speed = line.split()
    runs.setdefault(test, {}).setdefault(engine, []).append(float(speed))
for test, engines in sorted(runs.items()):
    medians = {engine: statistics.median(values) for engine, values in engines.items()}
    ratio = medians["sluice"] / medians["llama.cpp"]
    print(f"{test}: sluice {medians['sluice']:.1f} tok/s, llama.cpp {medians['llama.cpp']:.1f} tok/s, ratio {ratio:.2f}x")
PY
rm -rf "$out"
