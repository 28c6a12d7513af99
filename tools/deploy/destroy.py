"""Removes a stage's `chalice deploy` resources and says what it keeps: `make destroy STAGE=dev`.

`python -m tools.deploy.destroy --stage dev` runs `chalice delete` when Chalice's record
(.chalice/deployed/<stage>.json) exists, then finds by name whatever of the stage is left,
which is everything when the record is missing (Chalice writes none when a deploy fails
half-way): the functions, their roles, their log groups (Chalice's and Lambda's), and the
REST API whose integrations name the stage's API handler. It deletes those and then lists,
each with the commands that remove it, what it keeps on purpose: the data and the
identities (the table, the signing secret, and on a Cognito stage the user pool and the
parameter that publishes it). docs/deploy.md says the same (a test holds them together).
"""

import argparse
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tools import PROJECT_DIR
from tools.deploy.stage import API_HANDLER, AUTHORIZER, FUNCTIONS, DeployedStage, deployed_stage

Command = tuple[str, ...]


@dataclass(frozen=True, order=True)
class Holding:
    """Something an account holds, by kind and name (an API by its id)."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Kept:
    holding: Holding
    why: str
    removal: tuple[Command, ...]


def record(stage: DeployedStage) -> Path:
    return PROJECT_DIR / ".chalice" / "deployed" / f"{stage.name}.json"


def _find_pool(idp: Any, name: str) -> str | None:
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    return None


def _pool_kept(idp: Any, stage: DeployedStage) -> Iterator[Kept]:
    name = f"{stage.prefix}-users"
    pool_id = _find_pool(idp, name)
    if pool_id is None:
        return
    domain = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"].get("Domain")
    removal: list[Command] = []
    if stage.deletion_protection:
        removal.append(
            (
                "aws",
                "cognito-idp",
                "update-user-pool",
                "--user-pool-id",
                pool_id,
                "--deletion-protection",
                "INACTIVE",
            )
        )
    if domain:
        removal.append(
            (
                "aws",
                "cognito-idp",
                "delete-user-pool-domain",
                "--domain",
                domain,
                "--user-pool-id",
                pool_id,
            )
        )
    removal.append(("aws", "cognito-idp", "delete-user-pool", "--user-pool-id", pool_id))
    why = "the users' accounts, with its client, scopes and hosted-UI domain"
    yield Kept(Holding("user pool", name), why, tuple(removal))
    parameter = stage.function_environment(AUTHORIZER)["OIDC_SETTINGS_PARAMETER"]
    yield Kept(
        Holding("parameter", parameter),
        "the pool's issuer and client id, for the authorizer",
        (("aws", "ssm", "delete-parameter", "--name", parameter),),
    )


def kept(stage: DeployedStage, idp: Any) -> list[Kept]:
    """What a destroy keeps, with the commands that remove each, in their order."""
    table = stage.table_name
    drop_table: list[Command] = []
    if stage.deletion_protection:
        drop_table.append(
            (
                "aws",
                "dynamodb",
                "update-table",
                "--table-name",
                table,
                "--no-deletion-protection-enabled",
            )
        )
    drop_table.append(("aws", "dynamodb", "delete-table", "--table-name", table))
    found = [
        Kept(Holding("table", table), "the users' todos", tuple(drop_table)),
        Kept(
            Holding("parameter", stage.secret_parameter),
            "the signing secret: tokens and list cursors",
            (("aws", "ssm", "delete-parameter", "--name", stage.secret_parameter),),
        ),
    ]
    if stage.identity == "cognito":
        found += _pool_kept(idp, stage)
    return found


def _stage_api(apigateway: Any, stage: DeployedStage, api_id: str) -> bool:
    """Whether the REST API's integrations invoke the stage's API handler."""
    handler = f":function:{stage.function_name(API_HANDLER)}/"
    for resource in apigateway.get_resources(restApiId=api_id, limit=500)["items"]:
        for method in resource.get("resourceMethods", {}):
            if method == "OPTIONS":
                continue
            uri = apigateway.get_integration(
                restApiId=api_id, resourceId=resource["id"], httpMethod=method
            ).get("uri", "")
            return handler in uri
    return False


def _delete_role(iam: Any, name: str) -> None:
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def sweep(session: Any, stage: DeployedStage) -> Iterator[str]:
    """Deletes what is left of the stage's Chalice resources; one line for each."""
    lam, iam, logs = (session.client(name) for name in ("lambda", "iam", "logs"))
    apigateway = session.client("apigateway")
    for function in FUNCTIONS:
        name = stage.function_name(function)
        try:
            lam.delete_function(FunctionName=name)
            yield f"deleted function {name}"
        except lam.exceptions.ResourceNotFoundException:
            pass
        try:
            _delete_role(iam, stage.role_name(function))
            yield f"deleted role {stage.role_name(function)}"
        except iam.exceptions.NoSuchEntityException:
            pass
        for group in sorted({stage.chalice_log_group(function), stage.log_group(function)}):
            try:
                logs.delete_log_group(logGroupName=group)
                yield f"deleted log group {group}"
            except logs.exceptions.ResourceNotFoundException:
                pass
    for page in apigateway.get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"] == stage.app_name and _stage_api(apigateway, stage, api["id"]):
                apigateway.delete_rest_api(restApiId=api["id"])
                yield f"deleted REST API {api['id']}"


def destroy(session: Any, stage: DeployedStage) -> Iterator[str]:
    if record(stage).is_file():
        chalice = Path(sys.executable).with_name("chalice")
        command = [str(chalice), "--project-dir", str(PROJECT_DIR), "delete", "--stage", stage.name]
        subprocess.run(command, check=True)  # noqa: S603 - fixed argv
    else:
        yield f"no .chalice/deployed/{stage.name}.json: finding the stage's resources by name"
    yield from sweep(session, stage)
    yield "kept, on purpose (remove each with the commands below, in order; docs/deploy.md):"
    for item in kept(stage, session.client("cognito-idp")):
        yield f"  {item.holding}: {item.why}"
        yield from (f"    {' '.join(command)}" for command in item.removal)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    stage = deployed_stage(parser.parse_args(argv).stage)
    for line in destroy(boto3.Session(), stage):
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
