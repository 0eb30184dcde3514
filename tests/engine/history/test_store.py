"""Writing and reading work/history/: atomic, bounded, corrupt files skipped, links never followed."""
import gzip
import json
from pathlib import Path

import pytest

from genpack_tui.engine.history.model import BuildRecord
from genpack_tui.engine.history.store import (
    DEFAULT_LIMIT,
    HistoryError,
    history_limit,
    read_history,
    write_record,
)
from genpack_tui.engine.runtime.confined import UnsafePathError
from tests.engine.planted import host  # noqa: F401


def rec(n: int, variant=None) -> BuildRecord:
    return BuildRecord(id=f"20261202T0600{n:02d}.000000Z", artifact="hello", variant=variant, arch="x86_64",
                       action="build", started=1796191200.0 + n, finished=1796191260.0 + n, ok=True)


def test_records_are_bounded_and_read_oldest_first(tmp_path: Path):
    for n in range(5):
        write_record(tmp_path, rec(n), limit=3)
    directory = tmp_path / "work/history/x86_64"
    assert sorted(p.name for p in directory.iterdir()) == [f"20261202T0600{n:02d}.000000Z.json.gz" for n in (2, 3, 4)]
    history = read_history(tmp_path, "x86_64", None, pytest.fail)
    assert [r.id for r in history.records] == [rec(n).id for n in (2, 3, 4)]
    assert history.pick("-1").id == rec(4).id and history.pick("0").id == rec(2).id
    assert history.pick(rec(3).id).id == rec(3).id


def test_variants_have_their_own_history(tmp_path: Path):
    write_record(tmp_path, rec(1, "quiet"), limit=5)
    assert (tmp_path / "work/history/x86_64-quiet").is_dir()
    assert read_history(tmp_path, "x86_64", None, pytest.fail).records == []


@pytest.mark.parametrize("content, why", [
    (lambda data: data[: len(data) // 2], "EOFError"),  # a truncated record
    (lambda data: b"not gzip at all", "BadGzipFile"),
    (lambda data: gzip.compress(b'{"format": "something-else"}'), "not a build record"),
    (lambda data: gzip.compress(b"[1, 2"), "JSONDecodeError"),
])
def test_a_corrupt_or_foreign_file_is_skipped_with_a_warning(tmp_path: Path, content, why):
    for n in range(3):
        write_record(tmp_path, rec(n), limit=5)
    bad = tmp_path / "work/history/x86_64" / f"{rec(1).id}.json.gz"
    bad.write_bytes(content(bad.read_bytes()))
    warnings: list[str] = []
    history = read_history(tmp_path, "x86_64", None, warnings.append)
    assert [r.id for r in history.records] == [rec(0).id, rec(2).id]
    assert len(warnings) == 1 and str(bad) in warnings[0] and why in warnings[0]


def test_no_history_and_unknown_ids_are_clear_errors(tmp_path: Path):
    empty = read_history(tmp_path, "x86_64", None, pytest.fail)
    with pytest.raises(HistoryError, match="no build history in .*work/history/x86_64: build the artifact first"):
        empty.pick("-1")
    write_record(tmp_path, rec(1), limit=5)
    history = read_history(tmp_path, "x86_64", None, pytest.fail)
    with pytest.raises(HistoryError, match=r"no build -2 in the history: it holds 1 build\(s\)"):
        history.pick("-2")
    with pytest.raises(HistoryError, match="no build 'nope' in .*; its builds are 20261202T060001.000000Z"):
        history.pick("nope")


def test_a_link_planted_at_work_history_is_not_followed(tmp_path: Path, host: Path):  # noqa: F811
    artifact = tmp_path / "artifact"
    (artifact / "work").mkdir(parents=True)
    (artifact / "work/history").symlink_to(host / "dir")
    with pytest.raises(UnsafePathError, match="history"):
        write_record(artifact, rec(1), limit=5)
    assert list((host / "dir").iterdir()) == []
    (host / "dir/x86_64").mkdir()
    (host / "dir/x86_64" / f"{rec(2).id}.json.gz").write_bytes(gzip.compress(json.dumps(rec(2).to_json()).encode()))
    with pytest.raises(HistoryError, match="symbolic link"):
        read_history(artifact, "x86_64", None, pytest.fail)


def test_history_limit_from_option_then_environment():
    warnings: list[str] = []
    assert history_limit(3, {"GENPACK_HISTORY_LIMIT": "7"}, warnings.append) == 3
    assert history_limit(None, {"GENPACK_HISTORY_LIMIT": "7"}, warnings.append) == 7
    assert history_limit(None, {}, warnings.append) == DEFAULT_LIMIT
    assert warnings == []
    assert history_limit(None, {"GENPACK_HISTORY_LIMIT": "lots\x1b"}, warnings.append) == DEFAULT_LIMIT
    assert warnings == ["GENPACK_HISTORY_LIMIT='lots\\x1b' is not a whole number of builds (0 or more); "
                        "keeping the last 20"]
