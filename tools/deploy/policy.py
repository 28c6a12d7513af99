"""Writes a deployed stage's IAM policies: `python -m tools.deploy.policy --stage prod`.

Chalice's automatic policy reads only app.py, so it misses every call made in
chalicelib/. These files hold the statements tools.deploy.iam builds: the stage's table and
secret, the function's own log group and, on traced stages, X-Ray. Each function with
an `iam_policy_file` in the stage's config gets its own: the API handler the
stage-level one, the authorizer the one under `lambda_functions`, and the authorizer,
which only reads the secret, gets no DynamoDB access.
"""

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.deploy import iam
from tools.deploy.stage import API_HANDLER, CONFIG_PATH, deployed_stage


class PolicyFileTarget(iam.Target):
    """ARNs that leave region and account open, so that one file serves any account."""

    api_handler = API_HANDLER
    # `chalice deploy` makes no log group: Lambda creates it on the first log line.
    creates_log_groups = True
    grants_tracing = True

    def table(self) -> list[str]:
        return [f"arn:aws:dynamodb:*:*:table/{self.stage.table_name}"]

    def secret(self) -> list[str]:
        return [f"arn:aws:ssm:*:*:parameter/{self.parameter_path}"]

    def identity_settings(self) -> list[str]:
        # `chalice deploy` gives the authorizer a static environment: it reads the pool's
        # ids from the parameter `make provision` publishes (chalicelib.identity).
        return [f"arn:aws:ssm:*:*:parameter/{self.identity_parameter}"]

    def log_groups(self, functions: Sequence[str]) -> list[str]:
        groups = [f"arn:aws:logs:*:*:log-group:{self.stage.log_group(f)}" for f in functions]
        # The group itself (to create it) and its streams (to write them).
        return [arn for group in groups for arn in (group, f"{group}:*")]


def functions(stage: str) -> list[str]:
    """The stage's functions that have a policy file of their own."""
    return list(deployed_stage(stage).policy_files)


def function_policy(stage: str, function: str) -> dict[str, Any]:
    return iam.policy_document(PolicyFileTarget(deployed_stage(stage)), [function])


def policy_path(stage: str, function: str) -> Path:
    return CONFIG_PATH.parent / deployed_stage(stage).policy_files[function]


def render(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


def write(stage: str, function: str) -> str:
    text = render(function_policy(stage, function))
    path = policy_path(stage, function)
    shown = path.relative_to(CONFIG_PATH.parent.parent)
    if path.exists() and path.read_text() == text:
        return f"{shown}: unchanged"
    path.write_text(text)
    return f"{shown}: written"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args()
    for function in functions(args.stage):
        print(write(args.stage, function))


if __name__ == "__main__":
    main()
