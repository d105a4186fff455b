#!/usr/bin/env bash
# Runs every twin scenario (with its modes) N times; writes outputs to $OUT (default /tmp/twin-out).
# Usage: tests/node/run-twins.sh [N]
set -u
N=${1:-3}
DIR=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/twin-out}
mkdir -p "$OUT"
run() { # script mode
  local s=$1 m=$2
  for i in $(seq 1 "$N"); do
    local f="$OUT/$s.$m.$i.txt"
    ( cd /tmp && timeout 20 node "$DIR/twin-$s.js" $([ "$m" = default ] || echo "$m") > "$f" 2>&1; echo "rc=$?" >> "$f" )
  done
}
run exit42-noserver default; run exit42-noserver immediate
run exit42-listening default
for s in kill-default kill-sigkill destroy sigkill-direct; do run $s default; run $s idle; run $s trap; done
run primary-disconnect default; run primary-disconnect idle; run primary-disconnect bare
for s in worker-self-disconnect worker-self-kill worker-process-disconnect; do run $s default; run $s idle; done
run uncaught default; run uncaught listening
run idle-ends default
run cluster-disconnect default; run cluster-disconnect idle
run setup default
run fork-order default
run primary-signal SIGINT; run primary-signal SIGKILL; run primary-signal SIGTERM; run primary-signal SIGINT-group; run primary-signal SIGINT-group-trapped
run send-after-exit default; run send-after-exit nolistener; run send-after-exit afterdisconnect; run send-after-exit workerside
run fake-internal default
run exit0-after-message default; run exit0-after-message listening
