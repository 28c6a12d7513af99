"""The deploy check, before `chalice deploy` creates anything: `make deploy-check STAGE=prod`.

`python -m tools.deploy.check --stage prod` stops, with what to do, a deploy that would fail
half-way or leave a stage that cannot verify its tokens:

- a Cognito stage whose config names no cryptography layer (tools.deploy.stage);
- a layer that is not in the deploy's region, or not built for the stage's architecture:
  an x86_64 layer on prod's arm64 authorizer would make every RS256 token a 500;
- reserved concurrency the account cannot give: AWS keeps 100 of the account's concurrency
  unreserved, new accounts may have as little as 10 in all, and Chalice sets the
  reservation only after it has created the function.

It only reads: lambda:GetLayerVersion, lambda:GetAccountSettings, lambda:GetFunctionConcurrency.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tools.deploy.stage import FUNCTIONS, DeployedStage, StageError, deployed_stage, layers
from tools.deploy.stage import check_chalice_deploy as check_config

# Lambda always keeps this much of an account's concurrency unreserved.
UNRESERVED_MINIMUM = 100


def check_layer(lambda_client: Any, stage: DeployedStage, arn: str, region: str) -> None:
    """The layer exists in the deploy's region and is built for the stage's architecture."""
    arch = stage.runtime.architecture
    if arn.split(":")[3:4] != [region]:
        raise StageError(
            f"layer {arn} is not in {region}, where stage {stage.name} deploys: publish it "
            f"there (make layer ARCH={arch}; docs/deploy.md) and name that version"
        )
    try:
        version = lambda_client.get_layer_version_by_arn(Arn=arn)
    except lambda_client.exceptions.ResourceNotFoundException:
        raise StageError(f"layer {arn} does not exist: publish it (docs/deploy.md)") from None
    built_for = version.get("CompatibleArchitectures") or []
    if arch not in built_for:
        raise StageError(
            f"layer {arn} is built for {', '.join(built_for) or 'no declared architecture'}, "
            f"but stage {stage.name}'s functions run on {arch}: make layer ARCH={arch}, publish "
            f"it with --compatible-architectures {arch} and name that version"
        )


def _reserved(lambda_client: Any, function: str) -> int:
    try:
        found = lambda_client.get_function_concurrency(FunctionName=function)
    except lambda_client.exceptions.ResourceNotFoundException:
        return 0
    return int(found.get("ReservedConcurrentExecutions") or 0)


def check_concurrency(lambda_client: Any, stage: DeployedStage) -> None:
    """The stage's reservations leave the account the unreserved concurrency AWS keeps."""
    each = stage.runtime.reserved_concurrency
    if not each:
        return
    limits = lambda_client.get_account_settings()["AccountLimit"]
    names = [stage.function_name(function) for function in FUNCTIONS]
    # A redeploy's functions already hold their reservation: it is taken, then given again.
    held = sum(_reserved(lambda_client, name) for name in names)
    left = limits["UnreservedConcurrentExecutions"] + held - each * len(names)
    if left < UNRESERVED_MINIMUM:
        raise StageError(
            f"stage {stage.name} reserves {each} concurrent executions for each of its "
            f"{len(names)} functions, but the account's limit is "
            f"{limits['ConcurrentExecutions']} ({limits['UnreservedConcurrentExecutions']} "
            f"unreserved) and Lambda keeps {UNRESERVED_MINIMUM} unreserved: ask for more "
            "(Service Quotas, AWS Lambda, Concurrent executions) or lower reserved_concurrency "
            "in .chalice/config.json"
        )


def check(lambda_client: Any, name: str, region: str) -> None:
    check_config(name)
    stage = deployed_stage(name)
    for arn in layers(name):
        check_layer(lambda_client, stage, arn, region)
    check_concurrency(lambda_client, stage)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    name = parser.parse_args(argv).stage
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    session = boto3.Session(region_name=region)
    if session.region_name is None:
        print("deploy check: no AWS region: set AWS_DEFAULT_REGION", file=sys.stderr)
        return 1
    try:
        check(session.client("lambda"), name, session.region_name)
    except (StageError, ClientError, BotoCoreError) as error:
        print(f"deploy check: {error}", file=sys.stderr)
        return 1
    print(f"deploy check: stage {name} can deploy to {session.region_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
