"""Benchmarks of tvox-journey: real server processes over loopback, a separate load-generating process.

Run them with `python -m bench` (see docs/benchmarks.md); `--quick` is a smoke run.
"""
