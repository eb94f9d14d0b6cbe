#!/usr/bin/env bash
# A one-host SLURM cluster for hapsvm's cluster tests: up | down | status.
#
#   benchmarks/cluster/slurm.sh up       install what is missing (Debian: slurm-wlm, slurmdbd,
#                                        munge, mariadb-server), write /etc/slurm/*.conf from
#                                        benchmarks/cluster/slurm/*.conf.in, start munged,
#                                        mariadbd, slurmdbd, slurmctld, slurmd (no systemd)
#   benchmarks/cluster/slurm.sh down     stop every daemon `up` started (none left running)
#   benchmarks/cluster/slurm.sh status   daemons, sinfo, the last jobs in sacct
#   benchmarks/cluster/slurm.sh purge    down, then remove the state directory (database, job
#                                        history) and the /etc/slurm files this script wrote
#
# One controller and one compute node (this host's name, NodeAddr 127.0.0.1), partition
# $HAPSVM_SLURM_PARTITION (default debug), accounting in a private MariaDB (TCP 127.0.0.1:3307,
# its own data directory), memory enforced by cgroup v1 so a job over its --mem ends
# OUT_OF_MEMORY. State, logs and pid files live in $HAPSVM_SLURM_STATE (default
# /var/lib/hapsvm-slurm). Needs root. Refuses to overwrite an /etc/slurm/slurm.conf or
# /etc/munge/munge.key it did not write, and to start while a slurmctld it did not start runs.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
STATE="${HAPSVM_SLURM_STATE:-/var/lib/hapsvm-slurm}"
PARTITION="${HAPSVM_SLURM_PARTITION:-debug}"
ETC=/etc/slurm
MARK="# written by hapsvm benchmarks/cluster/slurm.sh"
DB_PORT=3307 DBD_PORT=6819 CTLD_PORT=6817 SLURMD_PORT=6818
DB_NAME=slurm_acct_db DB_USER=slurm
PACKAGES=(slurm-wlm slurmdbd munge mariadb-server mariadb-client)
DAEMONS=(slurmd slurmctld slurmdbd mariadbd munged)   # stop order

say() { echo "slurm.sh: $*"; }
die() { echo "slurm.sh: $*" >&2; exit 1; }

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then   # keep the packages' scripts from starting services
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$STATE/log/apt.log" 2>&1 || { [ $made_policy = 1 ] && rm -f "$policy"; cat "$STATE/log/apt.log" >&2; die "apt-get install failed"; }
  [ $made_policy = 1 ] && rm -f "$policy"
  return 0
}

pidfile() { echo "$STATE/run/$1.pid"; }   # run/ is 1777: each daemon writes its own
running() {  # running <daemon>: its pid file names a live process of that name
  local f pid; f="$(pidfile "$1")"
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  [ -d "/proc/$pid" ] && grep -q "$1" "/proc/$pid/comm" 2>/dev/null
}
wait_for() {  # wait_for <seconds> <what> <command...>
  local n="$1" what="$2"; shift 2
  for _ in $(seq "$((n * 4))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  die "$what did not come up within ${n}s (logs in $STATE/log)"
}

render() {  # render <template> <target> <mode> <owner>
  local tmp; tmp="$(mktemp)"
  { echo "$MARK"; sed -e "s|@HOST@|$HOST|g" -e "s|@STATE@|$STATE|g" -e "s|@PARTITION@|$PARTITION|g" \
      -e "s|@DBD_PORT@|$DBD_PORT|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" -e "s|@SLURMD_PORT@|$SLURMD_PORT|g" \
      -e "s|@CPUS@|$CPUS|g" -e "s|@BOARDS@|$BOARDS|g" -e "s|@SOCKETS@|$SOCKETS|g" \
      -e "s|@CORES@|$CORES|g" -e "s|@THREADS@|$THREADS|g" -e "s|@REAL_MEMORY_MB@|$REAL_MEMORY_MB|g" \
      -e "s|@DB_PORT@|$DB_PORT|g" -e "s|@DB_NAME@|$DB_NAME|g" -e "s|@DB_USER@|$DB_USER|g" -e "s|@DB_PASS@|$DB_PASS|g" "$1"; } >"$tmp"
  install -m "$3" -o "$4" -g "$4" "$tmp" "$2"
  rm -f "$tmp"
}

write_config() {
  if [ -e "$ETC/slurm.conf" ] && ! head -1 "$ETC/slurm.conf" | grep -qF "$MARK"; then
    die "$ETC/slurm.conf exists and was not written by this script: not overwriting it"
  fi
  HOST="$(hostname -s)"
  # slurmd -C prints this host's CPUs, boards, sockets, cores, threads and RealMemory
  local hw; hw="$(slurmd -C | head -1)"
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $hw"; }
  CPUS="$(field CPUs)" BOARDS="$(field Boards)" SOCKETS="$(field SocketsPerBoard)"
  CORES="$(field CoresPerSocket)" THREADS="$(field ThreadsPerCore)"
  REAL_MEMORY_MB="$(( $(field RealMemory) - 1024 ))"   # leave 1 GiB to the daemons and the OS
  DB_PASS="$(cat "$STATE/db_password")"
  mkdir -p "$ETC"
  render "$HERE/slurm/slurm.conf.in" "$ETC/slurm.conf" 644 root
  render "$HERE/slurm/cgroup.conf.in" "$ETC/cgroup.conf" 644 root
  render "$HERE/slurm/slurmdbd.conf.in" "$ETC/slurmdbd.conf" 600 slurm
}

prepare_dirs() {
  mkdir -p "$STATE"/{log,run,slurmctld,slurmd,mysql}
  mkdir -p "$STATE/log/mariadb"
  chown slurm:slurm "$STATE/log" "$STATE/slurmctld"
  chmod 1777 "$STATE/run"
  chown mysql:mysql "$STATE/mysql" "$STATE/log/mariadb"
  [ -s "$STATE/db_password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STATE/db_password")
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
}

munge_key() {
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    say "creating $key"
    mkdir -p /etc/munge
    (umask 077; dd if=/dev/urandom of="$key" bs=1 count=1024 status=none)
  fi
  chown munge:munge "$key"; chmod 400 "$key"
}

start_munge() {
  running munged && return
  runuser -u munge -- /usr/sbin/munged --pid-file="$STATE/run/munged.pid" 2>>"$STATE/log/munged.log" \
    || die "munged did not start (see $STATE/log/munged.log)"
  wait_for 10 munged munge -n
}

start_mariadb() {
  running mariadbd && return
  if [ ! -d "$STATE/mysql/mysql" ]; then
    say "initialising the accounting database in $STATE/mysql"
    mariadb-install-db --user=mysql --datadir="$STATE/mysql" --auth-root-authentication-method=socket \
      --skip-test-db >"$STATE/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $STATE/log/mariadb-install.log)"
  fi
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" \
    --socket="$STATE/run/mysqld.sock" --pid-file="$STATE/run/mariadbd.pid" --port="$DB_PORT" \
    --bind-address=127.0.0.1 --log-error="$STATE/log/mariadb/error.log" </dev/null >/dev/null 2>&1 &
  wait_for 30 mariadbd sql "SELECT 1"
  local pass; pass="$(cat "$STATE/db_password")"
  sql "CREATE DATABASE IF NOT EXISTS $DB_NAME;
       CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$pass';
       CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$pass';
       GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
       GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
       FLUSH PRIVILEGES;"
}
sql() { mariadb --no-defaults --socket="$STATE/run/mysqld.sock" -u root -N -e "$1"; }

start_slurm() {
  running slurmdbd || /usr/sbin/slurmdbd
  wait_for 30 slurmdbd bash -c "exec 3<>/dev/tcp/127.0.0.1/$DBD_PORT"
  running slurmctld || /usr/sbin/slurmctld
  wait_for 30 slurmctld scontrol ping
  running slurmd || /usr/sbin/slurmd
  wait_for 30 "node $HOST" bash -c "sinfo -h -N -o %T | grep -qE '^(idle|mixed|allocated)'"
  # the cluster registers itself in the database; wait until sacct answers
  wait_for 30 sacct sacct -n -X -S now
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root"
  mkdir -p "$STATE/log"
  install_packages
  prepare_dirs
  munge_key
  write_config
  start_munge
  start_mariadb
  start_slurm
  say "up: partition $PARTITION on node $HOST ($CPUS CPUs, ${REAL_MEMORY_MB} MB); state in $STATE"
}

down() {
  local d pid
  for d in "${DAEMONS[@]}"; do
    running "$d" || continue
    pid="$(cat "$(pidfile "$d")")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 80); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    if [ -d "/proc/$pid" ]; then say "$d ($pid) ignored SIGTERM: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped $d ($pid)"
  done
  # job steps left behind by slurmd (slurmstepd) end with their jobs; name any that remain
  pgrep -a slurmstepd && say "warning: slurmstepd processes remain" || true
}

status() {
  local d
  for d in munged mariadbd slurmdbd slurmctld slurmd; do
    if running "$d"; then echo "$d: running ($(cat "$(pidfile "$d")"))"; else echo "$d: stopped"; fi
  done
  if running slurmctld; then
    sinfo
    sacct -a -X -S now-1hour --format=JobID,JobName,Partition,State,ExitCode,ReqMem,Elapsed | tail -20
  fi
}

purge() {
  down
  local f
  for f in slurm.conf cgroup.conf slurmdbd.conf; do
    [ -e "$ETC/$f" ] && head -1 "$ETC/$f" | grep -qF "$MARK" && rm -f "$ETC/$f"
  done
  rm -rf "$STATE"
  say "purged $STATE and this script's files in $ETC"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  purge) purge ;;
  *) echo "usage: $0 up|down|status|purge" >&2; exit 2 ;;
esac
