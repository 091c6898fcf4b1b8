#!/usr/bin/env bash
# Online serving, Sluice against llama-server, interleaved A B A B as ../shared/BENCHMARKS.md asks.
#
# For each repetition and each concurrency level: start llama-server with one slot per request in
# flight, run `sluice bench serve` against it, stop it; start `sluice serve`, run the same prompts
# (same seed), stop it. Then the shared-prefix workload (a 1000-token system prompt plus a ShareGPT
# question, concurrency 16) the same way. Every server starts fresh, so no run inherits another's cache.
#
# Workload: ShareGPT prompts, streaming, at most 128 output tokens with ignore_eos, greedy.
# Writes OUT_DIR/{sharegpt,prefix}/<engine>-c<C>-r<rep>.json, the servers' logs under OUT_DIR/logs,
# and the combined charts and tables of medians: OUT_DIR/sharegpt.{svg,md}, OUT_DIR/prefix.{svg,md}.
#
# Usage: scripts/bench_serve_vs_llama.sh [OUT_DIR]      (default: $SLUICE_CACHE/results/serve-<date>)
# Knobs (environment): LEVELS="1 4 16 64", REPETITIONS=3, NUM_PROMPTS (default per level: 4 × C,
# at least 32), PREFIX_PROMPTS=64, NUM_WARMUPS=2, THREADS=2, ENDPOINT=completions, PORT=8123,
# SKIP_PREFIX=1, MODEL (default: the cached SmolLM2 Q4_1), SLUICE_BIN (default: .build/release/sluice).
# Needs the peer build from scripts/build_peer.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
model="${MODEL:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
llama_server="$cache/peer/bin/llama-server"
sluice="${SLUICE_BIN:-.build/release/sluice}"
levels="${LEVELS:-1 4 16 64}"
repetitions="${REPETITIONS:-3}"
prefix_prompts="${PREFIX_PROMPTS:-64}"
warmups="${NUM_WARMUPS:-2}"
threads="${THREADS:-2}"
endpoint="${ENDPOINT:-completions}"
port="${PORT:-8123}"
out="${1:-$cache/results/serve-$(date +%Y%m%d-%H%M%S)}"
# Tokens one request can hold: a ShareGPT prompt is at most 1024 tokens plus 128 generated; the
# prefix workload adds its 1000-token system prompt. llama-server splits -c evenly between slots.
sharegpt_slot_tokens=2048
prefix_slot_tokens=3072

[ -x "$llama_server" ] || { echo "no $llama_server: run scripts/build_peer.sh first" >&2; exit 1; }
[ -f "$model" ] || { echo "no model at $model: run \`sluice serve\` once to fetch it, or set MODEL" >&2; exit 1; }
[ -x "$sluice" ] || swift build -c release
mkdir -p "$out/sharegpt" "$out/prefix" "$out/logs"
server_pid=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

wait_for_health() {
  for _ in $(seq 600); do
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited; see $1" >&2; exit 1; }
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && return 0
    sleep 0.2
  done
  echo "server did not become healthy in 2 minutes; see $1" >&2
  exit 1
}

# start_server ENGINE SLOTS SLOT_TOKENS LOG
start_server() {
  if [ "$1" = llama-server ]; then
    "$llama_server" -m "$model" -np "$2" -c $(($2 * $3)) -t "$threads" --host 127.0.0.1 --port "$port" \
      --no-webui >"$4" 2>&1 &
  else
    "$sluice" serve "$model" --threads "$threads" --host 127.0.0.1 --port "$port" --max-model-len "$3" >"$4" 2>&1 &
  fi
  server_pid=$!
  wait_for_health "$4"
}

# run_pass ENGINE CONCURRENCY SLOT_TOKENS WORKLOAD REP PROMPTS [bench flags...]
run_pass() {
  local engine=$1 concurrency=$2 slot_tokens=$3 workload=$4 rep=$5 prompts=$6
  shift 6
  local name="$engine-c$concurrency-r$rep"
  echo "== $workload: $engine, concurrency $concurrency, repetition $rep, $prompts prompts" >&2
  start_server "$engine" "$concurrency" "$slot_tokens" "$out/logs/$workload-$name.log"
  "$sluice" bench serve --base-url "http://127.0.0.1:$port" --label "$engine" --endpoint "$endpoint" \
    --num-prompts "$prompts" --max-concurrency "$concurrency" --num-warmups "$warmups" --seed "$rep" \
    --max-output-tokens 128 --ignore-eos --result-json "$out/$workload/$name.json" "$@" \
    | tee "$out/logs/$workload-$name.txt"
  stop_server
}

for rep in $(seq "$repetitions"); do
  for concurrency in $levels; do
    prompts="${NUM_PROMPTS:-$((concurrency * 4 > 32 ? concurrency * 4 : 32))}"
    for engine in llama-server sluice; do
      run_pass "$engine" "$concurrency" "$sharegpt_slot_tokens" sharegpt "$rep" "$prompts" --dataset-name sharegpt
    done
  done
  if [ -z "${SKIP_PREFIX:-}" ]; then
    for engine in llama-server sluice; do
      run_pass "$engine" 16 "$prefix_slot_tokens" prefix "$rep" "$prefix_prompts" --dataset-name prefix --prefix-len 1000
    done
  fi
done

"$sluice" bench chart "$out"/sharegpt/*.json --output "$out/sharegpt.svg" \
  --title "ShareGPT, $endpoint, max 128 output tokens, $threads threads: llama-server vs sluice" >"$out/sharegpt.md"
if [ -z "${SKIP_PREFIX:-}" ]; then
  "$sluice" bench chart "$out"/prefix/*.json --output "$out/prefix.svg" \
    --title "Shared 1000-token prefix + ShareGPT question, concurrency 16" >"$out/prefix.md"
fi
echo
echo "ShareGPT serving (medians of $repetitions runs; chart: $out/sharegpt.svg):"
cat "$out/sharegpt.md"
if [ -z "${SKIP_PREFIX:-}" ]; then
  echo
  echo "Shared prefix (chart: $out/prefix.svg):"
  cat "$out/prefix.md"
fi
