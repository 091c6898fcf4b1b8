#!/usr/bin/env bash
# Builds the llama.cpp peer's C++ tools (llama-bench, llama-batched-bench, llama-server, llama-cli)
# from the llama.cpp vendored in the llama-cpp-python 0.3.36 sdist. Everything lives outside the
# repository:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/peer/src/llama_cpp_python-0.3.36/   unpacked sdist
#   ${SLUICE_CACHE:-~/.cache/sluice}/peer/build/bin/llama-*             the binaries
#   ${SLUICE_CACHE:-~/.cache/sluice}/peer/bin -> build/bin              stable path for scripts
#
# Usage:  scripts/build_peer.sh [--force]       (~10 min on 2 cores; idempotent: skips when built)
#         JOBS=4 scripts/build_peer.sh           (parallel compile jobs; default 2)
#
# Then, e.g.:
#   ~/.cache/sluice/peer/bin/llama-bench -m ~/.cache/sluice/models/SmolLM2-135M-Instruct.Q4_1.gguf \
#       -t 2 -p 512 -n 128 -r 3
#
# Needs: a C++17 compiler and python3 (cmake, ninja and scikit-build-core come from pip, installed
# into the peer venv ${SLUICE_CACHE:-~/.cache/sluice}/peer-venv, created if missing).
# The model comes from scripts/setup_peer_python.sh.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/peer-venv"
PEER="$CACHE/peer"
VERSION="0.3.36"
SRC="$PEER/src/llama_cpp_python-$VERSION"
BUILD="$PEER/build"
JOBS="${JOBS:-2}"
PYTHON="${PYTHON:-python3}"
TARGETS=(llama-bench llama-batched-bench llama-server llama-cli)

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

built() {
  local t
  for t in "${TARGETS[@]}"; do [[ -x "$BUILD/bin/$t" ]] || return 1; done
}

if [[ $FORCE == 0 ]] && built; then
  echo "peer already built: $BUILD/bin (${TARGETS[*]}); use --force to rebuild"
  exit 0
fi

mkdir -p "$PEER/src"

# 1. build tools from pip (into the peer venv, not the system)
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet cmake ninja scikit-build-core
export PATH="$VENV/bin:$PATH"

# 2. the sdist
if [[ ! -f "$SRC/vendor/llama.cpp/CMakeLists.txt" ]]; then
  "$VENV/bin/pip" download --no-deps --no-binary :all: --no-build-isolation \
      -d "$PEER/src" "llama-cpp-python==$VERSION"
  tar -xzf "$PEER/src/llama_cpp_python-$VERSION.tar.gz" -C "$PEER/src"
fi

# 3. configure + build
LLAMA="$SRC/vendor/llama.cpp"
cmake -S "$LLAMA" -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_UI=OFF
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"

ln -sfn "$BUILD/bin" "$PEER/bin"
built
echo "peer built: $PEER/bin"
for t in "${TARGETS[@]}"; do echo "  $PEER/bin/$t"; done
"$PEER/bin/llama-bench" --version 2>&1 | tail -n 2 || true
