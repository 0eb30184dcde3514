"""The help screen: what each pane does and every key binding, generated from the bindings."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

PANES = """\
# genpack-tui workbench

Edit **genpack.json5** in your editor: the workbench reloads it on every save.

* **Config** (F2): the merged configuration for the selected variant and arch. Every value shows
  where it came from (`top`, `arch.x86_64`, `variants.NAME`, ...) and its line in the file.
  `o` shows overridden and removed values. Errors and warnings appear on the field they concern;
  while the file is broken the last good tree stays visible.
* **Diff** (F3): compare two selections (variant, arch).
* **Build** (F4): run build / lower / upper / pack, watch every line, emerge progress, one log per
  phase (`/` search, `e` first error, `[` `]` previous/next step). `x` cancels safely.
  `r` replays an `--events` file from CI.
* **Shell** (F5): `bash` in the lower container (`s`) or `upper-bash` on the upper layer (`S`).
  Everything you type goes to the shell, Ctrl-C included; **Ctrl-]** leaves the pane.
* **Image** (F6): the last build's image as a size tree (Enter expands a directory) and its
  packages (`s` by size, `n` by name, again to reverse; Enter lists a package's files), marked
  against the build before: `+` added, `-` removed, `▲` grown, `▼` shrunk.

`p` shows the plan: what a build of the selected variant and arch would run, step by step.

The badges under the selectors say, per phase, whether `build` would skip it or rerun it, and why.
"""


def bindings_table(bindings: list[tuple[str, str, str]]) -> str:
    rows = ["| key | action | what it does |", "|---|---|---|"]
    for key, description, tooltip in bindings:
        rows.append(f"| `{key}` | {description} | {tooltip} |")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close help", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._rows = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(PANES + "\n## Keys\n\n" + bindings_table(self._rows) +
                           "\n\nPress Esc to close. Ctrl-P opens the command palette with every action.")

