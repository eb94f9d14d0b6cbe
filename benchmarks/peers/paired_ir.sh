#!/usr/bin/env bash
# Paired, alternating runs (hapsvm, runsinglehap, hapsvm, ...) of the two IR visits with
# benchmarks/peers/paired.py: the ratio is taken pair by pair, so drifts of the machine's speed
# cancel.
#
# usage: benchmarks/peers/paired_ir.sh [RUNS]        (default 4 pairs after 1 warm-up pair;
#                                                    0: only prepare the runsinglehap inputs)
# needs: the peer venv (benchmarks/peers/setup_peerenv.sh, or run.sh); the simulated IR visit and
#        the real visit's poller are made here when run.sh has not made them. hapsvm runs from a
#        git archive of HEAD (benchmarks/run_record.py export), not from the shared checkout.
#        Writes benchmarks/results/paired_ir_real.json and
#        paired_ir_sim_ir.json (every run, medians, command, commit, machine, load), which
#        benchmarks/results_page.py renders into benchmarks/RESULTS.md
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${BENCH_WORK:-$REPO/benchmarks/work}"
WORK="$(cd "$WORK" && pwd)"
PE="${PEERENV:-$WORK/peerenv}"
RUNS="${1:-4}"
FB="$WORK/fb"
mkdir -p "$FB"
SIM="$WORK/visits/sim_ir/isim01_wfc3_ir"
REAL_DATA="$(cd "$REPO/../shared/realdata/wfc3ir_goodss_visit21" && pwd)"
REAL_POLLER="$WORK/results/real/hapsvm/ib6o21_input.out"
read -r COMMIT PKGS < <("$REPO/.venv/bin/python" "$REPO/benchmarks/run_record.py" export)
export HAPSVM_BENCH_COMMIT="$COMMIT"         # paired.py records the exported commit
# an export has no ../shared beside it: simulate from the checkout's real-data templates
export HAPSVM_REALDATA="${HAPSVM_REALDATA:-$(cd "$REPO/.." && pwd)/shared/realdata}"
HPY=(env "PYTHONPATH=$PKGS" "$REPO/.venv/bin/python")
[ -f "$SIM/isim01_input.out" ] || \
  "${HPY[@]}" "$REPO/benchmarks/peers/make_visits.py" "$WORK/visits" --only sim_ir
if [ ! -f "$REAL_POLLER" ]; then
  mkdir -p "$(dirname "$REAL_POLLER")"
  "$REPO/.venv/bin/python" -c "import sys; from pathlib import Path
sys.path.insert(0, '$REPO/benchmarks/peers'); from bench import real_poller
real_poller(Path('$REAL_POLLER'))"
fi

# runsinglehap inputs, prepared once: a pristine copy is restored before every run
prepare() {  # <visit dir name> <poller name>
  local d="$FB/$1"
  rm -rf "$d" && mkdir -p "$d/pristine"
  if [ "$1" = real ]; then
    "$PE/bin/python" "$REPO/../shared/peers/prepare_svm_inputs.py" --data-dir "$REAL_DATA" \
      --visit 21 --out-dir "$d/pristine" --poller "$d/$2" > /dev/null
  else
    cp "$SIM"/*_flt.fits "$d/pristine/"
    cp "$SIM/$2" "$d/$2"
  fi
  # the poller names the files where each run finds them: $d/inputs
  awk -F, -v OFS=, -v dir="$d/inputs" '{n = split($8, p, "/"); $8 = dir "/" p[n]; print}' \
    "$d/$2" > "$d/$2.tmp" && mv "$d/$2.tmp" "$d/$2"
  cat > "$FB/rsh_$1.sh" <<EOF
#!/bin/sh
# one runsinglehap run of $1 from pristine inputs (the copy takes < 0.1 s)
D=$d
rm -rf \$D/run \$D/inputs && cp -r \$D/pristine \$D/inputs && mkdir \$D/run && cp \$D/$2 \$D/run/ && cd \$D/run || exit 9
ASTROMETRIC_CATALOG_URL=http://127.0.0.1:$3/webservices exec $PE/bin/python $PE/bin/runsinglehap $2 > \$D/rsh.log 2>&1
EOF
}

PORT=8799                                    # the simulated visit's catalogue, served locally
prepare real ib6o21_input.out 9              # port 9: closed, no catalogue offline (as run.sh)
prepare sim_ir isim01_input.out "$PORT"
[ "$RUNS" = 0 ] && exit 0
"$PE/bin/python" "$REPO/../shared/peers/serve_local_catalog.py" "$SIM/reference_gaia.csv" \
  --port "$PORT" --log "$FB/server.log" > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 2

PAIRED=("$REPO/.venv/bin/python" "$REPO/benchmarks/peers/paired.py" --runs "$RUNS" --warmup 1)
"${PAIRED[@]}" --name real --b "sh $FB/rsh_real.sh" \
  --a "env PYTHONPATH=$PKGS $REPO/.venv/bin/svm input=$REAL_POLLER read_visit.roots=[$REAL_DATA] \
output_dir=$FB/real_hapsvm resume=false quiet=true"
"${PAIRED[@]}" --name sim_ir --b "sh $FB/rsh_sim_ir.sh" \
  --a "env PYTHONPATH=$PKGS $REPO/.venv/bin/svm input=$SIM/isim01_input.out \
align_to_catalog.catalog_file=$SIM/reference_gaia.ecsv output_dir=$FB/sim_ir_hapsvm \
resume=false quiet=true"
