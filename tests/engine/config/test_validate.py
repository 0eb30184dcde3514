"""Validation: types and shapes at every level, atoms, USE strings, placement warnings, positions."""
from __future__ import annotations

import pytest

from genpack_tui.engine.config import Problem, load_document, merge_document


def check(text: str, *, variant=None, arch: str = "x86_64") -> tuple[dict | None, list[Problem]]:
    merged, _, problems = merge_document(load_document(text, "genpack.json5"), variant=variant, arch=arch,
                                         artifact_name="demo")
    return merged, [p for p in problems if p.path != "name" or "directory name" not in p.message]


def errors(text: str, **kw) -> list[str]:
    return [f"{p.path}: {p.message}" for p in check(text, **kw)[1] if p.severity == "error"]


def warnings(text: str, **kw) -> list[str]:
    return [f"{p.path}: {p.message}" for p in check(text, **kw)[1] if p.severity == "warning"]


def test_valid_config_has_no_problem() -> None:
    merged, problems = check("""{
        name: "x", profile: "gnome/baremetal", outfile: "out/x.squashfs", compression: "xz",
        "lower-layer-capacity": 64, independent_binpkgs: true, buildtime_packages_first: true,
        packages: ["genpack/paravirt", ">=dev-lang/python-3.12:3.12", "@myset", "app-misc/foo::gentoo"],
        buildtime_packages: ["dev-build/cmake"], mask: [">=dev-db/mysql-8", "dev-python/*"],
        accept_keywords: {"a/b": null, "c/d": "~amd64", "e/f": ["~amd64", "**"]},
        use: {"*/*": "python_targets_python3_12", "media-libs/mesa": "wayland VIDEO_CARDS: virgl -zink",
              "x/y": ["a", "b CPU_FLAGS_X86: avx"]},
        license: {"a/b": "linux-fw-redistributable @BINARY-REDISTRIBUTABLE"}, env: {"a/b": "x.conf y.conf"},
        binpkg_excludes: "sys-kernel/gentoo-kernel",
        users: ["alice", {name: "bob", uid: 1000, comment: "Bob", home: "/home/bob", shell: "/bin/bash",
                initial_group: "users", additional_groups: ["wheel"], create_home: false, empty_password: true}],
        groups: ["g1", {name: "g2", gid: 1002}],
        services: ["sshd", "fstrim.timer", "getty@tty1.service"], setup_commands: ["echo hi"],
        circulardep_breaker: {packages: ["media-libs/freetype"], use: "-harfbuzz"},
        default_variant: "v", variants: {v: {}},
    }""")
    assert problems == []
    assert merged is not None


@pytest.mark.parametrize("fragment,path,message", [
    ("name: 3", "name", "expected a string, found a number"),
    ("name: 'a/b'", "name", "must not contain '/'"),
    ("profile: ['x']", "profile", "expected a string, found a list"),
    ("profile: '../x'", "profile", "not a valid profile name"),
    ("outfile: '/tmp/x.squashfs'", "outfile", "inside the artifact directory"),
    ("outfile: '../x.squashfs'", "outfile", "inside the artifact directory"),
    ("outfile: 'out/'", "outfile", "must name a file"),
    ("compression: 'zstd'", "compression", "expected one of gzip, xz, lzo, none"),
    ("'lower-layer-capacity': '128'", "lower-layer-capacity", "expected a whole number of GiB"),
    ("'lower-layer-capacity': 0", "lower-layer-capacity", "at least 1"),
    ("'lower-layer-capacity': true", "lower-layer-capacity", "found a boolean"),
    ("independent_binpkgs: 1", "independent_binpkgs", "expected true or false"),
    ("buildtime_packages_first: 'yes'", "buildtime_packages_first", "expected true or false"),
    ("packages: 'a/b'", "packages", "expected a list, found a string"),
    ("packages: ['a/b', 3]", "packages[1]", "expected a package atom string, found a number"),
    ("packages: ['screen']", "packages[0]", "expected category/package"),
    ("packages: ['a/b c/d']", "packages[0]", "contains whitespace"),
    ("packages: ['']", "packages[0]", "empty package atom"),
    ("packages: ['-']", "packages[0]", "removal entry '-': empty package atom"),
    ("packages: ['-nope']", "packages[0]", "removal entry '-nope'"),
    ("packages: ['*/*']", "packages[0]", "not a valid package atom"),
    ("buildtime_packages: ['-a/b']", "buildtime_packages[0]", "'-' removal works only in packages"),
    ("accept_keywords: ['a/b']", "accept_keywords", "expected an object mapping package atoms"),
    ("accept_keywords: {'a/b': true}", 'accept_keywords["a/b"]', "expected a string or list of keywords, or null"),
    ("accept_keywords: {'a/b': '~amd64 !x'}", 'accept_keywords["a/b"]', "'!x' is not a valid keyword"),
    ("accept_keywords: {'not an atom': null}", 'accept_keywords["not an atom"]', "not a valid package atom"),
    ("use: {'a/b': null}", 'use["a/b"]', "expected a string or list of USE flags, found null"),
    ("use: {'a/b': 'VIDEO_CARDS:virgl'}", 'use["a/b"]', "'NAME:' followed by a space"),
    ("use: {'a/b': 'fo%o'}", 'use["a/b"]', "'fo%o' is not a valid USE flag"),
    ("use: {'a/b': '-*'}", 'use["a/b"]', "'-*' is not a valid USE flag"),
    ("use: {'a/b': ['x', 1]}", 'use["a/b"][1]', "expected a string, found a number"),
    ("license: {'a/b': null}", 'license["a/b"]', "expected a string or list of licenses"),
    ("license: {'a/b': 'ok b@d'}", 'license["a/b"]', "not a valid license"),
    ("env: {'a/b': '../x.conf'}", 'env["a/b"]', "not a valid file name under /etc/portage/env"),
    ("binpkg_excludes: 3", "binpkg_excludes", "expected a string or a list of strings"),
    ("binpkg_excludes: ['a/b c/d']", "binpkg_excludes[0]", "contains whitespace"),
    ("users: 'alice'", "users", "expected a list"),
    ("users: [3]", "users[0]", "expected a user name or an object"),
    ("users: [{uid: 1}]", "users[0]", "needs a 'name'"),
    ("users: [{name: 'a', uid: -1}]", "users[0].uid", "must not be negative"),
    ("users: [{name: 'a', uid: true}]", "users[0].uid", "expected a numeric user id, found a boolean"),
    ("users: [{name: 'a', shell: 'bin/sh'}]", "users[0].shell", "expected an absolute path"),
    ("mask: ['-a']", "mask[0]", "entry '-a': 'a' is not a valid package atom"),
    ("use: {'a/b': '+'}", 'use["a/b"]', "'+' is not a valid USE flag"),
    ("users: [{name: 'a', comment: 'a:b'}]", "users[0].comment", "must not contain ':'"),
    ("users: [{name: 'a', create_home: 'no'}]", "users[0].create_home", "expected true or false"),
    ("users: [{name: 'a', additional_groups: 5}]", "users[0].additional_groups", "expected a group name or a list"),
    ("users: ['-rf']", "users[0]", "not a valid user/group name"),
    ("groups: [{name: 'g', gid: 'x'}]", "groups[0].gid", "expected a numeric group id"),
    ("services: ['--now']", "services[0]", "not a valid systemd unit name"),
    ("services: [['x']]", "services[0]", "expected a systemd unit name, found a list"),
    ("setup_commands: [3]", "setup_commands[0]", "expected a shell command string"),
    ("circulardep_breaker: []", "circulardep_breaker", "expected an object"),
    ("circulardep_breaker: {packages: ['x']}", "circulardep_breaker.packages[0]", "not a valid package atom"),
    ("circulardep_breaker: {use: 'VIDEO_CARDS: x'}", "circulardep_breaker.use", "USE_EXPAND groups"),
    ("default_variant: 'nope'", "default_variant", "'nope' is not a variant (available: none defined)"),
    ("arch: []", "arch", "expected an object mapping arch names"),
    ("arch: {x86_64: []}", "arch.x86_64", "expected an object of settings"),
    ("variants: []", "variants", "expected an object mapping variant names"),
    ("variants: {v: null}", "variants.v", "expected an object of settings, found null"),
    ("variants: {'a/b': {}}", 'variants["a/b"]', "must not contain '/'"),
    ("'buildtime-packages': []", "buildtime-packages", "deprecated, use 'buildtime_packages'"),
    ("'binpkg-exclude': []", "binpkg-exclude", "deprecated, use 'binpkg_excludes'"),
    ("'circulardep-breaker': {}", "circulardep-breaker", "deprecated, use 'circulardep_breaker'"),
])
def test_type_and_shape_errors(fragment: str, path: str, message: str) -> None:
    found = errors("{" + fragment + "}")
    assert any(f.startswith(path + ": ") and message in f for f in found), found


@pytest.mark.parametrize("text,path,message", [
    ("{variants: {cuda: {arch: {x86_64: {use: {'sci-libs/pytorch': 5}}}}}}",
     'variants.cuda.arch.x86_64.use["sci-libs/pytorch"]', "expected a string or list of USE flags"),
    ("{arch: {aarch64: {packages: ['bad']}}}", "arch.aarch64.packages[0]", "not a valid package atom"),
    ("{variants: {v: {'binpkg-exclude': []}}}", "variants.v.binpkg-exclude", "deprecated"),
    ("{variants: {v: {users: [{name: 'x', gid: 3}]}}}", "variants.v.users[0].gid", None),
    ("{variants: {v: {mask: ['bad']}}}", "variants.v.mask[0]", "not a valid package atom"),
])
def test_nested_levels_are_validated_even_when_not_selected(text: str, path: str, message: str | None) -> None:
    _, problems = check(text, variant=None, arch="x86_64")
    hits = [p for p in problems if p.path == path]
    assert hits, problems
    if message:
        assert any(message in p.message and p.severity == "error" for p in hits)


def test_control_characters_are_rejected_everywhere() -> None:
    for fragment, path in [("name: 'a\\nb'", "name"), ("packages: ['a/b\\n']", "packages[0]"),
                           ("use: {'a/b': 'x\\ty'}", 'use["a/b"]'), ("use: {'a/b\\u0000': 'x'}", 'use["a/b\\u0000"]'),
                           ("setup_commands: ['echo 1\\u001b[2J']", "setup_commands[0]"),
                           ("setup_commands: ['echo 1\\u0000rm -rf /']", "setup_commands[0]"),
                           ("setup_commands: ['echo 1\\rrm -rf /']", "setup_commands[0]"),
                           ("mask: ['a/b\\n']", "mask[0]"), ("use: {'a/b': 'x\\ny'}", 'use["a/b"]'),
                           ("services: ['a\\u2028b']", "services[0]"),
                           ("users: [{name: 'a', comment: 'x\\ry'}]", "users[0].comment")]:
        found = errors("{" + fragment + "}")
        assert any(f.startswith(path + ": ") and "control character" in f for f in found), (fragment, found)


def test_unknown_keys_warn_with_did_you_mean() -> None:
    found = warnings("{'setup-commands': [], pakages: [], variants: {v: {servces: []}}, zzz: 1}")
    assert "setup-commands: unknown key 'setup-commands' at the top level is ignored; did you mean 'setup_commands'?" in found
    assert "pakages: unknown key 'pakages' at the top level is ignored; did you mean 'packages'?" in found
    assert "variants.v.servces: unknown key 'servces' inside a variant is ignored; did you mean 'services'?" in found
    assert "zzz: unknown key 'zzz' at the top level is ignored" in found


def test_unknown_keys_in_users_and_circulardep_breaker_warn() -> None:
    found = warnings("{users: [{name: 'a', empty_pasword: true}], circulardep_breaker: {packges: []}}")
    assert any("users[0].empty_pasword" in f and "did you mean 'empty_password'" in f for f in found)
    assert any("circulardep_breaker.packges" in f and "did you mean 'packages'" in f for f in found)


@pytest.mark.parametrize("text,path", [
    ("{variants: {v: {compression: 'xz'}}}", "variants.v.compression"),
    ("{variants: {v: {'lower-layer-capacity': 3}}}", "variants.v.lower-layer-capacity"),
    ("{variants: {v: {independent_binpkgs: true}}}", "variants.v.independent_binpkgs"),
    ("{variants: {v: {circulardep_breaker: {}}}}", "variants.v.circulardep_breaker"),
    ("{variants: {v: {default_variant: 'v'}}}", "variants.v.default_variant"),
    ("{variants: {v: {variants: {}}}}", "variants.v.variants"),
    ("{arch: {x86_64: {compression: 'xz'}}}", "arch.x86_64.compression"),
    ("{arch: {x86_64: {users: ['a']}}}", "arch.x86_64.users"),
    ("{arch: {x86_64: {profile: 'x'}}}", "arch.x86_64.profile"),
    ("{arch: {x86_64: {buildtime_packages_first: true}}}", "arch.x86_64.buildtime_packages_first"),
    ("{arch: {x86_64: {arch: {}}}}", "arch.x86_64.arch"),
    ("{variants: {v: {arch: {x86_64: {name: 'n'}}}}}", "variants.v.arch.x86_64.name"),
])
def test_fields_without_effect_where_written_warn(text: str, path: str) -> None:
    _, problems = check(text, variant="v" if "variants" in text else None)
    hits = [p for p in problems if p.path == path]
    assert hits and hits[0].severity == "warning" and "no effect" in hits[0].message, problems


def test_top_level_only_warning_names_the_place() -> None:
    found = warnings("{variants: {v: {compression: 'xz'}}}", variant="v")
    assert found == ["variants.v.compression: 'compression' has no effect inside a variant; "
                     "it is read at the top level only"]


def test_unknown_arch_tokens_warn() -> None:
    found = warnings("{arch: {'x86_64 | aarch64': {}, amd64: {}}}")
    assert any("' aarch64'" in f and "never matches" in f and "did you mean 'aarch64'" in f for f in found)
    assert any("'x86_64 '" in f for f in found)
    assert any("'amd64'" in f for f in found)


def test_hyphenated_user_keys_accepted_underscore_wins_with_warning() -> None:
    _, problems = check("{users: [{name: 'u', 'empty-password': true, 'additional-groups': ['wheel']}]}")
    assert problems == []
    found = warnings("{users: [{name: 'u', 'create-home': false, create_home: true}]}")
    assert found == ["users[0].create-home: 'create-home' is ignored because 'create_home' is also given"]


def test_set_file_comment_entries_warn_but_stay() -> None:
    merged, problems = check("{packages: ['a/b', '#dev-ruby/bundler']}")
    assert merged["packages"] == ["a/b", "#dev-ruby/bundler"]
    assert [p.severity for p in problems] == ["warning"] and "comment" in problems[0].message


def test_setup_command_objects_are_skipped_with_a_warning() -> None:
    merged, problems = check("{setup_commands: ['a', {cmd: 'b'}, 'c']}")
    assert merged["setup_commands"] == ["a", "c"]
    assert problems[0].path == "setup_commands[1]" and problems[0].severity == "warning"


def test_devel_field_warns_that_it_has_no_effect() -> None:
    assert warnings("{devel: true}") == ["devel: 'devel' has no effect (genpack ignores it); "
                                         "use the --devel option to build a devel image"]
    assert any("expected true or false" in e for e in errors("{devel: 'yes'}"))


def test_long_bad_values_are_shortened_in_messages() -> None:
    [message] = errors("{compression: '" + "x" * 500 + "'}")
    assert len(message) < 160 and message.endswith("...")


def test_empty_values() -> None:
    assert warnings("{accept_keywords: {'a/b': ''}}") == []  # same as null: accept ~arch
    assert warnings("{license: {'a/b': ''}}") == ['license["a/b"]: no licenses given']
    assert warnings("{use: {'a/b': []}}") == ['use["a/b"]: no USE flags given']


def test_empty_use_expand_group_warns() -> None:
    assert warnings("{use: {'a/b': 'x VIDEO_CARDS:'}}") == ['use["a/b"]: USE_EXPAND group \'VIDEO_CARDS:\' has no values']


def test_problems_carry_file_line_column() -> None:
    text = '{\n  variants: {\n    cuda: {\n      use: {\n        "sci-libs/pytorch": 5,\n      },\n    },\n  },\n}'
    _, problems = check(text)
    [p] = problems
    assert (p.file, p.line, p.column) == ("genpack.json5", 5, 29)
    assert str(p) == ('genpack.json5:5:29: error: variants.cuda.use["sci-libs/pytorch"]: '
                      'expected a string or list of USE flags, found a number')


def test_unknown_key_points_at_the_key() -> None:
    _, problems = check('{\n  servics: ["a"],\n}')
    assert (problems[0].line, problems[0].column) == (2, 3)


def test_all_problems_reported_together() -> None:
    found = errors("{name: 1, packages: ['x', 'y'], use: {'a/b': 3}, compression: 'q'}")
    assert len(found) == 5


def test_invalid_values_are_dropped_from_the_merge() -> None:
    merged, _ = check("{packages: ['a/b', 'bad', 'c/d'], use: {'a/b': 1, 'c/d': 'x'}, name: 5}")
    assert merged["packages"] == ["a/b", "c/d"]
    assert merged["use"] == {"c/d": "x"}
    assert merged["name"] == "demo"


# -- what genpack and Portage accept stays accepted, with a warning saying what happens -------------

def test_plus_flag_in_use_is_a_warning_and_is_written_as_given() -> None:
    text = "{use: {'dev-lang/php': '+mysql curl'}, circulardep_breaker: {packages: ['a/b'], use: '+x'}}"
    assert errors(text) == []
    assert warnings(text) == [
        "use[\"dev-lang/php\"]: '+mysql': Portage ignores a '+' flag in package.use ('Invalid USE flag'), "
        "so it has no effect; write 'mysql' to enable it",
        "circulardep_breaker.use: '+x': Portage ignores a '+' flag in USE ('Invalid USE flag'), "
        "so it has no effect; write 'x' to enable it"]
    merged, _ = check(text)
    assert merged["use"] == {"dev-lang/php": "+mysql curl"}


def test_non_integer_uid_is_a_warning_passed_to_useradd_as_text() -> None:
    text = "{users: [{name: 'a', uid: '1000'}, {name: 'b', uid: 'abc'}, {name: 'c', uid: 1000.5}, {name: 'd', uid: null}]}"
    assert errors(text) == []
    assert warnings(text) == [
        "users[0].uid: uid '1000' is not a whole number: it is passed as 'useradd -u 1000' (useradd takes it as "
        "the id); write a number, e.g. 1000",
        "users[1].uid: uid 'abc' is not a whole number: it is passed as 'useradd -u abc' (useradd refuses anything "
        "but a whole number, so the upper phase will fail); write a number, e.g. 1000",
        "users[2].uid: uid 1000.5 is not a whole number: it is passed as 'useradd -u 1000.5' (useradd refuses "
        "anything but a whole number, so the upper phase will fail); write a number, e.g. 1000"]
    merged, _ = check(text)
    assert [u["uid"] for u in merged["users"]] == ["1000", "abc", 1000.5, None]


def test_relative_home_is_a_warning() -> None:
    text = "{users: [{name: 'a', home: 'var/lib/a'}]}"
    assert errors(text) == []
    assert warnings(text) == [
        "users[0].home: home 'var/lib/a' is not an absolute path: it is passed as 'useradd -d var/lib/a', which "
        "refuses it ('invalid home directory'), so the upper phase will fail; write '/var/lib/a'"]


def test_minus_atom_in_mask_is_a_warning_and_is_written_as_given() -> None:
    text = "{mask: ['dev-db/mysql', '-dev-lang/ruby'], variants: {v: {mask: ['-dev-db/mysql']}}}"
    assert errors(text, variant="v") == []
    found = warnings(text, variant="v")
    assert len(found) == 2 and all("is written to package.mask as it is" in f for f in found)
    assert found[0].startswith("mask[1]: '-dev-lang/ruby'") and found[1].startswith("variants.v.mask[0]:")
    merged, _ = check(text, variant="v")
    assert merged["mask"] == ["dev-db/mysql", "-dev-lang/ruby", "-dev-db/mysql"]


def test_multi_line_setup_command_with_tabs_is_one_argument() -> None:
    script = "if [ -d /etc/x ]; then\n\techo yes\nfi"
    text = "{setup_commands: ['" + script.replace("\n", "\\n").replace("\t", "\\t") + "']}"
    _, problems = check(text)
    assert problems == []
    merged, _ = check(text)
    assert merged["setup_commands"] == [script]
