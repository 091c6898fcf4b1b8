#!/usr/bin/env bash
# Sets up the Python test clients (outside the repository), idempotently:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/client-venv   venv with the official openai and anthropic clients
#
# The end-to-end tests (Tests/EndToEndTests) run this before driving `sluice serve` with
# scripts/e2e_openai.py and scripts/e2e_anthropic.py. Prints the venv's python path as its last line.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/client-venv"
OPENAI_VERSION="3.51.0"
ANTHROPIC_VERSION="2.10.0"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
# The end-to-end suites run in parallel and each calls this: one builds the venv, the others wait
# for it (and then find it ready) instead of racing on the same directory.
exec 9>"$CACHE/client-venv.lock"
flock 9
if ! "$VENV/bin/python" -c "
import sys, openai, anthropic
sys.exit(openai.__version__ != '$OPENAI_VERSION' or anthropic.__version__ != '$ANTHROPIC_VERSION')" 2>/dev/null; then
  # A half-made or outdated venv is rebuilt from scratch. pip runs as `python -m pip`: the venv
  # is built under another name and moved, which breaks the paths in its scripts.
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "openai==$OPENAI_VERSION" "anthropic==$ANTHROPIC_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
