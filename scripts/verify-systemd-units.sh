#!/usr/bin/env bash
# Checks the systemd units in docs/systemd with `systemd-analyze verify`. verify insists that
# ExecStart's binary exists, so it runs against a throwaway root holding the host's unit library,
# the units, and stand-ins for /usr/bin/flowy-server and /usr/bin/daemon-flowy. Any warning
# about one of our units fails the check too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
for bin in flowy-server daemon-flowy; do
  printf '#!/bin/sh\n' > "$root/usr/bin/$bin"
  chmod +x "$root/usr/bin/$bin"
done
units=()
for unit in docs/systemd/*.service; do
  cp "$unit" "$root/etc/systemd/system/"
  units+=("$root/etc/systemd/system/$(basename "$unit")")
done
output=$(systemd-analyze verify --root="$root" --man=no "${units[@]}" 2>&1) || {
  echo "$output"
  exit 1
}
if grep -E "(flowy-server|daemon-flowy)\.service" <<<"$output"; then
  echo "systemd-analyze verify warned about the units above"
  exit 1
fi
echo "systemd units verified: ${units[*]##*/}"
