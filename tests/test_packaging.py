"""One top-level name: the wheel installs only ``genpack_tui``; folders named like ours are never imported."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here (pip needs setuptools from the package index): {proc.stderr[-500:]}")
    (path,) = out.glob("genpack_tui-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_has_one_top_level_package(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"genpack_tui"}
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert wheel.read(top_level).decode().split() == ["genpack_tui"]
    for module in ("genpack_tui/engine/runtime/worker_main.py", "genpack_tui/engine/runtime/confined.py",
                   "genpack_tui/widgets/log/view.py", "genpack_tui/app.py"):
        assert module in names
    assert any(n.startswith("genpack_tui/engine/testbed/data/gentoo/") for n in names)  # package data too


def test_folders_named_engine_and_widgets_in_the_cwd_are_not_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    for name in ("engine", "widgets"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    (tmp_path / "genpack.json5").write_text('{ name: "x", packages: ["genpack/paravirt"] }')
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "config", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"name": "x"' in proc.stdout
    assert not marker.exists()


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """setuptools installs only the listed packages (package-dir makes discovery unusable): a folder
    with an __init__.py that pyproject.toml does not list would be missing from an installed copy."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for folder, dotted in (("genpack_tui", "genpack_tui"), ("engine", "genpack_tui.engine"),
                           ("widgets", "genpack_tui.widgets")):
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join([dotted, *parts]))
    assert found == listed
