"""`genpack-tui completion SHELL`: the scripts loaded into a real bash, fish and zsh (its completion system,
in a pty) complete subcommands, --arch values and the --variant names of the artifact named with -C (or the
current directory), through the hidden `--complete-variants` helper, which never prints an error."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from genpack_tui.engine.config.arches import ARCHES

BIN = Path(sys.executable).parent  # the venv's bin: genpack-tui is installed there
CONFIG = """{
  name: "complete-me",
  packages: ["app-misc/hello"],
  variants: { quiet: {}, loud: {}, "with-dash": {} },
}
"""


def genpack_tui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "genpack-tui"), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def artifact(path: Path, config: str = CONFIG) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "genpack.json5").write_text(config)
    return path


def complete(words: list[str], cwd: Path, script: str) -> list[str]:
    """COMPREPLY of the loaded completion function for ``words`` (the last one being completed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = f"""
source {script}
COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
_shtab_genpack_tui genpack-tui "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return sorted(line for line in proc.stdout.splitlines() if line)


@pytest.fixture
def bash_script(tmp_path: Path) -> str:
    proc = genpack_tui("completion", "bash", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    script = tmp_path / "genpack-tui.bash"
    script.write_text(proc.stdout)
    return str(script)


def test_the_bash_script_registers_a_completion_in_a_real_bash(bash_script: str, tmp_path: Path) -> None:
    proc = subprocess.run(["bash", "--norc", "-c", f"source {bash_script} && complete -p genpack-tui"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "complete -o bashdefault -F _shtab_genpack_tui genpack-tui"


def test_variant_names_come_from_the_artifact_named_with_C(bash_script: str, tmp_path: Path) -> None:
    art = artifact(tmp_path / "art")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert complete(["genpack-tui", "-C", str(art), "build", "--variant", ""], elsewhere, bash_script) == \
        ["loud", "quiet", "with-dash"]
    assert complete(["genpack-tui", "--directory", str(art), "--variant", "q"], elsewhere, bash_script) == ["quiet"]
    # bash's own split of --directory=DIR
    assert complete(["genpack-tui", "--directory", "=", str(art), "--variant", "w"], elsewhere, bash_script) == \
        ["with-dash"]


def test_variant_names_come_from_the_current_directory_without_C(bash_script: str, tmp_path: Path) -> None:
    art = artifact(tmp_path / "art")
    assert complete(["genpack-tui", "lower", "--variant", ""], art, bash_script) == ["loud", "quiet", "with-dash"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert complete(["genpack-tui", "--variant", ""], empty, bash_script) == []


def test_subcommands_options_and_arch_values_complete(bash_script: str, tmp_path: Path) -> None:
    assert complete(["genpack-tui", "co"], tmp_path, bash_script) == ["completion", "config"]
    assert complete(["genpack-tui", "do"], tmp_path, bash_script) == ["doctor"]
    assert complete(["genpack-tui", "build", "--arch", ""], tmp_path, bash_script) == sorted(ARCHES)
    assert "--overlay-url" in complete(["genpack-tui", "build", "--over"], tmp_path, bash_script)


@pytest.mark.parametrize("config", ["{ name: 'x', variants: { a: {} ", "[1, 2]", "{ variants: 7 }"])
def test_the_helper_prints_nothing_but_names_for_a_broken_config(tmp_path: Path, config: str) -> None:
    art = artifact(tmp_path / "art", config)
    proc = genpack_tui("--complete-variants", "genpack-tui", "-C", str(art), "--variant", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_the_helper_needs_no_artifact_and_no_root(tmp_path: Path) -> None:
    proc = genpack_tui("--complete-variants", "genpack-tui", "-C", str(tmp_path / "missing"), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    with tempfile.TemporaryDirectory() as readable:  # pytest's tmp_path is root's alone
        os.chmod(readable, 0o755)
        art = artifact(Path(readable) / "art")
        nobody = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 str(BIN / "genpack-tui"), "--complete-variants", "-C", str(art)],
                                capture_output=True, text=True, timeout=60, cwd="/")
    if nobody.returncode != 0 and "setpriv" in nobody.stderr:
        pytest.skip(f"cannot drop privileges here: {nobody.stderr.strip()}")
    assert (nobody.returncode, nobody.stdout, nobody.stderr) == (0, "quiet\nloud\nwith-dash\n", "")  # declaration order


def script_for(shell: str, tmp_path: Path) -> Path:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    proc = genpack_tui("completion", shell, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / f"{shell}-completions"
    folder.mkdir()
    script = folder / ("_genpack-tui" if shell == "zsh" else "genpack-tui.fish")
    script.write_text(proc.stdout)
    return script


def with_venv_path() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}


def test_fish_completes_variants_arches_and_subcommands(tmp_path: Path) -> None:
    script = script_for("fish", tmp_path)
    art = artifact(tmp_path / "art")

    def fish_complete(line: str) -> list[str]:
        proc = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path, env=with_venv_path())
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        return sorted(line.split("\t")[0] for line in proc.stdout.splitlines())

    assert fish_complete(f"genpack-tui -C {art} build --variant ") == ["loud", "quiet", "with-dash"]
    assert fish_complete("genpack-tui --arch ") == sorted(ARCHES)
    assert fish_complete("genpack-tui do") == ["doctor"]


def test_zsh_completes_variants_through_its_completion_system(tmp_path: Path) -> None:
    """A real interactive zsh in a pty (zsh/zpty) with compinit; compadd reports what it was offered."""
    script = script_for("zsh", tmp_path)
    art = artifact(tmp_path / "art")
    driver = f"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=({script.parent} \\$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd () {{ builtin compadd -O __hits \\"\\$@\\"; print -l -- '<''<' \\$__hits '>''>' }}"
zpty -w z $'genpack-tui -C {art} build --variant \\t'
zpty -r z out '*>>*'
print -r -- "$out"
zpty -d z
"""
    proc = subprocess.run(["zsh", "-f", "-c", driver], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env=with_venv_path())
    assert proc.returncode == 0, proc.stderr
    offered = proc.stdout.replace("\r", "").rsplit("<<", 1)[1].split(">>", 1)[0].split()
    assert sorted(offered) == ["loud", "quiet", "with-dash"]


def test_an_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    proc = genpack_tui("completion", "tcsh", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid choice: 'tcsh'" in proc.stderr


def test_the_helper_reads_no_fifo_and_offers_no_control_characters(tmp_path: Path) -> None:
    fifo_art = tmp_path / "fifo"
    fifo_art.mkdir()
    os.mkfifo(fifo_art / "genpack.json5")  # reading it would block the shell's Tab forever
    proc = genpack_tui("--complete-variants", "-C", str(fifo_art), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    hostile = artifact(tmp_path / "hostile", '{ variants: { "red\\u001b[31m": {}, "two words": {}, plain: {} } }')
    proc = genpack_tui("--complete-variants", "-C", str(hostile), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "plain\n", "")
