"""Benchmarks the way an operator would run them: `python -m bench` (see bench.__main__)."""
