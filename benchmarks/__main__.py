"""``python -m benchmarks``: see benchmarks.suite."""
from .suite import main

main()
