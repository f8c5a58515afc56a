#!/usr/bin/env bash
# Runs `armada demo` on the real broker named by a variable of the servers file that
# `scripts/servers up` writes, or reports the test skipped (with the reason) when that server
# is not running.
#   demo_on.sh ARMADA_BINARY VARIABLE [demo arguments...]
set -euo pipefail
armada="$1"; variable="$2"; shift 2
file="${ARMADA_SERVERS_FILE:-$(cd "$(dirname "$0")/../.." && pwd)/build/servers.env}"
url=""
[[ -f "$file" ]] && url=$(grep -E "^${variable}=" "$file" | head -1 | cut -d= -f2- || true)
if [[ -z "$url" ]]; then
  echo "[  SKIPPED ] ${variable} is not set in ${file}: the server is not running. Start the test servers with \`scripts/servers up\` (scripts/test does it for you)"
  exit 0
fi
exec "$armada" demo --provider "$url" "$@"
