"""``genpack-tui schema``: the JSON Schema of genpack.json5 (engine/config/json_schema.py), for editors
and for check-jsonschema."""
from __future__ import annotations

import json
from typing import TextIO

from genpack_tui.engine.config.json_schema import json_schema


def run_schema(out: TextIO) -> int:
    out.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0
