"""What the stage3 gives the real genpack-progs and the real genpack (docs/test-bed.md §7), in a real
lower root run with systemd-nspawn: the system python importing Portage and tqdm with Atom.lstrip, the
equery and eselect stand-ins, bash as sh."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from genpack_tui.engine.testbed import TestbedArtifacts
from tests.fixtures.testbed import mounted_lower_root, nspawn_in, write_portage_config

pytestmark = [pytest.mark.root, pytest.mark.slow]


@pytest.fixture(scope="module")
def root(testbed_artifacts: TestbedArtifacts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with mounted_lower_root(testbed_artifacts, tmp_path_factory.mktemp("real-progs-root")) as lower:
        yield lower


def test_system_python_imports_portage_and_tqdm_and_atom_has_lstrip(root: Path) -> None:
    code = ("import portage, portage.dep, tqdm; a = portage.dep.Atom('!app-misc/hello'); "
            "print(isinstance(a, str), a.lstrip('!'), repr(portage.const.EPREFIX))")
    rc, lines = nspawn_in(root, ["/usr/bin/python3", "-c", code])
    assert (rc, lines[-1:]) == (0, ["False app-misc/hello ''"]), lines


def test_sh_is_bash_so_echo_e_writes_what_gentoo_writes(root: Path) -> None:
    rc, lines = nspawn_in(root, ["sh", "-c", r"echo -e '[genpack-overlay]\nlocation=/x'"])
    assert (rc, lines) == (0, ["[genpack-overlay]", "location=/x"])


def test_eselect_profile_set_links_make_profile_as_eselect_does(root: Path) -> None:
    rc, lines = nspawn_in(root, ["sh", "-c", "eselect profile set genpack-overlay:genpack/amd64/paravirt && "
                                             "readlink /etc/portage/make.profile"])
    assert (rc, lines[-1:]) == (0, ["../../var/db/repos/genpack-overlay/profiles/genpack/amd64/paravirt"]), lines
    rc, lines = nspawn_in(root, ["eselect", "profile", "set", "genpack-overlay:genpack/amd64/nothing"])
    assert rc == 1 and "Can't set profile: genpack-overlay:genpack/amd64/nothing is not a valid profile" in lines[-1]
    rc, lines = nspawn_in(root, ["eselect", "news", "read"])
    assert rc == 1 and "only 'eselect profile set [REPO:]PATH' is supported, not: news read" in lines[-1]


def test_equery_lists_installed_packages_with_a_planted_mask(root: Path) -> None:
    rc, lines = nspawn_in(root, ["emerge", "--color=n", "--nospinner", "--oneshot", "--nodeps", "app-misc/hello"])
    assert rc == 0, "\n".join(lines[-30:])
    query = ["equery", "list", "-F", "$cpv,$mask", "*"]
    rc, lines = nspawn_in(root, query)
    assert (rc, [line for line in lines if "hello" in line]) == (0, ["app-misc/hello-1.0,   "]), lines
    write_portage_config(root, {"package.mask/planted": "app-misc/hello\n"})
    rc, lines = nspawn_in(root, query)
    assert (rc, [line for line in lines if "hello" in line]) == (0, ["app-misc/hello-1.0,M  "]), lines
    rc, lines = nspawn_in(root, ["equery", "depends", "app-misc/hello"])
    assert rc == 1 and "only \"equery list -F FORMAT '*'\" is supported, not: depends app-misc/hello" in lines[-1]
