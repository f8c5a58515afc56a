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
kill -TERM "$demo"
status=0
wait "$demo" || status=$?
cat "$log"
children=$(pgrep -f "armada demo-(fulfilment|inventory).*" || true)
if [[ -n $children ]]; then
  echo "demo services still running: $children"; exit 1
fi
echo "demo exited with $status; no process left"
