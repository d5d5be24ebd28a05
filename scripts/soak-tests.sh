#!/usr/bin/env bash
# soak-tests.sh [N] — run CI's test command N times (default 10) on a machine kept busy.
#
# One CPU hog per core (a shell spinning in `while :; do :; done`) runs for the whole soak, so
# every run sees the load of a busy CI machine; anything else running adds to it. Each run
# prints pass/fail, its duration and the load average; the soak ends with "N passed, M failed"
# and exits 1 if any run failed. The output of every failed run is kept (its path is printed).
# The hogs and the test processes are ended when the script ends, also on Ctrl-C.
#
#   SOAK_CMD   the command of one run (default: go test -race -count=1 ./...)
#   SOAK_HOGS  how many CPU hogs (default: the number of cores, at least 2)
#   SOAK_LOGS  where the output of each run goes (default: a new temporary directory)
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-10}
case $runs in '' | *[!0-9]* | 0) echo "usage: $0 [N]  (N runs, N >= 1)" >&2; exit 2 ;; esac
cmd=${SOAK_CMD:-go test -race -count=1 ./...}
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 2)
hogs=${SOAK_HOGS:-$((cores < 2 ? 2 : cores))}
logs=${SOAK_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/spine-soak.XXXXXX")}
mkdir -p "$logs"

hog_pids=()
run_pid=

# A run is started in a process group of its own (setsid), so that ending it ends everything
# it started: the go command, the test binaries and the servers they run.
stop_run() {
  [ -n "$run_pid" ] || return 0
  kill -TERM -- "-$run_pid" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 -- "-$run_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$run_pid" 2>/dev/null
  wait "$run_pid" 2>/dev/null
  run_pid=
}

cleanup() {
  stop_run
  for pid in "${hog_pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null; done
  hog_pids=()
}
trap cleanup EXIT
trap 'echo; echo "interrupted" >&2; exit 130' INT TERM HUP

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load average[s]*: //'; }

for _ in $(seq "$hogs"); do
  sh -c 'while :; do :; done' &
  hog_pids+=("$!")
done

echo "soak: $runs run(s) of: $cmd"
echo "soak: $hogs CPU hog(s) on $cores core(s); load average $(load); logs in $logs"

passed=0 failed=0
soak_began=$SECONDS
for i in $(seq "$runs"); do
  log="$logs/run-$i.log"
  began=$SECONDS
  if command -v setsid >/dev/null 2>&1; then
    setsid bash -c "$cmd" >"$log" 2>&1 &
  else
    set -m; bash -c "$cmd" >"$log" 2>&1 & set +m
  fi
  run_pid=$!
  wait "$run_pid"
  rc=$?
  run_pid=
  took=$((SECONDS - began))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'run %d/%d: PASS  %dm%02ds  load %s\n' "$i" "$runs" $((took / 60)) $((took % 60)) "$(load)"
  else
    failed=$((failed + 1))
    printf 'run %d/%d: FAIL  %dm%02ds  load %s  (exit %d, output in %s)\n' "$i" "$runs" $((took / 60)) $((took % 60)) "$(load)" "$rc" "$log"
    grep -E '^(\s*--- FAIL|FAIL\s|panic:)' "$log" | sed 's/^/    /' | head -20
  fi
done

total=$((SECONDS - soak_began))
echo "soak: ${total}s in all; load average $(load)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
