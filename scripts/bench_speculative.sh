#!/usr/bin/env bash
# Speculative decoding, one stream: decode speed with and without n-gram prompt lookup, interleaved,
# on an input-grounded task (the answer copies a given 200-line file) and on code generation (little
# to copy). Prints each run's decode tok/s and the medians as a Markdown table.
#
#   ROUNDS=3 MODEL=qwen1.5b scripts/bench_speculative.sh
#
# MODEL is a catalog name or a GGUF path; SPEC is the --speculative-config JSON to compare.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${MODEL:-qwen1.5b}"
ROUNDS="${ROUNDS:-3}"
MAX_TOKENS="${MAX_TOKENS:-256}"
THREADS="${THREADS:-2}"
SPEC="${SPEC:-{\"method\": \"ngram\", \"num_speculative_tokens\": 8, \"prompt_lookup_min\": 2, \"prompt_lookup_max\": 4\}}"
SLUICE="${SLUICE:-.build/release/sluice}"
[ -x "$SLUICE" ] || { echo "build first: swift build -c release" >&2; exit 1; }

FILE=scripts/template_feature_cases.py
EDIT_PROMPT="Rewrite the following Python file, adding a one-line comment above every function and changing nothing else. Reply with the whole file only.

\`\`\`python
$(cat "$FILE")
\`\`\`"
CODE_PROMPT="Write a Python module that reads a CSV file of orders (id, customer, amount, date), groups them by customer and month, and prints a report of totals and averages. Include type hints and docstrings."

declare -A RESULTS
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
  run edit-ngram "$EDIT_PROMPT" "$SPEC"
  run code-plain "$CODE_PROMPT" -
  run code-ngram "$CODE_PROMPT" "$SPEC"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "| task | decode tok/s, plain | with n-gram lookup | speed-up | runs (plain / n-gram) |"
echo "| --- | --- | --- | --- | --- |"
for task in edit code; do
  plain=$(echo "${RESULTS[$task-plain]}" | median)
  ngram=$(echo "${RESULTS[$task-ngram]}" | median)
  echo "| $task | $plain | $ngram | $(awk -v a="$ngram" -v b="$plain" 'BEGIN {printf "%.2fx", a / b}') | ${RESULTS[$task-plain]# } / ${RESULTS[$task-ngram]# } |"
done
