"""`python -m tools.cost`: see tools.cost.report."""

from tools.cost.report import main

main()
