"""`python -m tools.deploy.rehearsal`: see tools.deploy.rehearsal.run."""

import sys

from tools.deploy.rehearsal.run import main

sys.exit(main())
