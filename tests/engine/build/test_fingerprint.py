import os
from pathlib import Path

from genpack_tui.engine.build.fingerprint import (
    Fingerprint,
    describe_changes,
    digest_tree,
    lower_fingerprint,
    pack_fingerprint,
    upper_fingerprint,
)
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp

INPUTS = {"use": {"app-misc/hello": "extra"}, "packages": ["app-misc/hello"]}
SOURCES = {"stage3": "s1", "portage": "p1", "overlay": "o1"}


def test_tree_digest_follows_content_names_modes_and_links(tmp_path: Path):
    root = tmp_path / "files"
    assert digest_tree(root) == "absent"
    root.mkdir()
    empty = digest_tree(root)
    assert empty != "absent"
    (root / "a.sh").write_text("echo a\n")
    d1 = digest_tree(root)
    assert d1 != empty
    os.utime(root / "a.sh", (1, 1))
    assert digest_tree(root) == d1, "mtimes must not matter"
    (root / "a.sh").chmod(0o755)
    d2 = digest_tree(root)
    assert d2 != d1
    (root / "a.sh").write_text("echo b\n")
    assert digest_tree(root) != d2
    (root / "link").symlink_to("a.sh")
    d3 = digest_tree(root)
    (root / "link").unlink()
    (root / "link").symlink_to("elsewhere")
    assert digest_tree(root) != d3


def test_full_mode_bits_change_the_upper_fingerprint(tmp_path: Path):
    """A chmod 600 on a host key in files/ must reach the image: it changes upper's fingerprint."""
    key = tmp_path / "files" / "etc" / "ssh" / "ssh_host_ed25519_key"
    key.parent.mkdir(parents=True)
    key.write_text("secret\n")
    key.chmod(0o644)
    lower = lower_fingerprint(INPUTS, tmp_path, SOURCES)
    before = upper_fingerprint({}, tmp_path, lower)
    key.chmod(0o600)  # no exec bit changes: the old digest saw nothing
    after = upper_fingerprint({}, tmp_path, lower)
    assert after.changes_since(before) == ["files/"]
    key.chmod(0o4600)
    assert upper_fingerprint({}, tmp_path, lower).changes_since(after) == ["files/"]


def test_ownership_changes_the_digest(tmp_path: Path):
    root = tmp_path / "files"
    root.mkdir()
    (root / "a").write_text("a\n")
    (root / "l").symlink_to("a")
    d1 = digest_tree(root)
    os.chown(root / "a", 1234, os.getgid())
    d2 = digest_tree(root)
    assert d2 != d1
    os.chown(root / "a", 1234, 4321)
    d3 = digest_tree(root)
    assert d3 != d2
    os.lchown(root / "l", 1234, 4321)
    assert digest_tree(root) != d3


def test_directory_modes_and_owners_change_the_digest(tmp_path: Path):
    root = tmp_path / "files"
    (root / "etc" / "secret.d").mkdir(parents=True)
    d1 = digest_tree(root)
    (root / "etc" / "secret.d").chmod(0o700)
    d2 = digest_tree(root)
    assert d2 != d1
    root.chmod(0o750)  # the tree's own top directory counts too
    d3 = digest_tree(root)
    assert d3 != d2
    os.chown(root / "etc", 99, 99)
    assert digest_tree(root) != d3


def test_overlay_override_contents_are_a_lower_component(tmp_path: Path):
    override = tmp_path / "my-overlay"
    (override / "profiles").mkdir(parents=True)
    (override / "profiles" / "repo_name").write_text("genpack-overlay\n")
    plain = lower_fingerprint(INPUTS, tmp_path, SOURCES)
    with_override = lower_fingerprint(INPUTS, tmp_path, SOURCES, override)
    assert with_override.changes_since(plain) == ["--overlay-override"]
    (override / "profiles" / "repo_name").write_text("edited\n")
    edited = lower_fingerprint(INPUTS, tmp_path, SOURCES, override)
    assert edited.changes_since(with_override) == ["--overlay-override"]
    assert describe_changes(edited.changes_since(with_override)) == "--overlay-override changed"
    assert lower_fingerprint(INPUTS, tmp_path, SOURCES).components == plain.components  # none given: unchanged


def test_outputs_are_recorded_but_not_part_of_the_digest(tmp_path: Path):
    fp = Fingerprint("pack", {"upper": "u"})
    made = Fingerprint("pack", {"upper": "u"}, outputs=("hello.squashfs", "hello.img"))
    assert made.digest == fp.digest and made.changes_since(fp) == []
    write_stamp(tmp_path / "pack.done", made)
    assert read_stamp(tmp_path / "pack.done") == made


def test_changes_name_exactly_what_changed(tmp_path: Path):
    old = lower_fingerprint(INPUTS, tmp_path, SOURCES)
    changed = lower_fingerprint({**INPUTS, "use": {"app-misc/hello": "-extra"}}, tmp_path, SOURCES)
    assert changed.changes_since(old) == ["config.use"]
    assert describe_changes(changed.changes_since(old)) == "use changed"
    (tmp_path / "kernel").mkdir()
    newer = lower_fingerprint(INPUTS, tmp_path, {**SOURCES, "portage": "p2"})
    assert newer.changes_since(old) == ["kernel/", "source.portage"]
    assert describe_changes(newer.changes_since(old)) == "kernel/ and portage (upstream) changed"
    assert old.changes_since(None) == sorted(old.components)


def test_a_services_edit_changes_upper_but_not_lower(tmp_path: Path):
    lower = lower_fingerprint(INPUTS, tmp_path, SOURCES)
    up1 = upper_fingerprint({"services": ["a"]}, tmp_path, lower)
    up2 = upper_fingerprint({"services": ["a", "b"]}, tmp_path, lower)
    assert up2.changes_since(up1) == ["config.services"]
    assert pack_fingerprint({"compression": "xz"}, up2).changes_since(pack_fingerprint({"compression": "xz"}, up1)) == ["upper"]
    lower2 = lower_fingerprint({**INPUTS, "packages": []}, tmp_path, SOURCES)
    assert upper_fingerprint({"services": ["a"]}, tmp_path, lower2).changes_since(up1) == ["lower"]


def test_stamps_round_trip_and_clear(tmp_path: Path):
    fp = Fingerprint("lower", {"x": "1"})
    stamp = tmp_path / "lower.done"
    assert read_stamp(stamp) is None
    write_stamp(stamp, fp)
    assert read_stamp(stamp) == fp
    stamp.write_text("lower build complete\n")  # genpack's own marker: not ours, treated as unknown
    assert read_stamp(stamp) is None
    clear_stamp(stamp)
    assert not stamp.exists()
