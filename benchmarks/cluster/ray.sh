#!/usr/bin/env bash
# A two-node Ray cluster on this host for hapsvm's cluster tests: up | down | status.
#
#   benchmarks/cluster/ray.sh up       a head node (127.0.0.1:$HAPSVM_RAY_PORT, default 6380)
#                                      and a worker node joining it, 1 CPU each
#   benchmarks/cluster/ray.sh down     stop both nodes (only the processes `up` started)
#   benchmarks/cluster/ray.sh status   `ray status` of the cluster
#
# Ray comes from the project's `ray` extra (pip install -e '.[ray]'); $VENV (default .venv of
# the checkout) names the virtualenv whose `ray` is used. Each node runs `ray start --block` in
# its own process group; `down` sends it SIGTERM, on which it stops its node's processes, then
# SIGKILL to whatever is left in that group, so other Ray clusters on the host are left alone
# (unlike `ray stop`). The workers inherit this
# shell's environment (e.g. ASTROMETRIC_CATALOG_URL). State and logs: $HAPSVM_RAY_STATE
# (default /var/tmp/hapsvm-ray).
#
# Join it from hapsvm with:
#   svm -m hydra/launcher=ray +hydra.launcher.ray.init.address=127.0.0.1:6380 \
#       +hydra.launcher.ray.init.object_store_memory=null +hydra.launcher.ray.remote.num_cpus=1 ...
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
RAY="$VENV/bin/ray"
STATE="${HAPSVM_RAY_STATE:-/var/tmp/hapsvm-ray}"
PORT="${HAPSVM_RAY_PORT:-6380}"
DASHBOARD_PORT="${HAPSVM_RAY_DASHBOARD_PORT:-8266}"   # state API: ray list tasks --address 127.0.0.1:8266
NODES=(head worker)

say() { echo "ray.sh: $*"; }
die() { echo "ray.sh: $*" >&2; exit 1; }

group_alive() { ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'; }   # zombies do not count
alive() { [ -s "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

start_node() {  # start_node <name> <ray start arguments...>
  local name="$1"; shift
  alive "$name" && { say "$name already running ($(cat "$STATE/$name.pid"))"; return; }
  setsid "$RAY" start --block --node-ip-address=127.0.0.1 --num-cpus=1 --num-gpus=0 \
    --object-store-memory=$((256 * 1024 * 1024)) --disable-usage-stats "$@" \
    </dev/null >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

n_nodes() {
  "$VENV/bin/python" - "$PORT" <<'EOF' 2>/dev/null
import sys, ray
ray.init(address=f"127.0.0.1:{sys.argv[1]}", logging_level="ERROR", log_to_driver=False)
print(sum(1 for n in ray.nodes() if n["Alive"]))
EOF
}

up() {
  [ -x "$RAY" ] || die "$RAY not found: pip install -e '.[ray]' into $VENV first"
  mkdir -p "$STATE"
  start_node head --head --port="$PORT" --temp-dir="$STATE/tmp" \
    --include-dashboard=true --dashboard-host=127.0.0.1 --dashboard-port="$DASHBOARD_PORT"
  for _ in $(seq 120); do "$RAY" status --address="127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.5; done
  "$RAY" status --address="127.0.0.1:$PORT" >/dev/null 2>&1 || die "head did not start (see $STATE/head.log)"
  start_node worker --address="127.0.0.1:$PORT"
  for _ in $(seq 60); do [ "$(n_nodes)" = 2 ] && break; sleep 1; done
  [ "$(n_nodes)" = 2 ] || die "the worker did not join (see $STATE/worker.log)"
  say "up: 2 nodes at 127.0.0.1:$PORT (head $(cat "$STATE/head.pid"), worker $(cat "$STATE/worker.pid"))"
}

down() {
  local name pid
  for name in worker head; do
    alive "$name" || continue
    pid="$(cat "$STATE/$name.pid")"
    kill -TERM "$pid" 2>/dev/null || true   # `ray start --block` stops its node's processes
    for _ in $(seq 60); do group_alive "$pid" || break; sleep 0.5; done
    if group_alive "$pid"; then say "$name: SIGKILL to what remains"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
    rm -f "$STATE/$name.pid"
    say "stopped $name ($pid)"
  done
}

status() {
  local name
  for name in "${NODES[@]}"; do
    if alive "$name"; then echo "$name: running ($(cat "$STATE/$name.pid"))"; else echo "$name: stopped"; fi
  done
  alive head && "$RAY" status --address="127.0.0.1:$PORT" || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
