#!/usr/bin/env bash
# Run a test command several times in a row while busy processes occupy every core, as on a
# laptop that is compiling something or a CI runner shared with other jobs. A suite that
# passes only on an idle machine fails here.
#
#   bash tools/stress_tests.sh                      # the README's test command, three runs, a busy process per core
#   RUNS=1 bash tools/stress_tests.sh -m browser    # the browser tier once
#   BUSY=4 bash tools/stress_tests.sh -m "not slow" # arguments go to pytest; BUSY sets the busy processes
#
# Each run's outcome and wall time is printed at the end; the exit status is 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-3}"
busy="${BUSY:-$(nproc)}"
python="${PYTHON:-python}"

pids=()
stop_busy() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
}
trap stop_busy EXIT INT TERM

for _ in $(seq "$busy"); do
    "$python" -c "while True: pass" &
    pids+=("$!")
done
echo "== $busy busy processes: ${pids[*]}"

status=0
summary=()
for run in $(seq "$runs"); do
    echo "== run $run of $runs: $python -m pytest $*"
    start=$(date +%s)
    "$python" -m pytest "$@"
    code=$?
    seconds=$(( $(date +%s) - start ))
    [ "$code" = 0 ] || status=1
    summary+=("run $run: exit $code in ${seconds} s")
done

echo "== with $busy busy processes beside it:"
printf '%s\n' "${summary[@]}"
exit $status
