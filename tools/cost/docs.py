"""`make cost`'s figures as the docs show them, in generated blocks (see tools.docs):

- `make cost [VAR=value …]`: what the command prints with those make variables, verbatim;
- `make cost: per million`: prod's price per million requests on each gateway, for prose;
- `make cost: per million by traffic`: the same at a tenth and ten times the traffic;
- `make cost: what a request uses`: each operation's DynamoDB units, body and log lines.
"""

import shlex

from tools.cost.estimate import (
    APIS,
    DEFAULT_REQUESTS,
    DEFAULT_STAGE,
    Estimate,
    estimate,
    inputs_for,
)
from tools.cost.prices import load_prices
from tools.cost.report import printed
from tools.cost.usage import (
    DEFAULT_PAGE_ITEMS,
    LAMBDA_IDS,
    OPERATIONS,
    access_log_bytes,
    app_log_bytes,
    body_bytes,
    perform,
)
from tools.deploy.stage import load_stage

COMMAND = "make cost"
TRAFFIC = (DEFAULT_REQUESTS // 10, DEFAULT_REQUESTS, DEFAULT_REQUESTS * 10)


def options(variables: list[str]) -> list[str]:
    """The command line make passes for these variables (the Makefile's cost_options)."""
    argv = []
    for variable in variables:
        name, _, value = variable.partition("=")
        argv += [f"--{name.lower().replace('_', '-')}", value]
    return argv


def report_block(variables: list[str]) -> str:
    command = shlex.join([*COMMAND.split(), *variables])
    return f"```text\n$ {command}\n{printed(options(variables))}\n```\n"


def estimates(requests: int) -> list[Estimate]:
    """Prod's month on each gateway at this traffic, with every other input the default."""
    inputs = inputs_for(load_stage(DEFAULT_STAGE), requests=requests)
    prices = load_prices()
    return [estimate(inputs, prices, api) for api in APIS]


def per_million_sentence() -> str:
    rest, http = estimates(DEFAULT_REQUESTS)
    return (
        f"At {DEFAULT_REQUESTS:,} requests a month, {DEFAULT_STAGE} costs "
        f"**${rest.per_million():.2f} per million requests** on the REST API and "
        f"**${http.per_million():.2f}** on an HTTP API.\n"
    )


def traffic_table() -> str:
    lines = [
        "| requests a month | REST API, per million | HTTP API, per million |",
        "| ---: | ---: | ---: |",
    ]
    for requests in TRAFFIC:
        rest, http = estimates(requests)
        lines.append(f"| {requests:,} | ${rest.per_million():.2f} | ${http.per_million():.2f} |")
    return "\n".join(lines) + "\n"


def usage_table() -> str:
    stage = load_stage(DEFAULT_STAGE)
    ids = LAMBDA_IDS["rest"]
    lines = [
        "| operation | RRU | WRU | response body, bytes | API handler's log line, bytes "
        "| access log line, bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for operation in OPERATIONS:
        performed = perform(operation)
        size = body_bytes(performed.body)
        name = f"{operation} ({DEFAULT_PAGE_ITEMS} todos)" if operation == "list" else operation
        lines.append(
            f"| {name} | {performed.units.read:g} | {performed.units.write:g} | {size:,} "
            f"| {app_log_bytes(operation, stage, ids, performed.body):,} "
            f"| {access_log_bytes(operation, ids, size, 'rest'):,} |"
        )
    return "\n".join(lines) + "\n"


def body(name: str) -> str | None:
    """The block's text, or None when the name is not one of these."""
    if name == f"{COMMAND}: per million":
        return per_million_sentence()
    if name == f"{COMMAND}: per million by traffic":
        return traffic_table()
    if name == f"{COMMAND}: what a request uses":
        return usage_table()
    if name == COMMAND or name.startswith(f"{COMMAND} "):
        return report_block(shlex.split(name)[2:])
    return None
