"""`python -m tools.deploy.package`: see tools.deploy.package.build."""

from tools.deploy.package.build import main

main()
