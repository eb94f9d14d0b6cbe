#!/usr/bin/env bash
# hapsvm on real SLURM and Ray clusters on this host, end to end; writes
# benchmarks/results/cluster.md (or $CLUSTER_RESULTS). `make test-cluster` runs it.
#
#  1. simulate 4 small visits (WFC3/IR x2, WFC3/UVIS, ACS/WFC; 2 exposures of 256 px) and run
#     each locally (`svm input=<visit>`): the reference products
#  2. SLURM from nothing (slurm.sh purge + up), the 4 visits as one submitit multirun
#     (one batch job per visit, 1 GB each); products compared with the local ones
#  3. memory classes: run_with_retry.py with classes 128M,256M,512M,1G, the ACS visit started
#     in 128M (too small: its job step ends OUT_OF_MEMORY), resubmitted one class up until it
#     fits; every visit's final products compared
#  4. SLURM down (no daemon left); a two-node Ray cluster (ray.sh up), the 4 visits with
#     hydra/launcher=ray; products compared; Ray down
#
# Needs root (apt-get, daemons) and the project installed with the slurm and ray extras in
# $VENV (default .venv: `pip install -e '.[test,ray]'`). Work files go to
# $BENCH_WORK/cluster (default benchmarks/work/cluster). Exit code 0 when every stage passed.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/benchmarks/cluster"
export VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
SVM=("$VENV/bin/svm")
WORK="${BENCH_WORK:-$ROOT/benchmarks/work}/cluster"
RESULTS="${CLUSTER_RESULTS:-$ROOT/benchmarks/results/cluster.md}"
PARTITION="${HAPSVM_SLURM_PARTITION:-debug}"
export HAPSVM_SLURM_PARTITION="$PARTITION"
RAY_PORT="${HAPSVM_RAY_PORT:-6380}"
export HAPSVM_RAY_DASHBOARD_PORT="${HAPSVM_RAY_DASHBOARD_PORT:-8266}"
export ASTROMETRIC_CATALOG_URL="http://127.0.0.1:9/webservices"   # closed port: no network
CATALOG='align_to_catalog.catalog_file="${svm_input_dir:${input}}/reference_gaia.ecsv"'
COMMON=(processes_per_visit=1 quiet=true resume=false "$CATALOG")

rm -rf "$WORK" && mkdir -p "$WORK/logs"
STAGES="$WORK/stages.tsv"
printf 'stage\tstatus\tseconds\tcommand\n' >"$STAGES"
FAILED=0

stage() {  # stage <name> <command...>: run, time, log to logs/<name>.log, record the outcome
  local name="$1"; shift
  local t0 t1 rc
  echo "== $name"
  echo "# $name: $*" >>"$WORK/commands.txt"
  t0=$(date +%s%N)
  "$@" >"$WORK/logs/$name.log" 2>&1; rc=$?
  t1=$(date +%s%N)
  printf '%s\t%s\t%d.%d\t%s\n' "$name" "$([ $rc = 0 ] && echo ok || echo "failed ($rc)")" \
    $(( (t1 - t0) / 1000000000 )) $(( (t1 - t0) / 100000000 % 10 )) "$*" >>"$STAGES"
  [ $rc = 0 ] || { FAILED=1; echo "   failed ($rc): see $WORK/logs/$name.log"; tail -5 "$WORK/logs/$name.log"; }
  return $rc
}

quoted() {  # the arguments as one shell line, single-quoting those that need it
  local a out=()
  for a in "$@"; do
    if [[ "$a" =~ ^[][A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}

record() {  # record <command...>: note the command (commands.txt, for the report), then run it
  quoted "$@" >>"$WORK/commands.txt"
  "$@"
}

teardown() {
  "$HERE/ray.sh" down >>"$WORK/logs/teardown.log" 2>&1 || true
  "$HERE/slurm.sh" down >>"$WORK/logs/teardown.log" 2>&1 || true
}
trap teardown EXIT

simulate() {
  "$PY" - "$WORK/visits" <<'EOF'
import sys
from pathlib import Path
from hapsvm.simulate import simulate_visit
for k, det in enumerate(["wfc3_ir", "wfc3_uvis", "acs_wfc", "wfc3_ir"]):
    v = simulate_visit(Path(sys.argv[1]), detector=det, n_exposures=2, size=256, seed=11 + k,
                       obset_id=f"{k + 1:02d}", overwrite=True)
    print(v.poller_path.parent)
EOF
}

local_runs() {
  local v
  for v in "$WORK"/visits/*/; do
    v="${v%/}"
    record "${SVM[@]}" input="$v" output_dir="$WORK/local/$(basename "$v")" "${COMMON[@]}" || return 1
  done
}

slurm_multirun() {
  record "${SVM[@]}" -m hydra/launcher=submitit_slurm hydra.launcher.partition="$PARTITION" \
    hydra.launcher.mem_gb=1 hydra.launcher.cpus_per_task=1 hydra.launcher.timeout_min=20 \
    input=visits:"$WORK/visits" hydra.sweep.dir="$WORK/slurm_sweep" "${COMMON[@]}"
}

retry_run() {
  printf 'visit\tclass\njsim03_acs_wfc\t128M\n' >"$WORK/visit_classes.tsv"   # too small on purpose
  record "$PY" "$HERE/run_with_retry.py" --visits visits:"$WORK/visits" --sweep-dir "$WORK/retry" \
    --classes 128M,256M,512M,1G --default-class 512M --visit-classes "$WORK/visit_classes.tsv" \
    -- hydra.launcher.partition="$PARTITION" hydra.launcher.cpus_per_task=1 \
    hydra.launcher.timeout_min=20 "${COMMON[@]}"
}

retry_check() {  # a job ended OUT_OF_MEMORY, and every visit's last job succeeded
  local summary="$WORK/retry/multirun_summary.tsv"
  grep -q 'OUT_OF_MEMORY at 128M' "$summary" || { echo "no OUT_OF_MEMORY retry in $summary"; return 1; }
  awk -F'\t' 'NR > 1 {last[$1] = $9} END {for (v in last) if (last[v] != 0) {print v " exit " last[v]; bad = 1}; exit bad}' "$summary"
}

retry_compare() {  # each visit's last job against its local run
  local rc=0 visit job
  while IFS=$'\t' read -r visit job; do
    "$PY" "$HERE/compare_runs.py" "$WORK/local/$visit" "$job" --json "$WORK/compare_retry_$visit.json" || rc=1
  done < <(awk -F'\t' 'NR > 1 {last[$1] = $11} END {for (v in last) print v "\t" last[v]}' \
             "$WORK/retry/multirun_summary.tsv" | sort)
  return $rc
}

sacct_lines() {
  sacct -a -S "$SLURM_T0" --format=JobID%10,JobName%6,Partition%9,State%14,ExitCode,ReqMem%7,MaxRSS%10,Elapsed \
    | grep -v '\.extern' >"$WORK/sacct.txt"
}

no_daemons() {
  local left="" d
  for d in slurmctld slurmd slurmstepd slurmdbd munged mariadbd; do
    left+="$(pgrep -a -x "$d" || true)"
  done
  echo "${left:-no SLURM, munge or MariaDB daemon running}"
  [ -z "$left" ]
}

ray_multirun() {
  record "${SVM[@]}" -m hydra/launcher=ray hydra.launcher.ray.init.address="127.0.0.1:$RAY_PORT" \
    +hydra.launcher.ray.init.object_store_memory=null +hydra.launcher.ray.remote.num_cpus=1 \
    input=visits:"$WORK/visits" hydra.sweep.dir="$WORK/ray_sweep" "${COMMON[@]}"
}

ray_nodes() {  # on which Ray node each hapsvm task ran (Ray's state API)
  "$PY" - "$HAPSVM_RAY_DASHBOARD_PORT" >"$WORK/ray_tasks.tsv" <<'EOF'
import sys
from ray.util.state import list_nodes, list_tasks
address = f"http://127.0.0.1:{sys.argv[1]}"   # the dashboard serves the state API
nodes = {n.node_id: ("head" if n.is_head_node else "worker") for n in list_nodes(address=address)}
print("task\tstate\tnode\tnode_id")
for t in list_tasks(address=address, detail=True, limit=1000):
    if t.type == "NORMAL_TASK":
        print(f"{t.name}\t{t.state}\t{nodes.get(t.node_id, '?')}\t{t.node_id[:12]}")
EOF
}

START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
DIRTY="$(git -C "$ROOT" status --short 2>/dev/null | awk '{print $NF}' | paste -sd, -)"
stage simulate simulate
stage local_runs local_runs
stage slurm_purge "$HERE/slurm.sh" purge
stage slurm_up "$HERE/slurm.sh" up
SLURM_T0=$(date +%Y-%m-%dT%H:%M:%S)
stage slurm_multirun slurm_multirun
stage slurm_compare "$PY" "$HERE/compare_runs.py" --by-visit "$WORK/local" "$WORK/slurm_sweep" --json "$WORK/compare_slurm.json"
stage oom_retry retry_run
stage oom_retry_check retry_check
stage oom_retry_compare retry_compare
sleep 2; sacct_lines
stage slurm_down "$HERE/slurm.sh" down
stage slurm_no_daemons no_daemons
stage ray_up "$HERE/ray.sh" up
stage ray_multirun ray_multirun
stage ray_compare "$PY" "$HERE/compare_runs.py" --by-visit "$WORK/local" "$WORK/ray_sweep" --json "$WORK/compare_ray.json"
stage ray_placement ray_nodes
stage ray_down "$HERE/ray.sh" down
END=$(date -u +%Y-%m-%dT%H:%M:%SZ)

"$PY" "$HERE/report.py" --work "$WORK" --out "$RESULTS" --start "$START" --end "$END" \
  --command "${CLUSTER_COMMAND:-benchmarks/cluster/run_all.sh}" --commit "$COMMIT" \
  --dirty "$DIRTY" || FAILED=1
echo "results: $RESULTS"
# one closing line in the plain form CI reads: stages passed and failed
awk -F'\t' 'NR > 1 {if ($2 == "ok") p++; else f++} END {printf "cluster: %d passed, %d failed\n", p, f}' "$STAGES"
exit $FAILED
