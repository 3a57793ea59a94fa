"""`python -m bench`: run the benchmarks (docs/benchmarks.md)."""

from bench.run import main

main()
