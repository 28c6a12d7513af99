"""Benchmarks of what the project budgets: `make bench` (`python -m bench`) prints figures.

Nothing here asserts a time: machines are shared and noisy, so the figures are read by
people, never checked by tests. See bench/__main__.py for what is measured and how.
"""
