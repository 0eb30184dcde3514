"""Build history: what each build did and what its image holds (docs/history.md)."""
