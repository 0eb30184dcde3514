"""The fixed names inside an artifact directory, in one place: what the build reads and where it works.
Outputs must not land on any of them."""
from __future__ import annotations

CONFIG_NAMES = ("genpack.json5", "genpack.json")  # the first one found is the configuration
LOWER_INPUT_DIRS = ("savedconfig", "patches", "kernel", "env", "overlay")  # copied into the lower image
UPPER_INPUT_DIRS = ("files",)  # copied onto the upper layer
INPUT_DIRS = (*UPPER_INPUT_DIRS, *LOWER_INPUT_DIRS)  # genpack's archive order
WORK_DIR = "work"  # images, phase markers, downloads
