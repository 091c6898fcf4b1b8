#!/usr/bin/env bash
# Sets up lm-evaluation-harness for the end-to-end test (outside the repository), idempotently:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/lmeval-venv   venv with lm-eval and its API-model extras
#                                                  (aiohttp, requests, tenacity), no torch
#
# Tests/EndToEndTests/LMEvalHarnessTests.swift runs this before `lm_eval --model local-completions`
# against `sluice serve` on the local tasks in Tests/EndToEndTests/Resources/lmeval. The harness's
# own dependencies that change its behaviour (datasets, which loads the local JSONL files) are pinned
# beside it. Prints the venv's python path as its last line.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/lmeval-venv"
LM_EVAL_VERSION="0.4.13"
DATASETS_VERSION="5.2.0"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
# Suites run in parallel: one builds the venv, the others wait for it and then find it ready.
exec 9>"$CACHE/lmeval-venv.lock"
flock 9
if ! "$VENV/bin/python" -c "
import sys, importlib.metadata as m
sys.exit(m.version('lm_eval') != '$LM_EVAL_VERSION' or m.version('datasets') != '$DATASETS_VERSION')" 2>/dev/null; then
  # A half-made or outdated venv is rebuilt from scratch, under another name and then moved.
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "lm-eval[api]==$LM_EVAL_VERSION" "datasets==$DATASETS_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
