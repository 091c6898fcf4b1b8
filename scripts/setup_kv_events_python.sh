#!/usr/bin/env bash
# Sets up what the KV-event test needs, idempotently:
#
#   libzmq.so.5                                          the runtime ZeroMQ library sluice loads for
#                                                        --kv-events-config (Debian's libzmq5),
#                                                        apt-installed when missing and possible
#   ${SLUICE_CACHE:-~/.cache/sluice}/kv-events-venv      venv with pyzmq, msgspec and msgpack for
#                                                        scripts/kv_events_subscriber.py
#
# Prints the venv's python path as its last line. Exits 3, with the reason on stderr, when libzmq
# is missing and cannot be installed here (not root, no apt-get): the test then skips.
set -euo pipefail

CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
VENV="$CACHE/kv-events-venv"
PYZMQ_VERSION="27.3.0"
MSGSPEC_VERSION="0.22.0"
MSGPACK_VERSION="1.2.4"
PYTHON="${PYTHON:-python3}"

has_libzmq() { ldconfig -p 2>/dev/null | grep -q 'libzmq\.so\.5 '; }

mkdir -p "$CACHE"
exec 9>"$CACHE/kv-events-venv.lock"
flock 9

if ! has_libzmq; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing libzmq5 with apt-get" >&2
    # The package lists may be missing on a fresh machine; one update, then the install.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libzmq5 >&2; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libzmq5 >&2
    fi
  fi
  if ! has_libzmq; then
    echo "libzmq.so.5 is not installed and cannot be installed here (needs root and apt-get: apt-get install libzmq5)" >&2
    exit 3
  fi
fi

if ! "$VENV/bin/python" -c "
import sys, zmq, msgspec, msgpack
sys.exit(zmq.__version__ != '$PYZMQ_VERSION' or msgspec.__version__ != '$MSGSPEC_VERSION'
         or msgpack.version != tuple(int(p) for p in '$MSGPACK_VERSION'.split('.')))" 2>/dev/null; then
  rm -rf "$VENV.tmp"
  "$PYTHON" -m venv "$VENV.tmp"
  "$VENV.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pyzmq==$PYZMQ_VERSION" "msgspec==$MSGSPEC_VERSION" "msgpack==$MSGPACK_VERSION" >&2
  rm -rf "$VENV"
  mv "$VENV.tmp" "$VENV"
fi
echo "$VENV/bin/python"
