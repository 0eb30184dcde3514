"""The fixed names inside an artifact directory: what the build reads and where it works.
Outputs must not land on any of them."""
from __future__ import annotations

CONFIG_NAMES = ("genpack.json5", "genpack.json")
INPUT_DIRS = ("files", "savedconfig", "patches", "kernel", "env", "overlay")
WORK_DIR = "work"  # images, phase markers, downloads
