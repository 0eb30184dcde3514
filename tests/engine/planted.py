"""Stand-ins for host files outside the artifact, for tests that plant links at paths root writes:
a file root must not write and a directory to keep empty. Import the fixture by name where needed."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def host(tmp_path: Path) -> Path:
    host = tmp_path / "host"
    (host / "dir").mkdir(parents=True)
    (host / "passwd").write_text("root:x:0:0::/root:/bin/bash\n")
    return host
