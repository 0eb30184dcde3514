"""CLI parsing: genpack's interface, global options anywhere except after bash."""
import pytest

from genpack_tui.parser import parse_args


def test_default_action_is_build_and_not_marked_as_given():
    args = parse_args([])
    assert (args.action, args.action_given, args.command) == ("build", False, [])


def test_global_options_before_and_after_the_subcommand():
    before = parse_args(["--variant", "cuda", "--compression", "xz", "pack"])
    after = parse_args(["pack", "--variant", "cuda", "--compression", "xz"])
    for args in (before, after):
        assert (args.action, args.variant, args.compression, args.action_given) == ("pack", "cuda", "xz", True)


def test_words_after_bash_are_the_command():
    args = parse_args(["--debug", "bash", "emerge", "--info", "--variant", "x"])
    assert args.action == "bash" and args.debug
    assert args.command == ["emerge", "--info", "--variant", "x"]
    assert args.variant is None


def test_option_values_are_not_mistaken_for_bash():
    args = parse_args(["--variant", "bash", "build"])
    assert (args.action, args.variant, args.command) == ("build", "bash", [])


def test_json_only_with_config(capsys):
    assert parse_args(["config", "--json"]).json
    with pytest.raises(SystemExit) as exc:
        parse_args(["build", "--json"])
    assert exc.value.code == 2
    assert "--json is only supported with the 'config', 'plan', 'matrix', 'report', 'diff-builds' subcommands" in capsys.readouterr().err


def test_choices_are_checked(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--arch", "sparc"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["frobnicate"])
