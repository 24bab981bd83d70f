#!/usr/bin/env bash
# Browser tests of the front end against the real product:
#   build the Go binary, start `doorstep demo --embedded` on a free loopback
#   port, wait for /readyz, run web/e2e/*.test.mjs (node's test runner with
#   playwright-core driving Debian's Chromium), stop the server by its pid.
# Exits non-zero when anything fails. Screenshots go to web/e2e/artifacts/.
#
#   bash web/e2e/run.sh                 # from anywhere
#   DOORSTEP_E2E_SRC=/path bash ...     # build the server from another checkout
#   E2E_FILES='e2e/merchant.test.mjs' bash ...   # only some test files (relative to web/)
#   DOORSTEP_E2E_EMBEDDED=0 bash ...    # use the configured MySQL and Redis (a throwaway
#                                       # schema prefix and Redis DB 9, removed afterwards)
#                                       # instead of the in-memory engines
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
web="$(dirname "$here")"
repo="$(dirname "$web")"
src="${DOORSTEP_E2E_SRC:-$repo}"
bin="${DOORSTEP_E2E_BIN:-/tmp/doorstep-e2e}"
log="$here/artifacts/server.log"
mkdir -p "$here/artifacts"

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing node and npm (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
command -v go >/dev/null || { echo "Go is required" >&2; exit 1; }

# Chromium from Debian (browser downloads are not available here), and a CJK
# font so screenshots show Chinese.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] || ! fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk'; then
  say "installing chromium and a CJK font (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi

# npm ci when node_modules was installed from another package-lock.json
# (compared by content, not time: checkouts and worktrees differ in mtimes).
lock_sum="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$web/node_modules/playwright-core" ] || [ "$(cat "$web/node_modules/.doorstep-lock" 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$web/node_modules/.doorstep-lock"
fi

say "go build ($src)"
(cd "$src" && go build -o "$bin" .)

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
base="http://127.0.0.1:$port"
mode=(--embedded)
prefix=""
if [ "${DOORSTEP_E2E_EMBEDDED:-1}" = 0 ]; then
  mode=()
  prefix="e2e${port}_"
  export DOORSTEP_MYSQL_PREFIX="$prefix" DOORSTEP_REDIS_DB="${DOORSTEP_E2E_REDIS_DB:-9}"
fi
say "starting the demo at $base ${mode[*]:-(MySQL prefix $prefix)}"
"$bin" demo "${mode[@]}" --addr "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  if [ -n "$prefix" ]; then
    if command -v mariadb >/dev/null; then
      for db in $(mariadb --protocol=TCP -h127.0.0.1 -uroot -N -e "SHOW DATABASES LIKE '${prefix}%'" 2>/dev/null); do
        mariadb --protocol=TCP -h127.0.0.1 -uroot -e "DROP DATABASE \`$db\`" 2>/dev/null || true
      done
    fi
    command -v redis-cli >/dev/null && redis-cli -n "$DOORSTEP_REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  fi
}
trap stop EXIT

ready=""
for _ in $(seq 1 180); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "the server exited; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))' "$base/readyz"; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "the server was not ready in 90 s; see $log" >&2; exit 1; }

say "browser tests"
cd "$web"
set +e
# shellcheck disable=SC2086 # E2E_FILES is a list of globs
E2E_BASE_URL="$base" node --test --test-concurrency=1 --test-reporter=spec ${E2E_FILES:-e2e/*.test.mjs}
status=$?
set -e
echo "screenshots: $here/artifacts/"
exit $status
