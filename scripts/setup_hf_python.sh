#!/usr/bin/env bash
# Sets up the Python side of the Hugging Face fixtures (outside the repository), idempotently:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/hf-venv   venv with Hugging Face's tokenizers and safetensors, numpy,
#                                              and gguf (to read the nomic-embed GGUF's vocabulary)
#
# Then:   ~/.cache/sluice/hf-venv/bin/python scripts/make_safetensors_fixtures.py
#         ~/.cache/sluice/hf-venv/bin/python scripts/make_wordpiece_fixtures.py
# Prints the venv's python path as its last line.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/hf-venv"
TOKENIZERS_VERSION="0.23.3"
SAFETENSORS_VERSION="0.8.0"
NUMPY_VERSION="2.4.6"
GGUF_VERSION="0.19.0"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE"
exec 9>"$CACHE/hf-venv.lock"
flock 9
if ! "$VENV/bin/python" -c "
import sys, tokenizers, safetensors, numpy, importlib.metadata as m
sys.exit(tokenizers.__version__ != '$TOKENIZERS_VERSION' or safetensors.__version__ != '$SAFETENSORS_VERSION'
         or numpy.__version__ != '$NUMPY_VERSION' or m.version('gguf') != '$GGUF_VERSION')" 2>/dev/null; then
  # A half-made or outdated venv is rebuilt from scratch, under another name and then moved.
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "tokenizers==$TOKENIZERS_VERSION" "safetensors==$SAFETENSORS_VERSION" "numpy==$NUMPY_VERSION" "gguf==$GGUF_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
