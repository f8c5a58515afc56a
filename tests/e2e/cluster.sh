#!/usr/bin/env bash
# `armada cluster up 3` + `armada inspect` + `armada cluster down` leaves no process behind.
#   cluster.sh ARMADA_BINARY
set -euo pipefail
armada="$1"
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
"$armada" cluster up 3 --state "$state/c"
pids=$(awk '{print $1}' "$state/c/members")
entry=$(awk 'NR==1 {print $3}' "$state/c/members")
"$armada" cluster status --state "$state/c"
"$armada" inspect "$entry"
"$armada" cluster down --state "$state/c"
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null; then
    echo "node pid $pid is still running after cluster down"
    exit 1
  fi
done
echo "cluster: no process left"
