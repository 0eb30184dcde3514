"""The build record's JSON form: a round trip keeps everything, and a wrong file is named as such."""
import json

import pytest

from genpack_tui.engine.history.model import (
    BuildRecord,
    EmergedPackage,
    FileEntry,
    ImageComposition,
    PackageInImage,
    PhaseTiming,
    RecordFormatError,
    StepTiming,
)


def sample_record() -> BuildRecord:
    files = (FileEntry("/etc/motd", 12, 0o100644, 0, 0, "ab" * 32),
             FileEntry("/usr/bin/hello", 1000, 0o100755, 0, 0, "cd" * 32),
             FileEntry("/usr/lib/libhello.so", 10, 0o120777, 0, 0, None))
    image = ImageComposition(file_count=3, byte_size=1022, squashfs_size=511, files=files,
                             packages=(PackageInImage("app-misc/hello-1.0-r1", "1.0-r1", ("extra",), 1010, (1, 2)),),
                             unowned=(0,), directories={"/": 1022, "/usr": 1010, "/etc": 12})
    return BuildRecord(id="20261202T061530.000001Z", artifact="hello", variant=None, arch="x86_64", action="build",
                       started=100.0, finished=160.5, ok=True,
                       phases=(PhaseTiming("lower", 50.0, True, reason="use changed",
                                           steps=(StepTiming("emerge", 40.0), StepTiming("portage", 1.5, False))),
                               PhaseTiming("upper", 0.0, True, skipped=True, reason="up to date")),
                       emerged=(EmergedPackage("app-misc/hello-1.0-r1", "source", 12.5),
                                EmergedPackage("sys-libs/zlib-1.3", "binary", None)),
                       image=image)


def test_round_trip_through_json_text():
    record = sample_record()
    again = BuildRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert again == record
    assert again.image is not None
    assert [f.path for f in again.image.package_files(again.image.packages[0])] == \
        ["/usr/bin/hello", "/usr/lib/libhello.so"]
    assert [f.path for f in again.image.unowned_files()] == ["/etc/motd"]
    assert again.image.packages[0].name == "app-misc/hello"
    assert again.image.compression_ratio == pytest.approx(0.5)
    assert again.duration == pytest.approx(60.5)


def test_files_are_stored_once_as_columns():
    data = sample_record().to_json()
    assert data["image"]["files"]["path"] == ["/etc/motd", "/usr/bin/hello", "/usr/lib/libhello.so"]
    assert data["image"]["packages"][0]["files"] == [1, 2]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="something-else"), "not a build record"),
    (lambda d: d.update(version=99), "version 99"),
    (lambda d: d["image"]["files"]["size"].pop(), "columns differ in length"),
    (lambda d: d["image"]["packages"][0].update(files=[7]), "image.packages[0].files: expected indexes"),
    (lambda d: d["phases"][0]["steps"].append(["x"]), "phases[0].steps[2]"),
    (lambda d: d["emerged"][0].__setitem__(1, "magic"), "emerged[0]"),
    (lambda d: d.update(ok="yes"), "ok: expected true or false"),
])
def test_a_wrong_record_is_refused_with_where(change, message):
    data = sample_record().to_json()
    change(data)
    with pytest.raises(RecordFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        BuildRecord.from_json(data)


def test_not_an_object_at_all():
    with pytest.raises(RecordFormatError, match="record: expected an object"):
        BuildRecord.from_json([1, 2])
