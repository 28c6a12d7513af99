"""Benchmarks of what the project budgets: `make bench` (`python -m bench`) prints figures.

Nothing here asserts a time: machines are shared and noisy, so the figures are read by
people, never checked by tests. See bench/__main__.py for what is measured and how.
"""


def say(text: str = "") -> None:
    """Prints a line of the report at once: a long run shows its progress."""
    print(text, flush=True)
