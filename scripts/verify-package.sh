#!/usr/bin/env bash
# What a user outside the repo gets: packs flowy as npm would publish it, installs the tarball into
# a temporary prefix, runs each installed bin's --version and one job through the installed
# server, daemon and client; then runs the bins under an older Node, which must print the one-line
# message (and no stack trace). Run by .ci/run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
node24="$PWD/node_modules/.bin" # the node@24 devDependency puts a Node 24 here
work=$(mktemp -d /tmp/flowy-package.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/flowy-jobs-*.tgz)
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
PATH="$node24:$PATH" npm install -g --silent --no-audit --no-fund --prefix "$work/prefix" "$tarball"
bin="$work/prefix/bin"
export PATH="$node24:$PATH"

for command in flowy-server daemon-flowy flowy-client; do
  echo "$command --version: $("$bin/$command" --version)"
done

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port"
"$bin/flowy-server" start --db "$work/flowy.db" --port "$port" --log-level warn &
pids+=($!)
for _ in $(seq 1 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "$url/healthz" >/dev/null || { echo "the installed flowy-server did not come up on $url" >&2; exit 1; }
"$bin/daemon-flowy" --server "$url" --state-dir "$work/state" --log-level warn &
pids+=($!)
out=$("$bin/flowy-client" --server "$url" submit --wait -- echo installed-ok 2>&1)
echo "$out"
id=$(sed -n 's/^Job submitted: \([0-9a-z]*\).*/\1/p' <<<"$out")
logs=$("$bin/flowy-client" --server "$url" logs "$id")
grep -q "installed-ok" <<<"$logs" || { echo "job $id's output did not come back through the installed bins: $logs" >&2; exit 1; }
echo "job $id ran through the installed bins: $logs"

# An older Node first on PATH: every bin must refuse in one line.
old=""
for candidate in /usr/bin/node /usr/local/bin/node; do
  [ -x "$candidate" ] || continue
  if "$candidate" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a<22||(a===22&&b<13)?0:1)'; then
    old=$candidate
    break
  fi
done
if [ -z "$old" ]; then
  echo "no Node older than 22.13 on this machine: the old-Node check is skipped"
  exit 0
fi
mkdir -p "$work/old-node" && ln -s "$old" "$work/old-node/node"
for command in flowy-server daemon-flowy flowy-client; do
  set +e
  said=$(PATH="$work/old-node:$PATH" "$bin/$command" --version 2>&1)
  status=$?
  set -e
  if [ "$status" -eq 0 ] || [ "$(wc -l <<<"$said")" -ne 1 ] || ! grep -q "needs Node.js 22.13.0 or newer" <<<"$said"; then
    echo "$command under $("$old" --version) did not refuse in one line (exit $status):" >&2
    echo "$said" >&2
    exit 1
  fi
  echo "under Node $("$old" --version): $said"
done
