"""The ETA in real headless builds on the test bed: the first build of an artifact says "no history
yet" on its progress lines; the second, with the lower image removed so that every package is
merged again (from the first build's binary packages), says the expected remaining time from the
first's record. How close the estimate came is printed, not asserted."""
from __future__ import annotations

import re

from tests.fixtures.build import copy_example

ETA = re.compile(r"^\[lower\] emerge (\d+)/(\d+) (\S+) \((cache|binhost|source|binary)\) emerging · (about (\S+) left|no history yet)$",
                 re.M)


def seconds(text: str) -> float:
    """human_duration's "42.2s", "1m05s", "1h02m05s" back to seconds."""
    found = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?([\d.]+)s", text)
    assert found, text
    hours, minutes, secs = found.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)


def test_second_build_says_the_remaining_time_from_the_first(builder, tmp_path):
    artifact = copy_example(tmp_path)
    first = builder.run(artifact, "build")
    assert first.returncode == 0, first.stderr[-3000:]
    lines = ETA.findall(first.stdout)
    assert lines and all(line[4] == "no history yet" for line in lines), first.stdout[-3000:]
    assert list((artifact / "work" / "history").rglob("*.json.gz")), "the first build left no record"

    for image in (artifact / "work" / "x86_64").glob("lower*.img"):
        image.unlink()
    second = builder.run(artifact, "build")
    assert second.returncode == 0, second.stderr[-3000:]
    lines = ETA.findall(second.stdout)
    assert lines and all(line[5] for line in lines), second.stdout[-3000:]  # "about … left" on every one
    emerging = [e for e in second.kinds("emerge_progress") if e["stage"] == "emerging"]
    end = second.kinds("build_finished")[-1]["ts"]
    for (index, total, package, _, _, eta), event in zip(lines, emerging, strict=True):
        assert (event["package"], event["index"]) == (package, int(index))
        actual = end - event["ts"]
        print(f"ETA at emerge {index}/{total} {package}: {seconds(eta):.1f} s expected, {actual:.1f} s "
              f"really ({(seconds(eta) - actual) / actual * 100:+.0f} %)")
    started = second.kinds("build_started")[0]["ts"]
    print(f"second build: {end - started:.1f} s; first build: "
          f"{first.kinds('build_finished')[-1]['ts'] - first.kinds('build_started')[0]['ts']:.1f} s")
