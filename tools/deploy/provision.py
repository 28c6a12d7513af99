"""Creates what `chalice deploy` cannot for a deployed stage: table, secret, user pool.

`python -m tools.deploy.provision --stage prod` (`make provision STAGE=prod`) creates, or brings
to the wanted state, the stage's DynamoDB table (TABLE_NAME: keys ownerId/todoId,
on-demand, encrypted with the AWS managed KMS key, point-in-time recovery, TTL on
expiresAt, deletion protection where tools.deploy.stage says so, the stage's tags) and its
HS256 signing secret (the SSM SecureString JWT_SECRET_PARAMETER, a random value created
only if missing). On a stage whose identity is cognito it also makes the stage's user
pool, resource server, app client and hosted-UI domain (tools.deploy.user_pool) and publishes
the pool's issuer and client id in the SSM String OIDC_SETTINGS_PARAMETER, where the
authorizer reads them. Running it again changes nothing. It prints one line per resource
and never the secret.
"""

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.store import TTL_ATTRIBUTE
from tools.deploy import user_pool
from tools.deploy.stage import AUTHORIZER, DeployedStage, StageError, deployed_stage, tag_list
from tools.deploy.table import KEY_SCHEMA, enable_ttl, table_definition

SECRET_BYTES = 48  # token_urlsafe(48): 64 characters of URL-safe text, 384 random bits
PITR_ATTEMPTS = 12
PITR_DELAY_SECONDS = 5.0
ROTATED = "updated value (rotated; running containers keep the old one until recycled)"


class ProvisionError(RuntimeError):
    """A resource exists in a state this tool must not, or cannot, repair by itself."""


# --- the table ---------------------------------------------------------------------------


def create_request(stage: DeployedStage) -> dict[str, Any]:
    """CreateTable parameters: the shared definition plus what a deployed stage adds."""
    return {
        **table_definition(stage.table_name),
        # KMS with no key id is the AWS managed key alias/aws/dynamodb.
        "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
        "DeletionProtectionEnabled": stage.deletion_protection,
        "Tags": tag_list(stage.tags),
    }


def _describe_table(dynamodb: Any, table_name: str) -> dict[str, Any] | None:
    try:
        table: dict[str, Any] = dynamodb.describe_table(TableName=table_name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return None
    if table["TableStatus"] != "ACTIVE":
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)
        table = dynamodb.describe_table(TableName=table_name)["Table"]
    return table


def provision_table(
    dynamodb: Any, stage: DeployedStage, sleep: Callable[[float], None] = time.sleep
) -> str:
    """Creates the table, or brings an existing one to the wanted settings; one line."""
    table_name = stage.table_name
    table = _describe_table(dynamodb, table_name)
    if table is None:
        dynamodb.create_table(**create_request(stage))
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)
        enable_pitr(dynamodb, table_name, sleep)
        enable_ttl(dynamodb, table_name)
        protection = "on" if stage.deletion_protection else "off"
        return (
            f"table {table_name}: created (on-demand, KMS encryption, point-in-time "
            f"recovery, TTL on {TTL_ATTRIBUTE}, deletion protection {protection})"
        )
    _check_keys(table)
    changes = [
        *_ensure_pitr(dynamodb, table_name, sleep),
        *_ensure_ttl(dynamodb, table_name),
        *_ensure_deletion_protection(dynamodb, table, stage),
        *_ensure_tags(dynamodb, table, stage.tags),
    ]
    return f"table {table_name}: " + (f"updated {', '.join(changes)}" if changes else "unchanged")


def _check_keys(table: dict[str, Any]) -> None:
    if table["KeySchema"] != KEY_SCHEMA:
        raise ProvisionError(
            f"table {table['TableName']} has key schema {table['KeySchema']}, not "
            f"{KEY_SCHEMA}; keys cannot change without recreating the table"
        )


def _ensure_pitr(dynamodb: Any, table_name: str, sleep: Callable[[float], None]) -> list[str]:
    backups = dynamodb.describe_continuous_backups(TableName=table_name)
    description = backups["ContinuousBackupsDescription"]
    status = description.get("PointInTimeRecoveryDescription", {})
    if status.get("PointInTimeRecoveryStatus") == "ENABLED":
        return []
    enable_pitr(dynamodb, table_name, sleep)
    return ["point-in-time recovery"]


def enable_pitr(dynamodb: Any, table_name: str, sleep: Callable[[float], None]) -> None:
    """Turns PITR on; a table created moments ago may refuse until its backups are ready."""
    for attempt in range(1, PITR_ATTEMPTS + 1):
        try:
            dynamodb.update_continuous_backups(
                TableName=table_name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
            return
        except dynamodb.exceptions.ContinuousBackupsUnavailableException:
            if attempt == PITR_ATTEMPTS:
                raise
            sleep(PITR_DELAY_SECONDS)


def _ensure_ttl(dynamodb: Any, table_name: str) -> list[str]:
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    status = ttl.get("TimeToLiveStatus", "DISABLED")
    attribute = ttl.get("AttributeName")
    if status in ("ENABLED", "ENABLING") and attribute == TTL_ATTRIBUTE:
        return []
    if status != "DISABLED":
        # AWS allows one TTL change per table per hour or so; switching attributes means
        # disabling first. Left to a person, who can tell why it was set that way.
        raise ProvisionError(
            f"table {table_name}: TTL is {status.lower()} on {attribute!r}, but the API "
            f"expires idempotency records through {TTL_ATTRIBUTE!r}; disable TTL, then "
            "rerun once AWS allows the change"
        )
    enable_ttl(dynamodb, table_name)
    return [f"TTL on {TTL_ATTRIBUTE}"]


def _ensure_deletion_protection(
    dynamodb: Any, table: dict[str, Any], stage: DeployedStage
) -> list[str]:
    if not stage.deletion_protection or table.get("DeletionProtectionEnabled", False):
        return []
    dynamodb.update_table(TableName=table["TableName"], DeletionProtectionEnabled=True)
    return ["deletion protection"]


def _ensure_tags(dynamodb: Any, table: dict[str, Any], wanted: dict[str, str]) -> list[str]:
    current = _table_tags(dynamodb, table["TableArn"])
    missing = {key: value for key, value in wanted.items() if current.get(key) != value}
    if not missing:
        return []
    dynamodb.tag_resource(
        ResourceArn=table["TableArn"],
        Tags=tag_list(missing),
    )
    return ["tags " + ", ".join(f"{key}={value}" for key, value in missing.items())]


def _table_tags(dynamodb: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    request: dict[str, str] = {"ResourceArn": arn}
    while True:
        page = dynamodb.list_tags_of_resource(**request)
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
        if not page.get("NextToken"):
            return tags
        request["NextToken"] = page["NextToken"]


# --- the signing secret --------------------------------------------------------------------


def provision_secret(ssm: Any, stage: DeployedStage, rotate: bool = False) -> str:
    """Creates the SecureString if missing; overwrites it only when asked to rotate.

    The value is made here, sent to SSM and forgotten: it is never printed or logged.
    """
    name = stage.secret_parameter
    kind = _parameter_type(ssm, name)
    if kind is not None and kind != "SecureString":
        raise ProvisionError(
            f"secret {name}: exists as a {kind}, not a SecureString; delete it "
            f"(aws ssm delete-parameter --name {name}) and run this again"
        )
    if kind is None:
        return _create_secret(ssm, stage)
    if not rotate:
        return f"secret {name}: unchanged"
    ssm.put_parameter(
        Name=name,
        Value=secrets.token_urlsafe(SECRET_BYTES),
        Type="SecureString",
        Overwrite=True,
    )
    return f"secret {name}: {ROTATED}"


def _create_secret(ssm: Any, stage: DeployedStage) -> str:
    name = stage.secret_parameter
    try:
        ssm.put_parameter(
            Name=name,
            Description=f"HS256 signing secret of {stage.app_name} stage {stage.name}",
            Value=secrets.token_urlsafe(SECRET_BYTES),
            Type="SecureString",
            Overwrite=False,  # never replace a secret someone made in the meantime
            Tags=tag_list(stage.tags),
        )
    except ssm.exceptions.ParameterAlreadyExists:
        return f"secret {name}: unchanged (created concurrently by someone else)"
    return f"secret {name}: created (SecureString)"


def _parameter_type(ssm: Any, name: str) -> str | None:
    """The parameter's type, from its metadata alone (its value is never read)."""
    pages = ssm.get_paginator("describe_parameters").paginate(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )
    for page in pages:
        for parameter in page["Parameters"]:
            if parameter["Name"] == name:
                return str(parameter["Type"])
    return None


# --- the user pool ----------------------------------------------------------------------------


def provision_user_pool(idp: Any, ssm: Any, stage: DeployedStage, account: str) -> Iterator[str]:
    """The stage's pool and its parts, then the parameter that tells the authorizer."""
    parameter = stage.function_environment(AUTHORIZER).get("OIDC_SETTINGS_PARAMETER")
    if not parameter:
        raise ProvisionError(
            f"stage {stage.name}: identity cognito needs OIDC_SETTINGS_PARAMETER in "
            f"lambda_functions.{AUTHORIZER}.environment_variables, where the authorizer "
            "reads the pool's issuer and client id"
        )
    published, lines = user_pool.provision_pool(idp, user_pool.definition(stage, account))
    yield from lines
    yield user_pool.publish(ssm, parameter, published, stage.tags)


# --- the command -------------------------------------------------------------------------


def provision(
    dynamodb: Any,
    ssm: Any,
    stage: str,
    secret_only: bool = False,
    rotate_secret: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    idp: Any = None,
    account: str = "",
) -> Iterator[str]:
    """Provisions the stage, yielding one line per resource as it is done.

    idp, the Cognito client, and account, the account's id (the pool's domain prefix
    holds it), are needed on a stage whose identity is cognito, unless secret_only (the
    packaged template makes the pool).
    """
    deployed = deployed_stage(stage)
    if not secret_only:
        yield provision_table(dynamodb, deployed, sleep)
    yield provision_secret(ssm, deployed, rotate_secret)
    if deployed.identity == "cognito" and not secret_only:
        yield from provision_user_pool(idp, ssm, deployed, account)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.deploy.provision",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--stage", required=True, help="a deployed stage: dev or prod (local is refused)"
    )
    parser.add_argument(
        "--secret-only",
        action="store_true",
        help="provision only the signing secret (the CloudFormation deploy path, where the "
        "packaged template creates the table and the user pool)",
    )
    parser.add_argument(
        "--rotate-secret",
        action="store_true",
        help="overwrite the signing secret with a new random value. Running Lambda "
        "containers keep the old secret until they are recycled (a deploy that changes "
        "the functions recycles them): until then old and new secrets are both in use, "
        "and afterwards tokens and list cursors made with the old one are rejected",
    )
    return parser.parse_args(argv)


def _session() -> Any:
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or None
    session = boto3.Session(region_name=region)
    if session.region_name is None:
        raise ProvisionError("no AWS region: set AWS_DEFAULT_REGION (or AWS_REGION)")
    return session


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        deployed_stage(args.stage)
        session = _session()
        print(f"provisioning stage {args.stage} in {session.region_name}", flush=True)
        lines = provision(
            session.client("dynamodb"),
            session.client("ssm"),
            args.stage,
            secret_only=args.secret_only,
            rotate_secret=args.rotate_secret,
            idp=session.client("cognito-idp"),
            account=session.client("sts").get_caller_identity()["Account"],
        )
        for line in lines:
            print(line, flush=True)
    except (ProvisionError, user_pool.PoolError, StageError, ClientError, BotoCoreError) as error:
        print(f"provision: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
