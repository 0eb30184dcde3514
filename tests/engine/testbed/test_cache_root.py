"""Where the test bed is cached: XDG_CACHE_HOME, else the invoking user's ~/.cache, under sudo too."""
from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from genpack_tui.engine.testbed import default_cache_root


def test_xdg_cache_home_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_root() == tmp_path / "genpack-tui" / "testbed"


@pytest.mark.skipif(os.geteuid() != 0, reason="sudo's variables count only for root")
def test_under_sudo_it_is_the_invoking_users_home_not_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    nobody = pwd.getpwnam("nobody")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "/root")
    monkeypatch.setenv("SUDO_UID", str(nobody.pw_uid))
    monkeypatch.setenv("SUDO_GID", str(nobody.pw_gid))
    assert default_cache_root() == Path(nobody.pw_dir) / ".cache" / "genpack-tui" / "testbed"


def test_without_sudo_it_is_the_own_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("SUDO_UID", raising=False)
    assert default_cache_root() == Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".cache" / "genpack-tui" / "testbed"
