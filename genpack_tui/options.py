"""The command line's model: what one invocation of genpack-tui asks for, typed. The parser
(genpack_tui/parser.py, imported only by the entry point cli.py) makes one Invocation; the entry point,
the headless runner and the workbench read it. Nothing here parses or runs anything.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config.variant import DEFAULT_VARIANT

ColorChoice = Literal["auto", "always", "never"]  # --color
COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")


@dataclass(frozen=True)
class Invocation:
    """The BuildRequest (the subcommand and genpack's options) and the front end's own flags."""

    request: BuildRequest
    directory: Path  # the artifact directory as given (``request.artifact_dir`` is it resolved)
    action_given: bool = False  # False: no subcommand was named and ``build`` is the default
    headless: bool = False
    events: Path | None = None
    json: bool = False  # config --json
    port: int = 0  # testbed --port
    real_genpack_progs: Path | None = None  # testbed --real-genpack-progs
    color: ColorChoice = "auto"  # --headless --color
    timestamps: bool = False  # --headless --timestamps
    files: tuple[Path, ...] = ()  # check FILE ...
    shell: str | None = None  # completion SHELL
    top: int = 10  # report --top N
    builds: tuple[str, ...] = ()  # diff-builds A B
    bind: str = "127.0.0.1"  # binhost serve --bind
    arches: tuple[str, ...] = ()  # matrix --arch ...

    @property
    def action(self) -> str:
        return self.request.action

    @classmethod
    def for_directory(cls, directory: Path) -> "Invocation":
        """What ``genpack-tui -C DIRECTORY`` asks for: the workbench on it, nothing run."""
        return cls(request=BuildRequest(action="build", artifact_dir=str(Path(directory).resolve())),
                   directory=Path(directory))

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> "Invocation":
        return cls(request=build_request(args.directory.resolve(), args), directory=args.directory,
                   action_given=args.action_given, headless=args.headless, events=args.events,
                   json=args.json, port=args.port, real_genpack_progs=args.real_genpack_progs,
                   color=args.color, timestamps=args.timestamps,
                   files=tuple(getattr(args, "files", ())), shell=getattr(args, "shell", None),
                   top=args.top, builds=tuple(getattr(args, "builds", ())),
                   bind=args.bind, arches=tuple(getattr(args, "matrix_arches", ())))

    @property
    def namespace(self) -> argparse.Namespace:
        """The invocation as the workbench (genpack_tui/app.py) still reads it: the attributes the
        parser's Namespace had; ``build_request(directory, namespace)`` gives ``request`` back."""
        r = self.request
        return argparse.Namespace(
            action=r.action, action_given=self.action_given, command=list(r.command),
            variant=None if r.variant is DEFAULT_VARIANT else r.variant, arch=r.arch, debug=r.debug,
            overlay_override=Path(r.overlay_override) if r.overlay_override else None,
            independent_binpkgs=r.independent_binpkgs, deep_depclean=r.deep_depclean,
            compression=r.compression, devel=r.devel, parallel=r.parallel,
            break_circular_deps=r.break_circular_deps, keyring=Path(r.keyring) if r.keyring else None,
            headless=self.headless, directory=self.directory, mirror=r.mirror, overlay_url=r.overlay_url,
            force=r.force, reuse_upper=r.reuse_upper, events=self.events, json=self.json, port=self.port,
            real_genpack_progs=self.real_genpack_progs, shell=self.shell,
            color=self.color, timestamps=self.timestamps, history_limit=r.history_limit, top=self.top,
            binhost=r.binhost, distcc=r.distcc, bind=self.bind,
        )


def build_request(artifact_dir: Path, args: argparse.Namespace) -> BuildRequest:
    """The BuildRequest a parsed command line stands for. genpack: ``--variant ""`` is falsy and falls
    back to default_variant, like no option at all."""
    return BuildRequest(
        action=args.action, artifact_dir=str(artifact_dir),
        variant=args.variant if args.variant else DEFAULT_VARIANT, arch=args.arch, debug=args.debug,
        overlay_override=str(args.overlay_override.resolve()) if args.overlay_override else None,
        independent_binpkgs=args.independent_binpkgs, deep_depclean=args.deep_depclean,
        compression=args.compression, devel=args.devel, parallel=args.parallel,
        break_circular_deps=args.break_circular_deps, mirror=args.mirror, overlay_url=args.overlay_url,
        keyring=str(args.keyring.absolute()) if args.keyring else None,  # the worker runs in /
        force=args.force, reuse_upper=args.reuse_upper, command=list(args.command),
        history_limit=getattr(args, "history_limit", None),
        binhost=getattr(args, "binhost", None), distcc=getattr(args, "distcc", None),
    )
