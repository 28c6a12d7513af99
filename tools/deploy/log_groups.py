"""The functions' log groups with the stage's retention, after `chalice deploy`.

Chalice 1.34 makes a log group with the stage's `log_retention_in_days` per function, named
after the function's Chalice name (`/aws/lambda/todo-api-<stage>-api_handler`), but it
names the API handler's function after the stage alone (`todo-api-<stage>`): Lambda writes
that function's logs to a group of its own, kept forever (aws/chalice#2079).
`python -m tools.deploy.log_groups --stage prod`, which `make deploy` runs after `chalice
deploy`, makes each function's real group if Lambda has not yet, and sets its retention.
"""

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import boto3

from tools.deploy.stage import FUNCTIONS, DeployedStage, deployed_stage


def ensure_retention(logs: Any, stage: DeployedStage) -> Iterator[str]:
    """One line per function's log group: its retention, set where Chalice left it unset."""
    days = stage.runtime.log_retention_days
    if days is None:
        return
    for function in FUNCTIONS:
        group = stage.log_group(function)
        if group == stage.chalice_log_group(function):
            continue  # Chalice's own group, with its retention
        # Lambda makes it on the function's first log line, if that came first.
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=group, tags=stage.tags)
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)
        yield f"log group {group}: retention {days} days"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    stage = deployed_stage(parser.parse_args(argv).stage)
    for line in ensure_retention(boto3.client("logs"), stage):
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
