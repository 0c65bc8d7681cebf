#!/usr/bin/env bash
# Keeps one core busy until stopped: the load of bench/compare_pytorch.sh --contended.
#   bench/load.sh [--work gzip|spin] [--seconds N] [--parent PID]
#   --work gzip   (default) gzip -6 of a fixed 11 MB buffer (text and base64), over and over:
#                 ordinary work, as a build's, that also uses the caches and memory bandwidth
#   --work spin   a pure busy loop (the core only)
#   --seconds N   exits by itself after N seconds (default 600)
#   --parent PID  exits as soon as process PID is gone (checked every second)
# TERM, INT or HUP stop it with its worker and the worker's children (their own process group),
# and remove the buffer. One line on stderr when it starts, one when it stops, with the CPU the
# worker used (cores = CPU seconds / wall seconds; about 1.0 when it kept a core busy).
set -euo pipefail

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }
fail() {
  echo "load.sh: $1" >&2
  usage >&2
  exit 2
}

work=gzip
seconds=600
parent=
while (($#)); do
  case $1 in
    --work | --seconds | --parent)
      (($# >= 2)) || fail "$1 needs a value"
      case $1 in
        --work) work=$2 ;;
        --seconds) seconds=$2 ;;
        --parent) parent=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) fail "unknown argument $1" ;;
  esac
done
[[ $work == gzip || $work == spin ]] || fail "--work is gzip or spin, not $work"
[[ $seconds =~ ^[0-9]+$ ]] || fail "--seconds takes whole seconds, not $seconds"
[[ -z $parent || $parent =~ ^[0-9]+$ ]] || fail "--parent takes a process id, not $parent"

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

if [[ -n $parent ]] && ! alive "$parent"; then
  echo "load.sh: no process $parent (--parent)" >&2
  exit 1
fi

# children_ticks: the CPU of the children this shell has reaped so far (the worker and, through
# it, each gzip that finished), fields 16 and 17 (cutime, cstime) of /proc/PID/stat, in clock
# ticks. $$ is this shell's PID even inside a command substitution.
children_ticks() {
  local stat
  stat=$(<"/proc/$$/stat")
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  echo $((f[13] + f[14]))
}

buf=
worker=
sleeper=
base_ticks=0
start=$EPOCHREALTIME

# stop REASON [STATUS]: ends the worker's process group, reaps it, removes the buffer, reports, exits.
stop() {
  trap '' TERM INT HUP
  trap - EXIT
  if [[ -n $sleeper ]]; then
    kill "$sleeper" 2>/dev/null || true
    wait "$sleeper" 2>/dev/null || true
  fi
  if [[ -n $worker ]]; then
    kill -TERM -- "-$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
  if [[ -n $buf ]]; then rm -f "$buf"; fi
  local cpu
  cpu=$(($(children_ticks) - base_ticks))
  awk -v why="$1" -v t0="$start" -v t1="$EPOCHREALTIME" -v ticks="$(getconf CLK_TCK)" \
    -v cpu="$cpu" -v work="$work" 'BEGIN {
      wall = t1 - t0; c = cpu / ticks; cores = wall > 0 ? c / wall : 0
      printf "load.sh: stopped (%s) after %.1f s: the worker (%s) used %.1f CPU s, %.2f cores\n",
        why, wall, work, c, cores
    }' >&2
  exit "${2:-0}"
}
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop HUP' HUP
trap 'stop exit $?' EXIT

if [[ $work == gzip ]]; then
  buf=$(mktemp "${TMPDIR:-/tmp}/mlp-load.XXXXXX")
  { seq 1 1000000 && head -c 3000000 /dev/urandom | base64 -w 76; } >"$buf"
fi
base_ticks=$(children_ticks) # not the buffer's making
start=$EPOCHREALTIME

# The worker in a process group of its own (job control on while it starts), so that one kill
# reaches it and the gzip it is running, and nothing of the caller's group. The gzip worker waits
# for each gzip in the background, so that on TERM it ends and reaps its gzip before exiting: when
# this shell has reaped the worker, nothing is left (and the gzip's CPU is counted).
set -m
if [[ $work == gzip ]]; then
  (
    gz=
    trap 'if [[ -n $gz ]]; then kill "$gz" 2>/dev/null || true; fi; wait || true; exit 0' TERM
    while :; do
      gzip -6 -c "$buf" >/dev/null &
      gz=$!
      wait "$gz"
      gz=
    done
  ) &
else
  (while :; do :; done) &
fi
worker=$!
set +m
echo "load.sh: keeping one core busy (--work $work, pid $$, worker group $worker," \
  "at most $seconds s${parent:+, while $parent runs})" >&2

deadline=$((SECONDS + seconds))
while ((SECONDS < deadline)); do
  [[ -z $parent ]] || alive "$parent" || stop "parent $parent gone"
  alive "$worker" || stop "the worker ended by itself" 1
  sleep 1 &
  sleeper=$!
  wait "$sleeper" || true
  sleeper=
done
stop "$seconds s elapsed"
