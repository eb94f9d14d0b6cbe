#!/usr/bin/env bash
# Create the peer virtualenv (drizzlepac runsinglehap) and install SWarp, once.
#   PEERENV (default $BENCH_WORK/peerenv, BENCH_WORK default benchmarks/work): python3 -m venv + pip install drizzlepac 'photutils<3'
#   (drizzlepac 3.11 crashes in catalogue generation with photutils 3); about 90 s.
#   SWarp: Debian package `swarp` (apt-get; needs root), binary /usr/bin/SWarp.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
PEERENV="${PEERENV:-${BENCH_WORK:-$REPO/benchmarks/work}/peerenv}"
if [ ! -x "$PEERENV/bin/runsinglehap" ]; then
  echo "creating $PEERENV (drizzlepac, photutils<3) ..."
  python3 -m venv "$PEERENV"
  "$PEERENV/bin/pip" install -q drizzlepac 'photutils<3'
  "$PEERENV/bin/pip" freeze > "$PEERENV/freeze.txt"
fi
if ! command -v SWarp >/dev/null 2>&1; then
  echo "installing SWarp (Debian package swarp) ..."
  apt-get update -qq && apt-get install -y -qq swarp
fi
"$PEERENV/bin/python" -c "import drizzlepac, photutils; print('drizzlepac', drizzlepac.__version__, 'photutils', photutils.__version__)"
SWarp -v 2>&1 | head -1
