"""What the emulated account holds, by kind and name, and the removal commands run as written.

A destroy is checked by difference: what the account holds after it, against what it held
before the path began, must be exactly what tools.deploy.destroy (and docs/deploy.md) say
is kept. The removal commands that destroy prints are then run, each AWS CLI command as the
one API call it stands for, and the account must be back where it was.
"""

from collections.abc import Iterator
from typing import Any

from tools.deploy.destroy import Command, Holding
from tools.deploy.rehearsal.emulator import Emulator


def _pages(client: Any, operation: str, key: str, **request: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**request):
        yield from page[key]


def _holdings(emulator: Emulator) -> Iterator[Holding]:
    client = emulator.client
    yield from (
        Holding("table", t) for t in _pages(client("dynamodb"), "list_tables", "TableNames")
    )
    ssm, idp, lam = client("ssm"), client("cognito-idp"), client("lambda")
    yield from (
        Holding("parameter", p["Name"]) for p in _pages(ssm, "describe_parameters", "Parameters")
    )
    pools = _pages(idp, "list_user_pools", "UserPools", MaxResults=60)
    yield from (Holding("user pool", pool["Name"]) for pool in pools)
    yield from (
        Holding("function", f["FunctionName"]) for f in _pages(lam, "list_functions", "Functions")
    )
    yield from (
        Holding("layer", layer["LayerName"]) for layer in _pages(lam, "list_layers", "Layers")
    )
    roles = _pages(client("iam"), "list_roles", "Roles")
    yield from (Holding("role", role["RoleName"]) for role in roles)
    groups = _pages(client("logs"), "describe_log_groups", "logGroups")
    yield from (Holding("log group", group["logGroupName"]) for group in groups)
    apis = _pages(client("apigateway"), "get_rest_apis", "items")
    yield from (Holding("rest api", f"{api['name']} {api['id']}") for api in apis)
    http_apis = client("apigatewayv2").get_apis()["Items"]
    yield from (Holding("http api", f"{api['Name']} {api['ApiId']}") for api in http_apis)
    stacks = _pages(client("cloudformation"), "list_stacks", "StackSummaries")
    live = (s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE")
    yield from (Holding("stack", stack["StackName"]) for stack in live)
    yield from (Holding("bucket", b["Name"]) for b in client("s3").list_buckets()["Buckets"])


def holdings(emulator: Emulator) -> set[Holding]:
    return set(_holdings(emulator))


def _pascal(option: str) -> str:
    return "".join(part.capitalize() for part in option.split("-"))


def cli_call(command: Command) -> tuple[str, str, dict[str, Any]]:
    """The API call an `aws SERVICE OPERATION --option value ...` command makes:
    (service, boto3 method, parameters); `--no-x` is X False, a bare `--x` is X True."""
    _, service, operation, *options = command
    parameters: dict[str, Any] = {}
    while options:
        option = options.pop(0).removeprefix("--")
        if option.startswith("no-"):
            parameters[_pascal(option.removeprefix("no-"))] = False
        elif not options or options[0].startswith("--"):
            parameters[_pascal(option)] = True
        else:
            parameters[_pascal(option)] = options.pop(0)
    return service, operation.replace("-", "_"), parameters


def run_command(emulator: Emulator, command: Command) -> None:
    service, method, parameters = cli_call(command)
    getattr(emulator.client(service), method)(**parameters)
