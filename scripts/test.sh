#!/usr/bin/env bash
# The whole test suite, end to end: installs what it needs, runs the linters (ruff, mypy: scripts/lint.sh),
# then pytest (root tests included when root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/lint.sh
exec .venv/bin/python -m pytest -ra "$@"
