"""The layer rule, read off every module's imports (an AST walk, imports inside functions and
``TYPE_CHECKING`` blocks included):

    genpack_tui (app, cli, options, headless, palette, commands, workbench)  →  widgets  →  engine

- the engine is headless: it never imports textual, rich, watchfiles, the widgets or the app;
- inside the engine: ``events`` and ``config`` import nothing else of the project; ``runtime``,
  ``sources``, ``report`` and ``artifact`` import neither ``build`` nor ``testbed``;
- widgets never import the app side (``genpack_tui.*`` outside the engine and the widgets);
- ``genpack_tui.workbench`` (the app's controllers) never imports the app, the CLI or the runners;
- only ``__main__`` imports ``genpack_tui.cli``; the app never imports the headless runner;
- textual-tty and bittty are imported only by ``widgets/shell/backend/``, and Textual's private
  ``textual.widgets._*`` only by ``widgets/safe_select.py``.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"genpack_tui": "genpack_tui", "engine": "genpack_tui.engine", "widgets": "genpack_tui.widgets"}
APP_SIDE = ("genpack_tui.app", "genpack_tui.cli", "genpack_tui.options", "genpack_tui.headless",
            "genpack_tui.headless_renderer", "genpack_tui.report", "genpack_tui.palette", "genpack_tui.commands",
            "genpack_tui.workbench", "genpack_tui.screens", "genpack_tui.__main__")


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def project_modules() -> Iterator[tuple[Path, str, bool]]:
    for folder, dotted in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "testbed/data" in path.as_posix():  # programs of the test bed's overlay, not modules
                continue
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            yield path, ".".join([dotted, *parts]), is_package


def imported_names(path: Path, module: str, is_package: bool) -> Iterator[str]:
    """Every module an import statement names, and ``module.name`` for ``from module import name``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


def violation(module: str, imported: str) -> str | None:
    """Why ``module`` may not import ``imported`` (None when it may)."""
    if within(imported, "textual_tty", "bittty") and not within(module, "genpack_tui.widgets.shell.backend"):
        return "the terminal emulator is imported only by widgets/shell/backend/"
    if imported.startswith("textual.widgets._") and module != "genpack_tui.widgets.safe_select":
        return "Textual's private widgets are imported only by widgets/safe_select.py"
    if within(module, "genpack_tui.engine"):
        if within(imported, "textual", "rich", "watchfiles", "textual_tty", "bittty"):
            return "the engine is headless"
        if within(imported, "genpack_tui") and not within(imported, "genpack_tui.engine"):
            return "the engine never imports the widgets or the app"
        return engine_violation(module, imported)
    if within(module, "genpack_tui.widgets") and within(imported, *APP_SIDE):
        return "widgets never import the app side"
    if within(module, "genpack_tui.workbench") and within(imported, *APP_SIDE) \
            and not within(imported, "genpack_tui.workbench"):
        return "the workbench's controllers never import the app, the CLI or the runners"
    if within(imported, "genpack_tui.cli") and module not in ("genpack_tui.__main__", "genpack_tui.cli"):
        return "only __main__ imports the entry point"
    if within(module, "genpack_tui.app") and within(imported, "genpack_tui.headless"):
        return "the app never imports the headless runner"
    return None


def engine_violation(module: str, imported: str) -> str | None:
    if not within(imported, "genpack_tui.engine"):
        return None
    own = ".".join(module.split(".")[:3])
    target = ".".join(imported.split(".")[:3])
    if own == target:
        return None
    if own in ("genpack_tui.engine.events", "genpack_tui.engine.config"):
        return f"{own} imports nothing else of the project"
    lower_only = ("genpack_tui.engine.runtime", "genpack_tui.engine.sources", "genpack_tui.engine.report",
                  "genpack_tui.engine.artifact")
    if own in lower_only and target in ("genpack_tui.engine.build", "genpack_tui.engine.testbed"):
        return f"{own} sits below the build and the test bed"
    return None


def all_violations() -> list[str]:
    found = []
    for path, module, is_package in project_modules():
        for imported in imported_names(path, module, is_package):
            why = violation(module, imported)
            if why:
                found.append(f"{path.relative_to(ROOT)}: {module} imports {imported}: {why}")
    return sorted(set(found))


def test_no_module_imports_against_the_layers() -> None:
    modules = list(project_modules())
    assert len(modules) > 100  # the walk really found the project
    assert all_violations() == []


def test_the_rule_catches_each_kind_of_violation() -> None:
    cases = {
        ("genpack_tui.engine.build.runner", "rich.text"): "headless",
        ("genpack_tui.engine.config.merge", "genpack_tui.widgets.config.tree"): "never imports the widgets",
        ("genpack_tui.engine.config.merge", "genpack_tui.engine.events"): "imports nothing else",
        ("genpack_tui.engine.runtime.lock", "genpack_tui.engine.build.paths"): "below the build",
        ("genpack_tui.widgets.config.tree", "genpack_tui.workbench.build"): "app side",
        ("genpack_tui.widgets.build.phase_runner", "genpack_tui.options"): "app side",
        ("genpack_tui.workbench.shell", "genpack_tui.app"): "controllers",
        ("genpack_tui.app", "genpack_tui.cli"): "only __main__",
        ("genpack_tui.app", "genpack_tui.headless"): "headless runner",
        ("genpack_tui.widgets.shell.pane", "textual_tty"): "terminal emulator",
        ("genpack_tui.widgets.config.selectors", "textual.widgets._select"): "private widgets",
    }
    for (module, imported), expected in cases.items():
        assert expected in (violation(module, imported) or ""), (module, imported)
    assert violation("genpack_tui.widgets.shell.backend.terminal", "textual_tty") is None
    assert violation("genpack_tui.engine.build.runner", "genpack_tui.engine.config") is None
    assert violation("genpack_tui.__main__", "genpack_tui.cli") is None


def test_imports_are_read_from_inside_functions_and_relative_forms(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from ..config import merge\n    import rich\n")
    names = set(imported_names(source, "genpack_tui.engine.build.mod", False))
    assert {"genpack_tui.engine.config", "genpack_tui.engine.config.merge", "rich"} <= names
