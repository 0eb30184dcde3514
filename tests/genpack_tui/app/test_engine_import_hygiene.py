"""The engine is headless: importing any engine module must not import textual or rich."""
from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import genpack_tui.engine

ROOT = Path(__file__).resolve().parents[3]


def engine_modules() -> list[str]:
    names = ["genpack_tui.engine"]
    for info in pkgutil.walk_packages(genpack_tui.engine.__path__, prefix="genpack_tui.engine."):
        names.append(info.name)
    return names


def test_every_engine_module_imports_without_textual_or_rich() -> None:
    modules = engine_modules()
    assert len(modules) > 30, modules  # the walk really found the engine
    # click is no dependency of genpack-tui (check-jsonschema, a test extra, brings it); where it is
    # installed, httpx's optional command line (httpx/_main.py) imports rich. Hide it, as a user's
    # installation does not have it.
    script = (
        "import importlib, json, sys\n"
        "sys.modules['click'] = None\n"
        "bad = {}\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    leaked = sorted(m for m in ('textual', 'rich') if m in sys.modules)\n"
        "    if leaked:\n"
        "        bad[name] = leaked\n"
        "        break\n"
        "print(json.dumps(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {}, f"engine module pulled in a UI library: {result.stdout}"
