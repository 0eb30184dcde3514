#!/usr/bin/env bash
# The main job: the TUI workbench on the example artifact, building against the offline test bed
# (a local mirror with a real Portage tree, since Gentoo's mirrors may be unreachable).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log=$(mktemp)
.venv/bin/genpack-tui testbed >"$log" 2>&1 &
testbed_pid=$!
trap 'kill $testbed_pid 2>/dev/null || true; rm -f "$log"' EXIT
echo "Preparing the offline test bed (the first run builds it: a few minutes)..."
shown=0
until grep -q -- '^--keyring=' "$log"; do
  lines=$(grep -c '^testbed:' "$log" || true)
  if [ "$lines" -gt "$shown" ]; then  # the build's progress as it comes
    grep '^testbed:' "$log" | tail -n +"$((shown + 1))" | head -n "$((lines - shown))"
    shown=$lines
  fi
  if ! kill -0 "$testbed_pid" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 1
done
mapfile -t mirror_args < <(grep -E -- '^--(mirror|overlay-url|keyring)=' "$log")
.venv/bin/genpack-tui -C examples/hello "${mirror_args[@]}" "$@"
