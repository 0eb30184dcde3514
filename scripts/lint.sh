#!/usr/bin/env bash
# ruff (pyflakes, isort, bugbear) and mypy (strict on the engine), as configured in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m ruff check genpack_tui engine widgets tests benchmarks scripts
bash scripts/typecheck.sh
