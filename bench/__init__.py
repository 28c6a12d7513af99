"""Benchmarks of what the project budgets: `make bench` (`python -m bench`) prints figures.

Nothing here asserts a time: machines are shared and noisy, so the figures are read by
people, never checked by tests. See bench/__main__.py for what is measured and how.
"""

# The lines `make bench BENCH_ARGS=--write-docs` puts into docs/performance.md: the figures
# the budgets judge, as printed.
KEPT: list[str] = []


def say(text: str = "", *, keep: bool = False) -> None:
    """Prints a line of the report at once: a long run shows its progress."""
    print(text, flush=True)
    if keep:
        KEPT.append(text)
