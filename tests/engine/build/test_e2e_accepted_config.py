"""What genpack accepts builds: a multi-line setup command with tabs runs as one `sh -c` argument and a
uid written as a string reaches useradd as genpack passes it (docs/compatibility.md §4)."""
from __future__ import annotations

import pytest

from genpack_tui.engine.build.upper_commands import useradd_argv
from genpack_tui.engine.config import resolve
from tests.fixtures.build import edited, squashfs_file

SCRIPT = "if [ -d /etc ]; then\\n\\tprintf 'multi\\\\tline\\\\n' > /etc/multi-line\\nfi"


def test_the_derived_values_are_genpacks(make_artifact) -> None:
    artifact = make_artifact("{name: 'demo', users: [{name: 'u', uid: '1000', home: 'rel'}], use: {'a/b': '+x y'}, "
                             "mask: ['-c/d'], setup_commands: ['a\\n\\tb']}")
    res = resolve(artifact, arch="x86_64")
    assert not res.errors and len(res.warnings) == 4
    d = res.derived
    assert useradd_argv(d.users[0]) == ["useradd", "-u", "1000", "-d", "rel", "-m", "u"]
    assert d.portage_files["etc/portage/package.use/genpack"] == "a/b +x y\n"
    assert d.portage_files["etc/portage/package.mask/genpack"] == "-c/d"
    assert d.setup_commands == ["a\n\tb"]


@pytest.mark.root
@pytest.mark.slow
def test_a_multi_line_setup_command_and_a_string_uid_build(built_example, builder, tmp_path) -> None:
    artifact, _ = built_example
    with edited(artifact / "genpack.json5", "setup_commands: [", f'setup_commands: [\n    "{SCRIPT}",'), \
            edited(artifact / "genpack.json5", "uid: 1000,", 'uid: "1000",'):
        run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stdout[-3000:]
    assert any("uid '1000' is not a whole number" in e["message"] for e in run.kinds("warning")), run.kinds("warning")
    image = artifact / "hello-x86_64.squashfs"
    assert squashfs_file(image, "/etc/multi-line", tmp_path) == "multi\tline\n"
    passwd = squashfs_file(image, "/etc/passwd", tmp_path)
    assert any(line.startswith("greeter:x:1000:") for line in passwd.splitlines()), passwd
