"""Developer commands behind the Makefile, as packages by concern; none of this ships to Lambda.

- `tools.local`: the local stack of `make run` and `make token`, fully offline.
- `tools.deploy`: everything that takes a stage to AWS: the stage model, IAM, provisioning,
  packaging and what it adds to the template, and the templates' lint.
- `tools.cost`: the cost model of `make cost`.
"""

from pathlib import Path

# The repository's root: where .chalice/, web/ and the Makefile are.
PROJECT_DIR = Path(__file__).resolve().parent.parent
