#!/usr/bin/env bash
# Speculative decoding, one stream: decode speed with and without speculation, interleaved, on an
# input-grounded task (the answer copies a given 200-line file) and on code generation (little to
# copy). Prints each run's decode tok/s and the medians as a Markdown table.
#
#   ROUNDS=3 MODEL=qwen1.5b scripts/bench_speculative.sh
#   SPEC='{"method":"draft_model","model":"qwen0.5b","num_speculative_tokens":4}' scripts/bench_speculative.sh
#
# MODEL is a catalog name or a GGUF path; SPEC is the --speculative-config JSON to compare (n-gram
# lookup by default). With a draft_model SPEC, and llama-server built by scripts/build_peer.sh (in
# ${SLUICE_CACHE:-~/.cache/sluice}/peer/bin; PEER_SERVER overrides), each round also runs llama-server
# on the same prompts alone and with --model-draft (the same draft, --spec-draft-n-max k, the same
# threads) and reads its own decode timings and draft counts.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${MODEL:-qwen1.5b}"
ROUNDS="${ROUNDS:-3}"
MAX_TOKENS="${MAX_TOKENS:-256}"
THREADS="${THREADS:-2}"
SPEC="${SPEC:-{\"method\": \"ngram\", \"num_speculative_tokens\": 8, \"prompt_lookup_min\": 2, \"prompt_lookup_max\": 4\}}"
SLUICE="${SLUICE:-.build/release/sluice}"
[ -x "$SLUICE" ] || { echo "build first: swift build -c release" >&2; exit 1; }

# The edit task's file: about 200 lines (2,000 tokens) of Python. Until session 9 it was
# scripts/template_feature_cases.py, whose long template strings make 9,400 tokens: a deep-context task.
FILE="${EDIT_FILE:-scripts/soak.py}"
EDIT_PROMPT="Rewrite the following Python file, adding a one-line comment above every function and changing nothing else. Reply with the whole file only.

\`\`\`python
$(cat "$FILE")
\`\`\`"
CODE_PROMPT="Write a Python module that reads a CSV file of orders (id, customer, amount, date), groups them by customer and month, and prints a report of totals and averages. Include type hints and docstrings."

declare -A RESULTS

# llama-server beside us when the comparison is a draft model and the peer is built.
DRAFT=$(printf '%s' "$SPEC" | python3 -c 'import json, sys; c = json.load(sys.stdin); print(c.get("model", "") if c.get("method", "draft_model" if "model" in c else "") == "draft_model" else "")')
K=$(printf '%s' "$SPEC" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("num_speculative_tokens", 5))')
PEER_SERVER="${PEER_SERVER:-${SLUICE_CACHE:-$HOME/.cache/sluice}/peer/bin/llama-server}"
PEER=""
if [ -n "$DRAFT" ]; then
  if [ -x "$PEER_SERVER" ]; then
    PEER=1
    TARGET_PATH=$("$SLUICE" pull "$MODEL" 2>/dev/null | tail -1)
    DRAFT_PATH=$("$SLUICE" pull "$DRAFT" 2>/dev/null | tail -1)
  else
    echo "no llama-server at $PEER_SERVER (scripts/build_peer.sh builds it): Sluice only" >&2
  fi
fi
PORT="${PORT:-8124}"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
trap stop_server EXIT

# One llama-server run: start it (extra flags after the name), send each prompt as ChatML text to
# /completion (temperature 0, ignore_eos, MAX_TOKENS), read timings.predicted_per_second and the draft counts.
peer_run() { # name-suffix flags...
  local suffix=$1
  shift
  local log=/tmp/bench_speculative_llama.log
  "$PEER_SERVER" -m "$TARGET_PATH" -t "$THREADS" -c 8192 -np 1 --host 127.0.0.1 --port "$PORT" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "llama-server exited; see $log" >&2; exit 1; }
    sleep 0.5
  done
  local task prompt body out rate
  for task in edit code; do
    if [ "$task" = edit ]; then prompt=$EDIT_PROMPT; else prompt=$CODE_PROMPT; fi
    body=$(python3 -c 'import json, sys; print(json.dumps({"prompt": "<|im_start|>user\n" + sys.argv[1] + "<|im_end|>\n<|im_start|>assistant\n", "n_predict": int(sys.argv[2]), "temperature": 0, "ignore_eos": True, "cache_prompt": False}))' "$prompt" "$MAX_TOKENS")
    out=$(curl -sf "http://127.0.0.1:$PORT/completion" -H 'Content-Type: application/json' -d "$body")
    rate=$(printf '%s' "$out" | python3 -c 'import json, sys; t = json.load(sys.stdin)["timings"]; print("%.2f" % t["predicted_per_second"]); print("drafts %s, accepted %s" % (t.get("draft_n", "-"), t.get("draft_n_accepted", "-")), file=sys.stderr)')
    echo "$task-llama-$suffix: $rate tok/s" >&2
    RESULTS[$task-llama-$suffix]="${RESULTS[$task-llama-$suffix]:-} $rate"
  done
  stop_server
}

peer_round() {
  peer_run plain
  peer_run spec -md "$DRAFT_PATH" --spec-draft-n-max "$K" -td "$THREADS"
}
run() { # name prompt spec
  local args=(generate --model "$MODEL" --chat --prompt "$2" --max-tokens "$MAX_TOKENS" --threads "$THREADS" --ignore-eos)
  [ "$3" = "-" ] || args+=(--speculative-config "$3")
  local line
  line=$("$SLUICE" "${args[@]}" 2>&1 >/dev/null | grep -o 'decode: .*tok/s)' | tail -1)
  local rate
  rate=$(echo "$line" | sed -E 's/.*\(([0-9.]+) tok\/s\)/\1/')
  echo "$1: $rate tok/s ($line)" >&2
  RESULTS[$1]="${RESULTS[$1]:-} $rate"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round" >&2
  run edit-plain "$EDIT_PROMPT" -
  run edit-spec "$EDIT_PROMPT" "$SPEC"
  run code-plain "$CODE_PROMPT" -
  run code-spec "$CODE_PROMPT" "$SPEC"
  if [ -n "$PEER" ]; then
    peer_round
  fi
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "| task | decode tok/s, plain | with $SPEC | speed-up | runs (plain / speculative) |"
echo "| --- | --- | --- | --- | --- |"
for task in edit code; do
  plain=$(echo "${RESULTS[$task-plain]}" | median)
  spec=$(echo "${RESULTS[$task-spec]}" | median)
  echo "| $task | $plain | $spec | $(awk -v a="$spec" -v b="$plain" 'BEGIN {printf "%.2fx", a / b}') | ${RESULTS[$task-plain]# } / ${RESULTS[$task-spec]# } |"
done
if [ -n "$PEER" ]; then
  echo
  echo "| task | llama-server plain | llama-server --model-draft (k = $K) | its speed-up | Sluice speculative / llama-server speculative |"
  echo "| --- | --- | --- | --- | --- |"
  for task in edit code; do
    plain=$(echo "${RESULTS[$task-llama-plain]}" | median)
    peer=$(echo "${RESULTS[$task-llama-spec]}" | median)
    ours=$(echo "${RESULTS[$task-spec]}" | median)
    echo "| $task | $plain | $peer | $(awk -v a="$peer" -v b="$plain" 'BEGIN {printf "%.2fx", a / b}') | $(awk -v a="$ours" -v b="$peer" 'BEGIN {printf "%.2fx", a / b}') |"
  done
fi
