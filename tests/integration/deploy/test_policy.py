"""`make policy` run as a person runs it leaves the committed policies unchanged."""

import subprocess
import sys

from tests.support.stack import PROJECT_DIR as ROOT
from tools.deploy.policy import functions, policy_path

DEPLOYED = ["dev", "prod"]


EVERY_POLICY = [(stage, function) for stage in DEPLOYED for function in functions(stage)]


def test_make_policy_leaves_committed_files_unchanged():
    before = {key: policy_path(*key).read_text() for key in EVERY_POLICY}
    for stage in DEPLOYED:
        result = subprocess.run(
            [sys.executable, "-m", "tools.deploy.policy", "--stage", stage],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout.count("unchanged") == len(functions(stage))
    assert {key: policy_path(*key).read_text() for key in EVERY_POLICY} == before
