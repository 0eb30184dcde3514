"""`genpack-tui plan`: what a build of the selected variant and arch would do, without root and without
running anything (engine/build/plan.py computes it; the phases run the same steps)."""
from __future__ import annotations

import json
import os
import shlex
from typing import TextIO

from genpack_tui.engine.build.plan import CONDITIONS, BuildPlan, PlanStep, build_plan
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config import Resolution, resolve
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.config.problems import omitted_line, problems_to_print
from genpack_tui.engine.runtime.binfmt import is_emulated_build
from genpack_tui.engine.runtime.confined import UnsafePathError

WHERE_LABEL = {"lower": "lower container", "upper": "upper container", "host": "host"}


class NoPlan(Exception):
    """The artifact cannot be planned (not a configuration error): the message says why."""


def resolve_plan(request: BuildRequest) -> tuple[Resolution, BuildPlan | None]:
    """The resolution of ``request``'s artifact, variant and arch, and its plan (None when it has errors).
    NoPlan: an input tree the build would refuse (overlay/ a link out of the artifact)."""
    res = resolve(request.artifact_path, variant=request.variant, arch=request.arch)
    if not res.ok or res.derived is None:
        return res, None
    try:
        plan = build_plan(request, res.derived, emulated=is_emulated_build(res.arch), cpu_count=os.cpu_count() or 1)
    except UnsafePathError as exc:
        raise NoPlan(str(exc)) from None
    return res, plan


def run_plan(request: BuildRequest, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Print the plan; 0 when the configuration has no error, 1 (the problems on ``err``) otherwise."""
    try:
        res, plan = resolve_plan(request)
    except NoPlan as exc:
        print(f"genpack-tui: error: {escape_controls(str(exc))}", file=err)
        return 1
    if plan is None:
        shown, omitted = problems_to_print(res.problems)
        for problem in shown:
            print(escape_controls(str(problem)), file=err)
        if omitted:
            print(omitted_line(omitted), file=err)
        print("genpack-tui: error: no plan: the configuration has errors", file=err)
        return 1
    for problem in res.warnings:
        print(escape_controls(str(problem)), file=err)
    if as_json:
        out.write(json.dumps(plan.to_json(), indent=2) + "\n")
    else:
        out.write(plan_text(plan))
    return 0


def plan_text(plan: BuildPlan) -> str:
    """The human view: the profile, every Portage file with its content, then each phase's steps."""
    lines = [f"Plan for {escape_controls(plan.name)} · variant {escape_controls(plan.variant or '(none)')} · "
             f"{plan.arch}{' (emulated)' if plan.emulated else ''}",
             "What each phase runs when it runs; a step marked 'only when' depends on what the build finds.",
             "", f"profile: {plan.profile}", "",
             "Portage files written into the lower image:"]
    for path, content in plan.portage_files.items():
        lines.append(f"  /{path}" + ("" if content else "  (empty)"))
        lines += [f"    | {escape_controls(line)}" for line in content.splitlines()]
    for phase in ("lower", "upper", "pack"):
        lines += ["", f"{phase}:"]
        if phase == "pack":
            lines.append(f"  outfile: {escape_controls(plan.outfile)}  compression: {plan.compression}")
        for number, step in enumerate(plan.phase(phase), 1):
            lines += _step_lines(number, step)
    return "\n".join(lines) + "\n"


def _step_lines(number: int, step: PlanStep) -> list[str]:
    lines = [f"  {number:>2}. [{WHERE_LABEL[step.where]}] {escape_controls(step.title)}"]
    if step.when:
        lines.append(f"      only when: {CONDITIONS[step.when]}")
    if step.argv:
        lines.append(f"      $ {escape_controls(shlex.join(step.argv))}")
    if step.in_container:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in step.env.items())
        lines.append(f"      env: {escape_controls(env) or '(none)'}")
        if step.binds:
            lines.append(f"      binds: {', '.join(step.binds)}")
    if not step.check:
        lines.append("      a failure does not stop the phase")
    if step.stdin is not None:
        lines.append("      stdin:")
        lines += [f"        | {escape_controls(line)}" for line in step.stdin.splitlines()]
    return lines
