#!/usr/bin/env bash
# mypy over the package as it installs: engine/ and widgets/ import as genpack_tui.engine and
# genpack_tui.widgets (pyproject's package-dir), which mypy cannot map from the source folders, so it
# reads a temporary tree of links laid out like the installed package. Strict on the engine (pyproject).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/genpack_tui"
for entry in genpack_tui/*; do ln -s "$repo/$entry" "$tree/genpack_tui/"; done
ln -s "$repo/engine" "$tree/genpack_tui/engine"
ln -s "$repo/widgets" "$tree/genpack_tui/widgets"
cd "$tree"
exec "$repo/.venv/bin/python" -m mypy --config-file "$repo/pyproject.toml" -p genpack_tui "$@"
