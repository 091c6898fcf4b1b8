#!/bin/bash
# Replays the tokens `sluice bench grammar --export DIR` wrote through SluiceGrammar alone, built with
# `swiftc -O -wmo` from this checkout's sources in a minute of CPU, for when the package's release build is
# out of reach (a loaded machine). Same loop as `sluice bench grammar` (GrammarMatcher.check), same figures.
#   scripts/bench_grammar_replay.sh DIR [--cold] [--verify] [--slow]
# --cold: each instance's matcher starts with empty caches; --verify: compare every mask with the plain walk
# instead of timing; --slow: time each mask and print those over 250 µs with the text before them.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SLUICE_CACHE:-$HOME/.cache/sluice}/grammar-replay
if [ ! -x "$BIN" ] || [ -n "$(find "$ROOT/Sources/SluiceGrammar" "$ROOT/scripts/grammar_replay" -newer "$BIN" -name '*.swift')" ]; then
    swiftc -O -wmo -module-name GrammarReplay -o "$BIN" "$ROOT"/Sources/SluiceGrammar/*.swift "$ROOT/scripts/grammar_replay/main.swift"
fi
exec "$BIN" "$@"
