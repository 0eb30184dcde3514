#!/usr/bin/env bash
# The whole test suite, end to end: installs what it needs, then runs pytest (root tests included when root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -ra "$@"
