"""Where the benchmarks find the corpus of real artifacts, which is not part of the repository."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

CORPUS_ENV = "GENPACK_TUI_CORPUS"


def add_corpus_argument(parser: argparse.ArgumentParser) -> None:
    default = os.environ.get(CORPUS_ENV)
    parser.add_argument("--corpus", type=Path, default=Path(default) if default else None,
                        help=f"a directory of artifacts, one genpack.json5 per subdirectory "
                             f"(required unless ${CORPUS_ENV} names it)")


def corpus_dir(parser: argparse.ArgumentParser, value: Path | None) -> Path:
    """The corpus directory given, or a usage error saying how to give it."""
    if value is None:
        parser.error(f"no corpus: pass --corpus DIR or set {CORPUS_ENV}")
    if not value.is_dir():
        parser.error(f"corpus {value} is not a directory")
    return value
