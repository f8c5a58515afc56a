#!/usr/bin/env bash
# `armada demo --hold` keeps its services up; `armada inspect` of the fulfilment service shows
# its signals, bridges and sagas; SIGTERM ends the demo with its summary and no process left.
#   inspect_service.sh ARMADA_BINARY
set -euo pipefail
armada="$1"
log=$(mktemp)
"$armada" demo --orders 5 --quiet --hold >"$log" 2>&1 &
demo=$!
trap 'kill -KILL "$demo" 2>/dev/null || true; rm -f "$log"' EXIT
deadline=$((SECONDS + 120))
until grep -q "Ctrl-C" "$log"; do
  if ! kill -0 "$demo" 2>/dev/null || ((SECONDS > deadline)); then
    echo "the demo did not reach its hold:"; cat "$log"; exit 1
  fi
  sleep 0.2 # polling the demo's output for the line that says it holds
done
address=$(awk '/armada inspect .*fulfilment service/ {print $3; exit}' "$log")
"$armada" inspect "$address"
# This demo's own service processes (another test may run a demo of its own at the same time).
children=$(pgrep -P "$demo" || true)
if [[ $(wc -w <<<"$children") -ne 2 ]]; then
  echo "expected the demo's 2 service processes, found: '$children'"; exit 1
fi
kill -TERM "$demo"
status=0
wait "$demo" || status=$?
cat "$log"
left=""
for pid in $children; do
  kill -0 "$pid" 2>/dev/null && left="$left $pid"
done
if [[ -n $left ]]; then
  echo "demo services still running:$left"; exit 1
fi
echo "demo exited with $status; no process left"
