#!/usr/bin/env bash
# One command: hapsvm vs runsinglehap (end to end) and vs SWarp (resampling), same visits, then
# the report in benchmarks/results/peers.md.
#
# usage: benchmarks/peers/run.sh [--visits real,sim_ir,sim_uvis,sim_acs]
#                                [--pipelines runsinglehap,hapsvm,resample] [--repeat N] [--timeout S]
#        benchmarks/peers/run.sh report        # only re-render peers.md from the saved results
# env: BENCH_WORK (default benchmarks/work), PEERENV (default $BENCH_WORK/peerenv)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
[ -x .venv/bin/svm ] || make -s install
if [ "${1:-}" = "report" ]; then
  exec .venv/bin/python benchmarks/peers/bench.py report
fi
bash benchmarks/peers/setup_peerenv.sh
.venv/bin/python benchmarks/peers/make_visits.py "${BENCH_WORK:-benchmarks/work}/visits"
.venv/bin/python benchmarks/peers/bench.py run "$@"
.venv/bin/python benchmarks/peers/bench.py report
