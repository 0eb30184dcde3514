"""Modal screens of the workbench: help and the path prompt."""
