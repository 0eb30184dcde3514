"""How the headless renderer (genpack_tui/headless_renderer.py) fits where it runs: the console it prints
through, the CI service's log commands, the job summary."""
