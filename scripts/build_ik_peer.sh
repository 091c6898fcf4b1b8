#!/usr/bin/env bash
# Builds the ik_llama.cpp peer's C++ tools (llama-bench, llama-batched-bench, llama-server) from the
# ik_llama.cpp vendored in the ik-llama-cpp-python 0.1.5 sdist, the second peer next to the
# llama.cpp one of scripts/build_peer.sh. Everything lives outside the repository:
#
#   ${SLUICE_CACHE:-~/.cache/sluice}/ik-peer/src/ik_llama_cpp_python-0.1.5/   unpacked sdist
#   ${SLUICE_CACHE:-~/.cache/sluice}/ik-peer/build/bin/llama-*               the binaries
#   ${SLUICE_CACHE:-~/.cache/sluice}/ik-peer/bin -> build/bin                stable path for scripts
#
# Usage:  scripts/build_ik_peer.sh [--force]     (~15-20 min on 2 cores; idempotent: skips when built)
#         JOBS=4 scripts/build_ik_peer.sh         (parallel compile jobs; default 2)
#
# Then, e.g. (-rtr 1 repacks the weights at load, ik_llama.cpp's fast CPU path):
#   ~/.cache/sluice/ik-peer/bin/llama-bench -m ~/.cache/sluice/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
#       -t 2 -p 512 -n 128 -r 3 -rtr 1
#
# Needs: a C++17 compiler and python3. cmake and ninja come from the peer venv
# ${SLUICE_CACHE:-~/.cache/sluice}/peer-venv shared with scripts/build_peer.sh (created if missing).
#
# Two differences from build_peer.sh, both forced by the ik_llama.cpp tree:
#   * its tools live under examples/ (not tools/), so LLAMA_BUILD_EXAMPLES must be ON for the targets
#     to exist at all; only the targets named below are compiled, the rest are just configured.
#   * the sdist leaves out common/cmake/build-info-gen-cpp.cmake, the script that the build runs to
#     turn common/build-info.cpp.in into common/build-info.cpp; this script writes its own (step 3).
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/peer-venv"
PEER="$CACHE/ik-peer"
VERSION="0.1.5"
SRC="$PEER/src/ik_llama_cpp_python-$VERSION"
IK="$SRC/vendor/ik_llama.cpp"
BUILD="$PEER/build"
JOBS="${JOBS:-2}"
PYTHON="${PYTHON:-python3}"
WANTED=(llama-bench llama-batched-bench llama-server)
# written after a successful build: the targets that existed in the tree and were built
STAMP="$BUILD/sluice-built-targets"

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

# Built = the stamp lists the targets of the last build and each of them is an executable.
built() {
  local t
  [[ -s "$STAMP" ]] || return 1
  while read -r t; do [[ -x "$BUILD/bin/$t" ]] || return 1; done < "$STAMP"
}

if [[ $FORCE == 0 ]] && built; then
  echo "ik peer already built: $BUILD/bin ($(paste -sd' ' "$STAMP")); use --force to rebuild"
  exit 0
fi

mkdir -p "$PEER/src"

# 1. build tools from pip, into the peer venv that build_peer.sh also uses (not the system).
#    scikit-build-core is the sdist's build backend: with --no-build-isolation pip needs it in the
#    venv to read the sdist's metadata during the download.
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet cmake ninja scikit-build-core
export PATH="$VENV/bin:$PATH"

# 2. the sdist: download it (source only, no dependencies) and unpack it next to the tarball
if [[ ! -f "$IK/CMakeLists.txt" ]]; then
  "$VENV/bin/pip" download --no-deps --no-binary :all: --no-build-isolation \
      -d "$PEER/src" "ik-llama-cpp-python==$VERSION"
  tar -xzf "$PEER/src/ik_llama_cpp_python-$VERSION.tar.gz" -C "$PEER/src"
fi

# 3. the missing build-info generator. common/CMakeLists.txt runs it in script mode (cmake -P) from
#    the ik_llama.cpp root, passing CMAKE_C_COMPILER, to fill the four @VAR@s of
#    common/build-info.cpp.in. The sdist has no .git, so instead of asking git for the commit this
#    one records the sdist it came from; the compiler line and target triple are asked of the compiler
#    like upstream's generator does. Rewritten on every run so it always matches this script.
mkdir -p "$IK/common/cmake"
{
  echo "# Written by Sluice's scripts/build_ik_peer.sh: stands in for the build-info generator that"
  echo "# the ik-llama-cpp-python $VERSION sdist leaves out. Run as: cmake -P (cwd = ik_llama.cpp root)."
  echo "set(BUILD_NUMBER 0)"
  echo "set(BUILD_COMMIT \"ik-llama-cpp-python-$VERSION\")"
  cat <<'CMAKE'
set(BUILD_COMPILER "unknown")
set(BUILD_TARGET "unknown")
if(CMAKE_C_COMPILER)
  execute_process(COMMAND "${CMAKE_C_COMPILER}" --version
                  OUTPUT_VARIABLE OUT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(REGEX REPLACE "\n.*" "" OUT "${OUT}")   # first line only
  if(OUT)
    set(BUILD_COMPILER "${OUT}")
  endif()
  execute_process(COMMAND "${CMAKE_C_COMPILER}" -dumpmachine
                  OUTPUT_VARIABLE OUT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(OUT)
    set(BUILD_TARGET "${OUT}")
  endif()
endif()
# configure_file leaves the output untouched when its contents would not change
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/common/build-info.cpp.in"
               "${CMAKE_CURRENT_SOURCE_DIR}/common/build-info.cpp" @ONLY)
CMAKE
} > "$IK/common/cmake/build-info-gen-cpp.cmake"

# 4. configure: build_peer.sh's flags (those that ik_llama.cpp lacks, like LLAMA_OPENSSL and the UI
#    ones, are ignored by it), plus LLAMA_BUILD_EXAMPLES=ON (see above) and
#    GGML_IQK_FA_ALL_QUANTS=OFF (flash attention kernels for the common KV types only: much less to
#    compile). --no-warn-unused-cli keeps the ignored flags quiet.
cmake -S "$IK" -B "$BUILD" -G Ninja --no-warn-unused-cli \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=ON \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DGGML_IQK_FA_ALL_QUANTS=OFF

# 5. keep the wanted targets this tree defines (ninja lists every target as "name: rule")
ALL_TARGETS="$(ninja -C "$BUILD" -t targets all)"
TARGETS=()
for t in "${WANTED[@]}"; do
  if grep -q "^$t: " <<< "$ALL_TARGETS"; then
    TARGETS+=("$t")
  else
    echo "note: no target $t in this ik_llama.cpp tree; skipped"
  fi
done
[[ ${#TARGETS[@]} -gt 0 ]] || { echo "none of ${WANTED[*]} exist in $IK" >&2; exit 1; }

# 6. build just those
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"

# 7. record what was built, point the stable path at the binaries, and say where they are
printf '%s\n' "${TARGETS[@]}" > "$STAMP"
ln -sfn "$BUILD/bin" "$PEER/bin"
built
echo "ik peer built: $PEER/bin"
for t in "${TARGETS[@]}"; do echo "  $PEER/bin/$t"; done
# ik's llama-bench has no --version (it prints its build at the end of a run); the server has one
if [[ -x "$PEER/bin/llama-server" ]]; then "$PEER/bin/llama-server" --version 2>&1 | tail -n 2 || true; fi
