"""Prints the plan parity figures (tests/differential/test_plan_vs_genpack.py) in pytest's summary."""
from __future__ import annotations

from tests.differential.plan_compare import PARITY_REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    if PARITY_REPORT:
        terminalreporter.section("genpack differential")
        for line in PARITY_REPORT:
            terminalreporter.write_line(line)
