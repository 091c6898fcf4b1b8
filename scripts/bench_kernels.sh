#!/usr/bin/env bash
# The kernels issue's workloads, Sluice against llama.cpp, interleaved A B A B, medians printed:
#   single stream: pp512 and tg128 (llama-bench vs sluice bench latency)
#   batched: N sequences x (128 prompt + 128 generated), N = 16 and 64
#            (llama-batched-bench vs sluice bench throughput; total tok/s = all tokens / wall time)
# on the real models of MODELS.md (qwen1.5b, qwen0.5b: `sluice pull qwen1.5b qwen0.5b`), the default model, and
# the random 1.1B Llama in Q4_0 and Q8_0 (scripts/make_random_llama.py; shorter runs: pp128, tg32,
# batch 16 x (64 + 32)). ik_llama.cpp (scripts/build_ik_peer.sh, run with -rtr 1) joins the single-stream
# and batched runs where it is built.
# Needs the peer tools from scripts/build_peer.sh and a release build (`swift build -c release`).
#   ROUNDS=3 MODELS="qwen1.5b qwen0.5b smollm2" scripts/bench_kernels.sh      (SKIP_BATCH=1: single stream only)
# DEPTH=4096 runs the single-stream tests after that many tokens of context (llama-bench -d; ik_llama.cpp's
# llama-bench has no -d, so it sits those out).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
threads="${THREADS:-2}"
rounds="${ROUNDS:-3}"
depth="${DEPTH:-0}"
models="${MODELS:-qwen1.5b qwen0.5b smollm2}"
peer="$cache/peer/bin"
ik="$cache/ik-peer/bin"
[ -x "$peer/llama-bench" ] || { echo "run scripts/build_peer.sh first" >&2; exit 1; }
[ -x .build/release/sluice ] || swift build -c release
out=$(mktemp -d)

at=""; [ "$depth" != 0 ] && at="@d$depth"
llama_single() { # model pp tg label: llama-bench's CSV has the pp row, then the tg row; avg_ts is the next-to-last field
  "$peer/llama-bench" -m "$1" -t "$threads" -p "$2" -n "$3" -d "$depth" -r 1 -o csv 2>/dev/null |
    awk -F, -v l="$4" -v pp="$2" -v tg="$3" -v at="$at" 'NR>1 {gsub(/"/,""); print l, (NR==2 ? "pp" pp : "tg" tg) at, "llama.cpp", $(NF-1)}'
}
ik_single() { # model pp tg label: the same CSV, weights repacked at load
  [ -x "$ik/llama-bench" ] && [ "$depth" = 0 ] || return 0
  "$ik/llama-bench" -m "$1" -t "$threads" -p "$2" -n "$3" -r 1 -rtr 1 -o csv 2>/dev/null |
    awk -F, -v l="$4" -v pp="$2" -v tg="$3" 'NR>1 {gsub(/"/,""); print l, (NR==2 ? "pp" pp : "tg" tg), "ik_llama.cpp", $(NF-2)}'
}
sluice_single() { # model pp tg label
  .build/release/sluice bench latency --model "$1" --threads "$threads" -p "$2" -n "$3" -d "$depth" -r 1 |
    awk -F'|' -v l="$4" '/ (pp|tg)[0-9]+ / {gsub(/ /,"",$4); gsub(/ /,"",$5); print l, $4, "sluice", $5}'
}
llama_batch() { # model npl pp tg label
  "$peer/llama-batched-bench" -m "$1" -c $(( $2 * ($3 + $4) + 512 )) -b 2048 -ub 512 -npp "$3" -ntg "$4" \
    -npl "$2" -t "$threads" 2>/dev/null |
    awk -F'|' -v l="$5" -v n="$2" '$4+0 == n {gsub(/ /,"",$NF); gsub(/ /,"",$(NF-1)); print l, "batch" n, "llama.cpp", $(NF-1)}'
}
sluice_batch() { # model npl pp tg label
  .build/release/sluice bench throughput --model "$1" --threads "$threads" --batch "$2" --input-len "$3" \
    --output-len "$4" --kv-cache-memory 2GiB |
    awk -F'|' -v l="$5" -v n="$2" 'NF > 9 && $3 ~ /[0-9]/ {gsub(/ /,"",$10); print l, "batch" n, "sluice", $10}'
}

for round in $(seq "$rounds"); do
  for m in $models; do
    case "$m" in
      smollm2) path="$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"; pp=512; tg=128; bp=128; bt=128; sizes="16 64" ;;
      qwen1.5b) path="$cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"; pp=512; tg=128; bp=128; bt=128; sizes="16" ;;
      qwen0.5b) path="$cache/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"; pp=512; tg=128; bp=128; bt=128; sizes="16" ;;
      *) path="$cache/models/random-llama-1.1b-$m.gguf"; pp=128; tg=32; bp=64; bt=32; sizes="16" ;;
    esac
    [ -f "$path" ] || { echo "missing $path (scripts/make_random_llama.py $m)" >&2; continue; }
    llama_single "$path" "$pp" "$tg" "$m" >>"$out/runs"
    ik_single "$path" "$pp" "$tg" "$m" >>"$out/runs"
    sluice_single "$path" "$pp" "$tg" "$m" >>"$out/runs"
    [ -n "${SKIP_BATCH:-}" ] && sizes=""
    for n in $sizes; do
      llama_batch "$path" "$n" "$bp" "$bt" "$m" >>"$out/runs"
      sluice_batch "$path" "$n" "$bp" "$bt" "$m" >>"$out/runs"
    done
  done
done
cat "$out/runs"
echo "medians (tok/s; batch rows are total tokens, prompt + generated, per second of wall time):"
python3 - "$out/runs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    model, test, engine, speed = line.split()
    runs.setdefault((model, test), {}).setdefault(engine, []).append(float(speed))
for (model, test), engines in runs.items():
    m = {e: statistics.median(v) for e, v in engines.items()}
    s, l, k = m.get("sluice"), m.get("llama.cpp"), m.get("ik_llama.cpp")
    ratio = f"{s / l:.2f}x" if s and l else "n/a"
    ik = f"  ik_llama.cpp {k:8.1f}  ratio {s / k:.2f}x" if s and k else ""
    print(f"{model:8} {test:8} sluice {s or 0:8.1f}  llama.cpp {l or 0:8.1f}  ratio {ratio}{ik}  (n={len(engines.get('sluice', []))})")
PY
