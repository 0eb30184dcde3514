"""How the engine's figures are written for people: sizes and durations (the headless renderer and the
workbench share them)."""
