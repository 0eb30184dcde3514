"""The figures a benchmark hands to bench_targets.py: ``--summary FILE`` writes them as JSON."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_summary(path: Path | None, figures: dict[str, Any]) -> None:
    if path is not None:
        Path(path).write_text(json.dumps(figures, indent=1) + "\n")
