#!/usr/bin/env bash
# Structured outputs under load: decode speed with every request constrained to a JSON schema against the
# same requests unconstrained, on one server, interleaved (free, schema, free, schema, ...). Prints each
# run's output tok/s, TPOT and ITL medians, and the medians' ratios, as a Markdown table (issue 13's
# goal: constrained decode throughput at 16 streams at least 95% of unconstrained).
#
#   ROUNDS=2 MODEL=qwen1.5b scripts/bench_structured.sh
#
# The schema asks for an object with a long string and a list of strings, so a constrained answer runs
# about as long as a free one (SCHEMA=FILE overrides). Prompts are the random dataset's (PROMPT_LEN
# tokens, OUTPUT_LEN outputs each, ignore_eos for the free runs so both run to the length cap where the
# schema lets them), NUM_PROMPTS requests at CONCURRENCY, chat endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${MODEL:-qwen1.5b}"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-2}"
CONCURRENCY="${CONCURRENCY:-16}"
NUM_PROMPTS="${NUM_PROMPTS:-48}"
PROMPT_LEN="${PROMPT_LEN:-64}"
OUTPUT_LEN="${OUTPUT_LEN:-128}"
PORT="${PORT:-8127}"
SLUICE="${SLUICE:-.build/release/sluice}"
[ -x "$SLUICE" ] || { echo "build first: swift build -c release" >&2; exit 1; }
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
SCHEMA="${SCHEMA:-$OUT/schema.json}"
if [ ! -f "$SCHEMA" ]; then
  cat > "$SCHEMA" <<'JSON'
{"type": "object",
 "properties": {"summary": {"type": "string", "minLength": 200},
                "points": {"type": "array", "items": {"type": "string"}, "minItems": 3}},
 "required": ["summary", "points"]}
JSON
fi

"$SLUICE" serve "$MODEL" --host 127.0.0.1 --port "$PORT" --threads "$THREADS" > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" || { echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1; }

run() {  # label, extra flags...
  local label="$1"; shift
  "$SLUICE" bench serve --base-url "http://127.0.0.1:$PORT" --endpoint chat --dataset-name random \
    --random-input-len "$PROMPT_LEN" --random-output-len "$OUTPUT_LEN" --num-prompts "$NUM_PROMPTS" \
    --max-concurrency "$CONCURRENCY" --tokenizer "$MODEL" --seed 7 --label "$label" \
    --result-json "$OUT/$label.json" "$@" > "$OUT/$label.txt" 2>&1
}

# One request of each kind first, so the grammar's compile and the first steps are not timed.
run warmup-free --num-prompts 2 --max-concurrency 2 --ignore-eos
run warmup-schema --num-prompts 2 --max-concurrency 2 --json-schema "$SCHEMA"
for round in $(seq 1 "$ROUNDS"); do
  run "free-$round" --ignore-eos
  run "schema-$round" --json-schema "$SCHEMA"
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = {"free": [], "schema": []}
print("| run | output tok/s | output tokens | TPOT median ms | ITL median ms | failed |")
print("| --- | --- | --- | --- | --- | --- |")
for r in range(1, rounds + 1):
    for kind in ("free", "schema"):
        level = json.load(open(f"{out}/{kind}-{r}.json"))["levels"][0]["metrics"]
        row = (level["output_throughput"], level["total_output_tokens"], level["tpot_ms"]["median"],
               level["itl_ms"]["median"], level["failed"])
        rows[kind].append(row)
        print(f"| {kind} {r} | {row[0]:.1f} | {row[1]} | {row[2]:.1f} | {row[3]:.1f} | {row[4]} |")
med = {k: [statistics.median(x[i] for x in v) for i in range(4)] for k, v in rows.items()}
print(f"| **median free** | {med['free'][0]:.1f} | | {med['free'][2]:.1f} | {med['free'][3]:.1f} | |")
print(f"| **median schema** | {med['schema'][0]:.1f} | | {med['schema'][2]:.1f} | {med['schema'][3]:.1f} | |")
print()
print(f"schema / free: output tok/s {med['schema'][0] / med['free'][0]:.3f}, "
      f"decode speed by TPOT {med['free'][2] / med['schema'][2]:.3f}, by ITL {med['free'][3] / med['schema'][3]:.3f}")
PY
echo "results in $OUT" >&2
