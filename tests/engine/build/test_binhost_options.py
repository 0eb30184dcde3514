"""--binhost and --distcc as the lower phase takes them: validated values, the emerge flags, the environment."""
from __future__ import annotations

import pytest

from genpack_tui.engine.build.binhost import BinhostError, chosen_binhost, parse_binhost, probe
from genpack_tui.engine.build.distcc import DistccError, chosen_distcc, merged_features, parse_distcc
from genpack_tui.engine.build.emerge_commands import EmergeOptions, genpack_progs_step, main_emerge_step


def test_the_option_wins_over_the_environment():
    env = {"GENPACK_BINHOST": "http://10.0.0.1:8080/", "GENPACK_DISTCC_HOSTS": "10.0.0.1/8"}
    assert chosen_binhost("http://a.example/pkgs", env).url == "http://a.example/pkgs/"
    assert chosen_binhost(None, env).origin == "GENPACK_BINHOST"
    assert chosen_binhost(None, {}) is None
    assert chosen_distcc("10.0.0.2", env).hosts == ("10.0.0.2",)
    assert chosen_distcc(None, env).origin == "GENPACK_DISTCC_HOSTS"
    assert chosen_distcc(None, {"GENPACK_DISTCC_HOSTS": "  "}) is None


@pytest.mark.parametrize("value", ["ftp://host/", "http://", "http://host/ x", "http://host/\nsync-uri = http://evil/",
                                   "http://user:pw@host/", "http://host/?q=1", "/var/cache/binpkgs"])
def test_a_binhost_url_that_could_not_be_written_into_binrepos_conf_is_refused(value):
    with pytest.raises(BinhostError) as caught:
        parse_binhost(value, "--binhost")
    assert str(caught.value).startswith(f"--binhost {value!r}: expected")


def test_the_binrepos_conf_entry():
    text = parse_binhost("http://10.0.0.1:8080", "--binhost").binrepos_conf()
    assert "[genpack-binhost]\n" in text and "sync-uri = http://10.0.0.1:8080/\n" in text
    assert "verify-signature = false\n" in text


def test_getbinpkg_only_with_a_binhost():
    assert "--getbinpkg" not in main_emerge_step(EmergeOptions()).argv
    with_binhost = EmergeOptions(getbinpkg=True, binpkg_excludes=("app-misc/hello",))
    argv = main_emerge_step(with_binhost).argv
    assert {"--getbinpkg", "--binpkg-respect-use=y", "-bk"} <= set(argv)
    assert argv[argv.index("--usepkg-exclude") + 1] == "app-misc/hello"  # binpkg_excludes keep their meaning
    assert "--getbinpkg" in genpack_progs_step(with_binhost).argv


def test_an_unreachable_binhost_is_reported_within_the_timeout():
    import socket
    with socket.socket() as listener:  # bound, never listening: connection refused at once
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        problem = probe(parse_binhost(f"http://127.0.0.1:{port}/", "--binhost"), timeout=2)
    assert problem is not None and f"http://127.0.0.1:{port}/Packages is unreachable" in problem


def test_distcc_environment_and_matching_makeopts():
    distcc = parse_distcc("10.0.0.1/6 10.0.0.2 localhost", "--distcc")
    assert distcc.environment(local_cpus=2) == {"FEATURES": "distcc", "DISTCC_HOSTS": "10.0.0.1/6 10.0.0.2 localhost",
                                                "MAKEOPTS": "-j12 -l2"}
    merged = merged_features({"FEATURES": "-pid-sandbox", "USE": "x"}, distcc, local_cpus=2)
    assert merged["FEATURES"] == "-pid-sandbox distcc" and merged["USE"] == "x"
    assert merged_features({"FEATURES": "-pid-sandbox"}, None) == {"FEATURES": "-pid-sandbox"}


@pytest.mark.parametrize("value", ["", "10.0.0.1; rm -rf /", "host$(id)", "a\"b"])
def test_a_bad_distcc_host_list_is_refused(value):
    with pytest.raises(DistccError, match=r"expected distcc hosts separated by spaces"):
        parse_distcc(value, "--distcc")


def test_the_binhost_is_in_the_lower_fingerprint_only_when_given(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from genpack_tui.engine.build.fingerprint import describe_changes, lower_fingerprint
    from genpack_tui.engine.build.lower_phase import lower_inputs
    from genpack_tui.engine.build.request import BuildRequest

    monkeypatch.delenv("GENPACK_BINHOST", raising=False)

    def fingerprint(binhost):
        request = BuildRequest(action="build", artifact_dir=str(tmp_path), binhost=binhost)
        ctx = SimpleNamespace(request=request, derived=SimpleNamespace(phase_inputs={"lower": {"use": {}}}))
        return lower_fingerprint(lower_inputs(ctx), tmp_path, {})

    without = fingerprint(None)
    assert "config.binhost" not in without.components  # builds without one keep the fingerprint they had
    first, other = fingerprint("http://10.0.0.1:8080/"), fingerprint("http://10.0.0.2:8080/")
    assert describe_changes(first.changes_since(without)) == "binhost changed"
    assert describe_changes(other.changes_since(first)) == "binhost changed"
    monkeypatch.setenv("GENPACK_BINHOST", "http://10.0.0.1:8080")
    assert fingerprint(None).components == first.components  # the variable counts like the option
