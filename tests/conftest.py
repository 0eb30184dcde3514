"""Shared pytest set-up: every module in tests/fixtures/ is a fixture plugin owned by one area."""
import pathlib

_FIXTURES = pathlib.Path(__file__).parent / "fixtures"
pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}" for p in _FIXTURES.glob("*.py") if p.stem != "__init__"
)
