"""Phase badges from recorded fingerprints, offline: never built / up to date / will rerun with the reason."""
import shutil
from pathlib import Path

from genpack_tui.engine.build.status import NEVER_BUILT, UP_TO_DATE, WILL_RERUN, phase_statuses, work_paths_for
from genpack_tui.engine.config import resolve
from tests.fixtures.build import record_successful_build

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "hello"


def test_badges_follow_edits(tmp_path: Path):
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE, artifact)
    resolution = resolve(artifact, arch="x86_64")
    paths = work_paths_for(resolution, tmp_path / "cache")
    assert [s.state for s in phase_statuses(resolution, paths=paths)] == [NEVER_BUILT] * 3

    record_successful_build(resolution, paths)
    assert [s.state for s in phase_statuses(resolution, paths=paths)] == [UP_TO_DATE] * 3

    config = artifact / "genpack.json5"
    config.write_text(config.read_text().replace('services: ["hello-greeter.service"]',
                                                 'services: ["hello-greeter.service", "sshd"]'))
    statuses = phase_statuses(resolve(artifact, arch="x86_64"), paths=paths)
    assert [(s.phase, s.state) for s in statuses] == [("lower", UP_TO_DATE), ("upper", WILL_RERUN), ("pack", WILL_RERUN)]
    assert statuses[1].reason == "services changed → upper"

    config.write_text(config.read_text().replace('"app-misc/hello": "extra",', '"app-misc/hello": "-extra",'))
    statuses = phase_statuses(resolve(artifact, arch="x86_64"), paths=paths)
    assert statuses[0].state == WILL_RERUN and statuses[0].reason == "use changed → lower"

    # a different variant has its own markers: never built
    quiet = phase_statuses(resolve(artifact, variant="quiet", arch="x86_64"), paths=work_paths_for(
        resolve(artifact, variant="quiet", arch="x86_64"), tmp_path / "cache"))
    assert [s.state for s in quiet] == [NEVER_BUILT] * 3


def test_no_badges_for_a_broken_config(tmp_path: Path):
    (tmp_path / "genpack.json5").write_text("{ packages: [1] }")
    assert phase_statuses(resolve(tmp_path, arch="x86_64")) == []


def test_a_genpack_lower_image_is_shown_as_adopted_by_the_next_build(tmp_path: Path):
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE, artifact)
    resolution = resolve(artifact, arch="x86_64")
    paths = work_paths_for(resolution, tmp_path / "cache")
    paths.arch_dir.mkdir(parents=True)
    paths.lower_image.write_bytes(b"")
    paths.done_marker("lower").write_text("lower build complete\n")
    statuses = phase_statuses(resolution, paths=paths)
    assert [(s.phase, s.state, s.reason) for s in statuses] == [
        ("lower", WILL_RERUN, "built by genpack: adopted by the next build"),
        ("upper", NEVER_BUILT, "never built"), ("pack", NEVER_BUILT, "never built")]


def test_the_binhost_a_build_would_use_counts_in_the_lower_badge(tmp_path: Path):
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE, artifact)
    resolution = resolve(artifact, arch="x86_64")
    paths = work_paths_for(resolution, tmp_path / "cache")
    record_successful_build(resolution, paths)
    binhost = "http://10.0.0.1:8080/"
    statuses = phase_statuses(resolution, paths=paths, binhost=binhost)
    assert (statuses[0].state, statuses[0].reason) == (WILL_RERUN, "binhost changed → lower")
