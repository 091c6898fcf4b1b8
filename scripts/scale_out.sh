#!/usr/bin/env bash
# Replicas behind a cache-aware router, on one machine: starts N `sluice serve` replicas on
# loopback ports and SMG (the SGLang model gateway, `smg` on PyPI) in front of them, runs
# `sluice bench serve` through the router on a workload of several distinct shared system prompts
# (the prefix dataset with --num-prefixes), and reports each replica's prefix-cache hit rate (from
# its own /metrics, vllm:prefix_cache_hits_total over vllm:prefix_cache_queries_total) and the
# TTFT, once per routing policy. Replicas and router start fresh for every policy, so no policy
# inherits another's cache. The policy `single` runs the workload against one replica directly,
# the baseline the others are compared with. With --rounds R the policy list runs R times,
# interleaved (A B C A B C), and the summary gives each run, the medians, and the ratios of
# cache_aware's median hit rate to round_robin's and to single's.
#
#   scripts/scale_out.sh                                  # smoke run: smollm2-135m, 2 replicas, 48 prompts
#   scripts/scale_out.sh --num-prompts 200 --rounds 2     # the measurement in BENCHMARKS.md (issue 15, session 10)
#
# The defaults are that measurement's workload: 112 MiB of KV per replica (317 blocks of 16 tokens
# with smollm2-135m) holds 4 of the 8 system prompts (63 blocks each) beside the blocks of its
# running requests, so one replica cannot keep them all and two can; concurrency 4. SMG's router
# arguments default to "--worker-overload-token-usage 1.0": SMG 1.13 leaves a worker out of routing
# while its vllm:kv_cache_usage_perc is at or above 0.8 (a reading up to --load-monitor-interval,
# 10 s, old), which on replicas this small would send a prefix's requests to the replica that does
# not hold it; at 1.0 only a replica whose running requests hold its whole cache is left out. Its
# other spill triggers cannot fire at this concurrency (see BENCHMARKS.md, issue 15, session 10).
# Pass --router-args "" for SMG's own defaults.
#
# Options (defaults in brackets):
#   --replicas N [2]  --model M [smollm2-135m]  --threads T [1]  --kv-cache-memory SIZE [112MiB]
#   --num-prompts P [48]  --num-prefixes K [8]  --prefix-len L [1000]  --max-output-tokens O [16]
#   --max-concurrency C [4]  --policies "LIST" ["single cache_aware round_robin"]  --rounds R [1]
#   --router-args "ARGS" ["--worker-overload-token-usage 1.0"] (added to every `smg launch`)
#   --base-port B [18100] (run k uses B+100k..)  --out DIR [$SLUICE_CACHE/scale-out/<time>]
#
# Environment: SLUICE (the sluice binary; default .build/release/sluice, else .build/debug/sluice),
# SLUICE_CACHE (where the SMG venv lives). Results, per run <policy>-r<round>: DIR/<run>.json (bench),
# DIR/<run>-workers.json (the router's GET /workers after the run), DIR/<run>-workers-during.jsonl
# (GET /workers every 2 s during the run), DIR/<run>-replica<i>.log, DIR/runs.tsv, DIR/summary.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
SMG_VERSION="1.13.0"
REPLICAS=2 MODEL=smollm2-135m THREADS=1 KV_MEMORY=112MiB
NUM_PROMPTS=48 NUM_PREFIXES=8 PREFIX_LEN=1000 OUTPUT_TOKENS=16 CONCURRENCY=4
POLICIES="single cache_aware round_robin" ROUNDS=1 BASE_PORT=18100 OUT=""
ROUTER_ARGS="--worker-overload-token-usage 1.0"
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) REPLICAS="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --kv-cache-memory) KV_MEMORY="$2"; shift 2 ;;
    --num-prompts) NUM_PROMPTS="$2"; shift 2 ;;
    --num-prefixes) NUM_PREFIXES="$2"; shift 2 ;;
    --prefix-len) PREFIX_LEN="$2"; shift 2 ;;
    --max-output-tokens) OUTPUT_TOKENS="$2"; shift 2 ;;
    --max-concurrency) CONCURRENCY="$2"; shift 2 ;;
    --policies) POLICIES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --router-args) ROUTER_ARGS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds must be a positive integer" >&2; exit 2; }
for POLICY in $POLICIES; do
  case "$POLICY" in single|cache_aware|round_robin|random|power_of_two|least_load|prefix_hash|consistent_hashing) ;;
    *) echo "unknown policy $POLICY" >&2; exit 2 ;;
  esac
done
read -r -a ROUTER_ARGV <<< "$ROUTER_ARGS"
OUT="${OUT:-$CACHE/scale-out/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"

SLUICE="${SLUICE:-}"
if [ -z "$SLUICE" ]; then
  for candidate in "$ROOT/.build/release/sluice" "$ROOT/.build/debug/sluice"; do
    if [ -x "$candidate" ]; then SLUICE="$candidate"; break; fi
  done
fi
[ -x "${SLUICE:-}" ] || { echo "no sluice binary: run swift build -c release (or set SLUICE)" >&2; exit 1; }

# SMG in its own venv, pinned; pip installs its prebuilt wheel.
SMG_VENV="$CACHE/smg-venv"
if ! grep -qx "Version: $SMG_VERSION" <<< "$("$SMG_VENV/bin/python" -m pip show smg 2>/dev/null || true)"; then
  echo "installing smg==$SMG_VERSION into $SMG_VENV" >&2
  rm -rf "$SMG_VENV.tmp"
  python3 -m venv "$SMG_VENV.tmp"
  "$SMG_VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check "smg==$SMG_VERSION" >&2
  rm -rf "$SMG_VENV"; mv "$SMG_VENV.tmp" "$SMG_VENV"
fi
# Through the venv's python, not its `smg` script: the venv was built under another name and moved,
# which leaves the scripts' #! lines pointing at the old one. Run in the background only: `exec` makes
# the background job's pid the router's own, so that stop_all stops it.
exec_smg() { exec "$SMG_VENV/bin/python" -c 'import sys; from smg.cli import main; sys.argv[0] = "smg"; sys.exit(main())' "$@"; }

PIDS=()
stop_all() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT INT TERM

wait_for() {  # URL, seconds, what
  local deadline=$(( $(date +%s) + $2 ))
  until curl -sf -o /dev/null "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$3 did not answer $1 within $2 s" >&2; return 1; }
    sleep 0.5
  done
}

# Prefix-cache counters of one replica: "queries hits", summed over label sets.
cache_counters() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk '
    $1 ~ /^vllm:prefix_cache_queries_total/ { q += $NF }
    $1 ~ /^vllm:prefix_cache_hits_total/ { h += $NF }
    END { printf "%d %d\n", q, h }'
}

# The number of workers SMG lists (0 while it cannot answer).
count_workers() {
  curl -sf "http://127.0.0.1:$1/workers" | python3 -c '
import json, sys
try:
    body = json.load(sys.stdin)
except ValueError:
    print(0); sys.exit()
workers = body.get("workers", body) if isinstance(body, dict) else body
print(len(workers) if isinstance(workers, list) else 0)' 2>/dev/null || echo 0
}

RUNS="$OUT/runs.tsv"
printf "round\tpolicy\treplica\tqueries\thits\tttft_p50_ms\tttft_p90_ms\tcompleted\tfailed\n" > "$RUNS"
{
  echo "scale-out: $REPLICAS replicas of $MODEL ($THREADS threads, KV $KV_MEMORY each), $NUM_PROMPTS prompts,"
  echo "$NUM_PREFIXES system prompts of $PREFIX_LEN tokens, $OUTPUT_TOKENS output tokens, concurrency $CONCURRENCY,"
  echo "smg $SMG_VERSION with router args: ${ROUTER_ARGS:-(none)}; $ROUNDS round(s) of: $POLICIES"
} > "$OUT/header.txt"

RUN=0
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
for POLICY in $POLICIES; do
  NAME="$POLICY-r$ROUND"
  echo "$(date -u +%H:%M:%S) run $NAME" >&2
  COUNT=$REPLICAS
  [ "$POLICY" = single ] && COUNT=1
  # Ports of their own for each run's replicas and router: the last run's may still be draining.
  PORT_BASE=$((BASE_PORT + 100 * RUN))
  RUN=$((RUN + 1))
  PORTS=()
  for ((i = 0; i < COUNT; i++)); do
    PORT=$((PORT_BASE + i))
    PORTS+=("$PORT")
    "$SLUICE" serve "$MODEL" --host 127.0.0.1 --port "$PORT" --threads "$THREADS" --kv-cache-memory "$KV_MEMORY" \
      --served-model-name "$MODEL" > "$OUT/$NAME-replica$i.log" 2>&1 &
    PIDS+=($!)
  done
  for PORT in "${PORTS[@]}"; do wait_for "http://127.0.0.1:$PORT/health" 300 "replica on $PORT"; done
  TARGET="http://127.0.0.1:${PORTS[0]}"
  SAMPLER=""
  if [ "$POLICY" != single ]; then
    ROUTER_PORT=$((PORT_BASE + 50))
    URLS=()
    for PORT in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$PORT"); done
    exec_smg launch --worker-urls "${URLS[@]}" --policy "$POLICY" --host 127.0.0.1 --port "$ROUTER_PORT" \
      --prometheus-host 127.0.0.1 --prometheus-port $((PORT_BASE + 51)) ${ROUTER_ARGV[@]+"${ROUTER_ARGV[@]}"} \
      > "$OUT/$NAME-router.log" 2>&1 &
    PIDS+=($!)
    wait_for "http://127.0.0.1:$ROUTER_PORT/health" 120 "smg"
    # SMG adds workers in the background after its own /health answers: wait until it lists them all.
    deadline=$(( $(date +%s) + 120 ))
    until [ "$(count_workers "$ROUTER_PORT")" -ge "$COUNT" ]; do
      [ "$(date +%s)" -lt "$deadline" ] || { echo "smg did not list $COUNT workers" >&2; cat "$OUT/$NAME-router.log" >&2; exit 1; }
      sleep 1
    done
    TARGET="http://127.0.0.1:$ROUTER_PORT"
    # What SMG reads from the replicas while they are busy (after the run they are idle).
    ( while true; do
        curl -sf "http://127.0.0.1:$ROUTER_PORT/workers" 2>/dev/null && echo
        sleep 2
      done ) > "$OUT/$NAME-workers-during.jsonl" &
    SAMPLER=$!
    PIDS+=("$SAMPLER")
  fi
  BEFORE=()
  for PORT in "${PORTS[@]}"; do BEFORE+=("$(cache_counters "$PORT")"); done
  "$SLUICE" bench serve --base-url "$TARGET" --model "$MODEL" --endpoint chat --dataset-name prefix \
    --prefix-len "$PREFIX_LEN" --num-prefixes "$NUM_PREFIXES" --num-prompts "$NUM_PROMPTS" \
    --max-output-tokens "$OUTPUT_TOKENS" --max-concurrency "$CONCURRENCY" --tokenizer "$MODEL" --seed 1 \
    --label "$NAME" --result-json "$OUT/$NAME.json" > "$OUT/$NAME-bench.txt" 2>&1 \
    || { cat "$OUT/$NAME-bench.txt" >&2; exit 1; }
  if [ "$POLICY" != single ]; then
    kill "$SAMPLER" 2>/dev/null || true
    curl -sf "http://127.0.0.1:$ROUTER_PORT/workers" > "$OUT/$NAME-workers.json" || echo '{}' > "$OUT/$NAME-workers.json"
  fi
  read -r P50 P90 COMPLETED FAILED <<< "$(python3 - "$OUT/$NAME.json" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))["levels"][0]["metrics"]
ttft = metrics["ttft_ms"]
print(f"{ttft['median']:.1f} {ttft['p90']:.1f} {metrics['completed']} {metrics['failed']}")
PY
)"
  for i in "${!PORTS[@]}"; do
    read -r Q0 H0 <<< "${BEFORE[$i]}"
    read -r Q1 H1 <<< "$(cache_counters "${PORTS[$i]}")"
    printf "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n" "$ROUND" "$POLICY" "$i" $((Q1 - Q0)) $((H1 - H0)) \
      "$P50" "$P90" "$COMPLETED" "$FAILED" >> "$RUNS"
  done
  stop_all
done
done

python3 "$ROOT/scripts/scale_out_summary.py" "$OUT" > "$OUT/summary.txt"
cat "$OUT/summary.txt"
echo "results in $OUT"
