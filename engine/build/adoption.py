"""Taking over a lower image that genpack built (docs/compatibility.md §19).

genpack leaves ``work/<arch>/lower[-<variant>].img`` with a text ``lower.done`` ("lower build
complete") and no ``<image>.sources.json``; what it knows of the image's sources is the
``.headers`` files beside the tarballs, rewritten whenever it downloaded a new one. Rebuilding the
image (128 GiB sparse, hours of emerge without binary packages) just because our own record is
missing would be the worst answer, so the image is adopted by genpack's own rules:

- a stage3 whose ``.headers`` changed during this run's source check means a new image, as in genpack;
- a snapshot or overlay whose ``.headers`` changed is replaced in the image, as in genpack;
- a ``lower.done`` newer than the configuration, ``savedconfig/ patches/ kernel/ env/ overlay/`` and
  the image's world file means the lower build is complete (genpack's ``is_lower_outdated``), and the
  phase is not run again; otherwise lower runs on the adopted image.

After adoption the image gets our source record and ``lower.done`` our fingerprint. genpack only
checks that ``lower.done`` exists and compares its modification time, so it keeps accepting the tree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from genpack_tui.engine.build.artifact_trees import LOWER_TREES
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.work_area import confined
from genpack_tui.engine.sources.http import headers_path
from genpack_tui.engine.sources.identity import LABELS, SourceIdentity, SourceRecord, identity_path

GENPACK_DONE_TEXT = "lower build complete"
UNKNOWN = "unknown: built by genpack"


def _read(path: Path) -> str | None:
    try:
        directory, relative = confined(path)
        with directory:
            return directory.read_text(relative)
    except (OSError, RuntimeEngineError, UnicodeDecodeError, ValueError):
        return None


def source_headers(paths: WorkPaths) -> dict[str, str | None]:
    """genpack's ``.headers`` text of each source as ``work/`` holds it now."""
    files = {"stage3": paths.stage3, "portage": paths.portage_snapshot, "overlay": paths.overlay_tarball}
    return {name: (lambda text: text.strip() if text is not None else None)(_read(headers_path(path)))
            for name, path in files.items()}


def is_genpack_image(paths: WorkPaths) -> bool:
    """A lower image without our source record and with one of genpack's markers: its text ``lower.done``
    or its ``lower.fresh`` (written once the image is extracted, removed when lower completes). An image
    with neither is one whose creation was interrupted (ours records its sources when extracted, and
    writes ``lower.fresh`` only after that): it is recreated, never adopted."""
    if not paths.lower_image.is_file() or identity_path(paths.lower_image).exists():
        return False
    return genpack_done(paths) is not None or paths.lower_fresh.is_file()


def genpack_done(paths: WorkPaths) -> os.stat_result | None:
    """genpack's own ``lower.done`` (its text, not our JSON fingerprint), if there is one."""
    marker = paths.done_marker("lower")
    text = _read(marker)
    if text is None or text.strip() != GENPACK_DONE_TEXT:
        return None
    try:
        return marker.stat()
    except OSError:
        return None


def _latest_input_mtime(artifact_dir: Path, config_file: Path | None) -> float:
    """genpack's ``get_latest_mtime(genpack_json_time, "savedconfig", "patches", "kernel", "env", "overlay")``:
    the newest modification time of the config file and of everything in those directories."""
    latest = config_file.stat().st_mtime if config_file is not None and config_file.exists() else 0.0
    for tree in LOWER_TREES:
        top = artifact_dir / tree
        if not top.is_dir() or top.is_symlink():
            continue
        latest = max(latest, top.stat().st_mtime)
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                try:
                    latest = max(latest, os.lstat(os.path.join(folder, name)).st_mtime)
                except OSError:
                    continue
    return latest


@dataclass
class Adoption:
    recorded: SourceIdentity | None  # None: the stage3 changed, the image is replaced as genpack would
    done_mtime: float | None  # genpack's lower.done, when it is still newer than the artifact's inputs
    said: list[str] = field(default_factory=list)


def adopt(paths: WorkPaths, config_file: Path | None, before: dict[str, str | None],
          identity: SourceIdentity) -> Adoption:
    """What genpack's records say about the image, given the ``.headers`` texts ``before`` this run's
    source check and the sources' ``identity`` after it."""
    after = source_headers(paths)
    changed = [name for name in LABELS if before[name] is None or before[name] != after[name]]
    image = paths.lower_image.name
    if "stage3" in changed:
        return Adoption(None, None, [f"{image} was built by genpack from another stage3: it is replaced, as genpack "
                                     "would replace it"])
    records = {name: getattr(identity, name) if name not in changed else
               SourceRecord(url="", info=before[name] or "", sha512=UNKNOWN) for name in LABELS}
    said = [f"Adopting {image}, built by genpack: its stage3 is the one in work/ (by genpack's .headers)"]
    said += [f"{LABELS[name]} changed since genpack's build: replaced in the image" for name in changed]
    done = genpack_done(paths)
    done_mtime = None
    if done is not None and not changed:
        if done.st_mtime >= _latest_input_mtime(paths.artifact_dir, config_file):
            done_mtime = done.st_mtime
            said.append(f"genpack's {paths.done_marker('lower').name} is newer than the configuration and the "
                        "lower inputs")
        else:
            said.append(f"genpack's {paths.done_marker('lower').name} is older than the configuration or the "
                        "lower inputs: lower runs on the adopted image")
    elif done is None:
        said.append("genpack did not complete lower on it: lower runs on the adopted image")
    return Adoption(SourceIdentity(**records), done_mtime, said)
