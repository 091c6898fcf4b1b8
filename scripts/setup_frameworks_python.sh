#!/usr/bin/env bash
# Sets up the agent frameworks' Python clients (outside the repository), idempotently:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/frameworks-venv   venv with instructor and LangChain's ChatOpenAI
#
# Tests/EndToEndTests/FrameworkClientTests.swift runs this before driving `sluice serve` with
# scripts/e2e_frameworks.py. A venv of its own, apart from client-venv: instructor 1.17 wants
# jiter < 0.15 and the openai client that client-venv pins (3.51) wants jiter >= 0.16, so the two
# cannot share one. The openai client and langchain-core are pinned at what pip resolves for the
# two frameworks, so that a new release of either cannot change what the test sends.
# Prints the venv's python path as its last line.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/frameworks-venv"
INSTRUCTOR_VERSION="1.17.0"
LANGCHAIN_OPENAI_VERSION="1.7.4"
LANGCHAIN_CORE_VERSION="1.8.3"
OPENAI_VERSION="3.3.0"
PYDANTIC_VERSION="2.14.4"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
# Suites run in parallel: one builds the venv, the others wait for it and then find it ready.
exec 9>"$CACHE/frameworks-venv.lock"
flock 9
if ! "$VENV/bin/python" -c "
import sys, importlib.metadata as m
wanted = {'instructor': '$INSTRUCTOR_VERSION', 'langchain-openai': '$LANGCHAIN_OPENAI_VERSION',
          'langchain-core': '$LANGCHAIN_CORE_VERSION', 'openai': '$OPENAI_VERSION', 'pydantic': '$PYDANTIC_VERSION'}
sys.exit(any(m.version(name) != version for name, version in wanted.items()))" 2>/dev/null; then
  # A half-made or outdated venv is rebuilt from scratch, under another name and then moved; pip
  # runs as `python -m pip` because the move breaks the paths in the venv's scripts.
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "instructor==$INSTRUCTOR_VERSION" "langchain-openai==$LANGCHAIN_OPENAI_VERSION" \
    "langchain-core==$LANGCHAIN_CORE_VERSION" "openai==$OPENAI_VERSION" "pydantic==$PYDANTIC_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
