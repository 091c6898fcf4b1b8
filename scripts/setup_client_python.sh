#!/usr/bin/env bash
# Sets up the Python test clients (outside the repository), idempotently:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/client-venv   venv with the official openai client
#
# The end-to-end test (Tests/EndToEndTests) runs this before driving `sluice serve` with
# scripts/e2e_openai.py. Prints the venv's python path as its last line.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/client-venv"
OPENAI_VERSION="3.51.0"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
if ! "$VENV/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$OPENAI_VERSION')" 2>/dev/null; then
  # A half-made venv from an interrupted run is rebuilt from scratch.
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/pip" install --quiet --disable-pip-version-check "openai==$OPENAI_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
