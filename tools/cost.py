"""Prices a stage for a month of traffic: `python -m tools.cost [--stage prod] [--api http] …`.

Everything per request is derived from the stage (tools.stage) and from the code:

- DynamoDB: each operation is run through the real TodoStore against a stand-in client
  that bills each request it receives by DynamoDB's on-demand rules (item sizes per
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
- Logs: the API handler's output is what chalicelib.telemetry prints for the request;
  the access log line is tools.package's format filled in; Lambda's START/END/REPORT
  lines, which are Lambda's and not ours, are estimated from their documented shapes.
- Responses: the JSON the app returns for the operation, plus an estimate of headers.

What the code cannot tell (traffic, durations, how often a token comes back within the
authorizer's cache window) is an input with a stated default. Prices are in
tools/prices.json. Units are decimal (1 KB = 1,000 bytes, 1 GB = 10^9 bytes), as in the
original example, except where AWS defines a unit otherwise (Lambda's GB of memory is
1,024 MB; DynamoDB's request units count 1 KiB and 4 KiB).
"""

import argparse
import io
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple
from unittest import mock

from chalice import Response
from chalice.app import Request

from chalicelib import settings, telemetry
from chalicelib.idempotency import idempotency_record
from chalicelib.model import NewTodo, Todo, TodoChanges, create_todo
from chalicelib.paging import Page
from chalicelib.store import TodoStore
from chalicelib.validation import DEFAULT_PAGE_SIZE
from tools import alarms, edge, http_api, package
from tools.stage import DeployedStage, Stage, load_stage

PRICES_PATH = Path(__file__).with_name("prices.json")
APIS = ("rest", "http")
AUTHORIZERS = ("lambda", "jwt")
ARCHITECTURES = ("x86_64", "arm64")

# The default traffic profile of `make cost` with no variables.
DEFAULT_STAGE = "prod"
DEFAULT_REQUESTS = 10_000_000
DEFAULT_MIX = "get=40,list=40,create=5,idempotent_create=5,update=8,delete=2"
# Billed milliseconds per run, cold starts' billed INIT included, averaged. Assumed, not
# measured: nothing offline runs like Lambda. A warm request is one DynamoDB round trip.
DEFAULT_DURATION_MS = 30.0
DEFAULT_AUTHORIZER_MS = 10.0
# API Gateway caches the authorizer's policy per token for 300 s (REST: API Gateway's
# default, since Chalice sets no TTL; HTTP: ReauthorizeEvery 300), so the authorizer
# runs once per token and window: a client in use sending a request every 30 s.
AUTHORIZER_CACHE_SECONDS = 300
DEFAULT_REQUESTS_PER_TOKEN_WINDOW = 10.0
# An owner with 20 todos: a list's Query reads all of them (the page holds up to 50).
DEFAULT_PAGE_ITEMS = 20

# A typical todo, the design's example; an owner id shaped like Cognito's sub.
TEXT = "Learn Serverless APIs"
OWNER = "3f1c9b2e-7d7a-4c5e-9a3b-2f6d8e1a4b7c"
IDEMPOTENCY_KEY = "3f1c9b2e-first-todo"
TABLE = "todo-api"
# The status line and headers of a response: API Gateway's (Date, Content-Length,
# x-amzn-RequestId, x-amz-apigw-id, X-Amzn-Trace-Id…) and the app's (ETag, X-Request-Id,
# CORS, nosniff). An estimate: API Gateway adds them after the code has answered.
HEADER_BYTES = 500
# A latency with the digits a real one prints (the log line keeps 1 decimal, EMF 3).
TYPICAL_LATENCY_US = 23_456
TYPICAL_LATENCY_MS = TYPICAL_LATENCY_US / 1000
# What Lambda's REPORT line says a function of this size uses, give or take a digit.
TYPICAL_MAX_MEMORY_MB = 90
# HTTP APIs meter a request per 512 KB of it (decimal, as every size here).
HTTP_METERING_BYTES = 512_000
# X-Ray's default sampling rule: the first request each second, then 5% of the rest.
SAMPLING_RATE = 0.05
# AWS's billing month: 730 hours.
MONTH_SECONDS = 730 * 3600
BYTES_PER_GB = 10**9
BYTES_PER_KB = 1000

Item = dict[str, dict[str, Any]]


class RequestIds(NamedTuple):
    """The ids a request's log lines carry: API Gateway's, Lambda's and X-Ray's."""

    request_id: str
    lambda_request_id: str | None
    trace_id: str | None


# As in Lambda: API Gateway's request id is a UUID on REST APIs and 16 characters on HTTP
# APIs; Lambda's invocation id is a UUID; the trace id is X-Ray's Root.
LAMBDA_IDS = {
    "rest": RequestIds(
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "8f5e1f3c-2b4a-4d6e-9c1b-7a3d5e2f4b6c",
        "1-6752c3a0-0123456789abcdef01234567",
    ),
    "http": RequestIds(
        "JVlP7jv6IAMEbAA=",
        "8f5e1f3c-2b4a-4d6e-9c1b-7a3d5e2f4b6c",
        "1-6752c3a0-0123456789abcdef01234567",
    ),
}


# ----- DynamoDB: item sizes and request units, as on-demand DynamoDB bills them -----


def item_bytes(item: Item) -> int:
    """An item's size: each attribute's name plus its value."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        # About one byte per two significant digits, plus one.
        digits = content.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "BOOL":
        return 1
    if kind == "M":
        # 3 bytes for the map, 1 per element.
        return 3 + sum(len(k.encode()) + _value_bytes(v) + 1 for k, v in content.items())
    raise ValueError(f"tools.cost sizes the types TodoStore writes, not {kind!r}")


def write_units(size: int) -> int:
    """A write consumes one unit per KiB of the item, rounded up."""
    return max(1, math.ceil(size / 1024))


def read_units(size: int, consistent: bool) -> float:
    """A read (a GetItem's item, or all a Query reads together) takes one unit per 4 KiB,
    rounded up; half of that when eventually consistent."""
    units = max(1, math.ceil(size / 4096))
    return units if consistent else units / 2


class Units(NamedTuple):
    read: float
    write: float


class _NeverRaised(Exception):
    """The stand-in answers every request: no condition fails, nothing is cancelled.

    A failed condition would consume the same units as a success (the item's size).
    """


class _MeteredDynamoDB:
    """Answers TodoStore's requests and adds up the request units each would consume."""

    exceptions = SimpleNamespace(
        ConditionalCheckFailedException=_NeverRaised, TransactionCanceledException=_NeverRaised
    )

    def __init__(self, stored: Item, page_items: int) -> None:
        self._stored = stored
        self._page_items = page_items
        self.read_units = 0.0
        self.write_units = 0.0
        self.written: list[Item] = []

    def put_item(self, **request: Any) -> dict[str, Any]:
        self.written.append(request["Item"])
        self.write_units += write_units(item_bytes(request["Item"]))
        return {}

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        # Transactional writes cost two units per KiB of each item. TodoStore's are Puts.
        for part in request["TransactItems"]:
            self.written.append(part["Put"]["Item"])
            self.write_units += 2 * write_units(item_bytes(part["Put"]["Item"]))
        return {}

    def get_item(self, **request: Any) -> dict[str, Any]:
        consistent = bool(request.get("ConsistentRead", False))
        self.read_units += read_units(item_bytes(self._stored), consistent)
        return {"Item": self._stored}

    def query(self, **request: Any) -> dict[str, Any]:
        items = [self._stored] * min(self._page_items, request["Limit"])
        consistent = bool(request.get("ConsistentRead", False))
        self.read_units += read_units(sum(map(item_bytes, items)), consistent)
        return {"Items": items}

    def update_item(self, **request: Any) -> dict[str, Any]:
        # The SET clauses that assign a value; `#version = #version + :one` keeps its size.
        names, values = request["ExpressionAttributeNames"], request["ExpressionAttributeValues"]
        assigned = re.findall(r"(#\w+) = (:\w+)", request["UpdateExpression"])
        updated = {**self._stored, **{names[n]: values[v] for n, v in assigned}}
        self.write_units += write_units(max(item_bytes(self._stored), item_bytes(updated)))
        return {"Attributes": updated}

    def delete_item(self, **request: Any) -> dict[str, Any]:
        self.write_units += write_units(item_bytes(self._stored))
        return {}


# ----- What each operation does -----


class Operation(NamedTuple):
    method: str
    route: str
    status: int
    run: Callable[[TodoStore, Todo], object]


OPERATIONS: dict[str, Operation] = {
    "get": Operation("GET", "/todos/{todo_id}", 200, lambda s, t: s.get(OWNER, t.todo_id)),
    "list": Operation("GET", "/todos", 200, lambda s, _: s.page(OWNER, DEFAULT_PAGE_SIZE)),
    "create": Operation("POST", "/todos", 201, lambda s, t: s.add(OWNER, t)),
    "idempotent_create": Operation(
        "POST",
        "/todos",
        201,
        lambda s, t: s.add(OWNER, t, idempotency_record(IDEMPOTENCY_KEY, NewTodo(text=TEXT))),
    ),
    "update": Operation(
        "PUT",
        "/todos/{todo_id}",
        200,
        lambda s, t: s.update(OWNER, t.todo_id, TodoChanges(checked=True)),
    ),
    "delete": Operation("DELETE", "/todos/{todo_id}", 200, lambda s, t: s.delete(OWNER, t.todo_id)),
}


class Performed(NamedTuple):
    units: Units
    body: Any


def _stored_item(todo: Todo) -> Item:
    """The item a create writes: what later requests for the todo read or replace."""
    meter = _MeteredDynamoDB({}, 0)
    TodoStore(meter, TABLE).add(OWNER, todo)
    return meter.written[-1]


def perform(operation: str, page_items: int = DEFAULT_PAGE_ITEMS) -> Performed:
    """Runs the operation through TodoStore: the units it consumes, the body it answers."""
    todo = create_todo(NewTodo(text=TEXT))
    meter = _MeteredDynamoDB(_stored_item(todo), page_items)
    result = OPERATIONS[operation].run(TodoStore(meter, TABLE), todo)
    return Performed(Units(meter.read_units, meter.write_units), _body(result, todo.todo_id))


def _body(result: object, todo_id: str) -> Any:
    if isinstance(result, Todo):
        return result.to_json()
    if isinstance(result, Page):
        return [todo.to_json() for todo in result.todos]
    # A delete returns nothing; app.delete answers with this message.
    return {"message": f"Todo with ID {todo_id} deleted successfully"}


def body_bytes(body: Any) -> int:
    """The body as Chalice serializes it."""
    return len(json.dumps(body, separators=(",", ":")).encode())


# ----- Logs -----


def app_log_bytes(operation: str, stage: Stage, ids: RequestIds, body: Any = None) -> int:
    """What the API handler prints for one successful request: telemetry's own report
    (one line, both log line and EMF document), run under the stage's environment as in Lambda."""
    op = OPERATIONS[operation]
    # What telemetry reads of the event (through chalicelib.gateway): caller, ids.
    trace_header = f"Root={ids.trace_id};Sampled=1" if ids.trace_id else None
    event = {
        "multiValueQueryStringParameters": None,
        "headers": {"x-amzn-trace-id": trace_header} if trace_header else {},
        "pathParameters": None,
        "requestContext": {
            "httpMethod": op.method,
            "resourcePath": op.route,
            "requestId": ids.request_id,
            "authorizer": {"principalId": OWNER},
        },
        "body": None,
        "stageVariables": None,
    }
    answered = telemetry._Answered(
        request=Request(event),
        response=Response(body=body, status_code=op.status),
        outcome=telemetry._Outcome(),
        request_id=ids.request_id,
        lambda_request_id=ids.lambda_request_id,
        latency_us=TYPICAL_LATENCY_US,
        cold_start=False,
    )
    printed = io.StringIO()
    # A container of the stage's own: telemetry keeps the settings it read first.
    settings.forget_kept()
    try:
        with mock.patch.dict(os.environ, stage.environment), redirect_stdout(printed):
            telemetry._report(answered, stage.app_name)
    finally:
        settings.forget_kept()
    return len(printed.getvalue().encode())


def platform_log_bytes(memory_mb: int, duration_ms: float, xray: bool, ids: RequestIds) -> int:
    """Lambda's own lines per invocation, in its text format (an estimate of its shapes)."""
    invocation = ids.lambda_request_id
    lines = [
        f"START RequestId: {invocation} Version: $LATEST\n",
        f"END RequestId: {invocation}\n",
        f"REPORT RequestId: {invocation}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {TYPICAL_MAX_MEMORY_MB} MB\t\n",
    ]
    if xray:
        lines.append(
            f"XRAY TraceId: {ids.trace_id}\tSegmentId: 0123456789abcdef\tSampled: true\t\n"
        )
    return sum(len(line.encode()) for line in lines)


def access_log_bytes(operation: str, ids: RequestIds, response_length: int, api: str) -> int:
    """The packaged template's access log line for the request, in its gateway's format."""
    op = OPERATIONS[operation]
    log_format = http_api.ACCESS_LOG_FORMAT if api == "http" else package.ACCESS_LOG_FORMAT
    values = {
        "requestId": ids.request_id,
        "identity.sourceIp": "203.0.113.10",
        "requestTime": "24/Nov/2026:22:30:00 +0000",
        "httpMethod": op.method,
        "resourcePath": op.route,
        "routeKey": f"{op.method} {op.route}",
        "integrationLatency": str(round(TYPICAL_LATENCY_MS)),
        "status": str(op.status),
        "protocol": "HTTP/1.1",
        "responseLength": str(response_length),
        "responseLatency": str(round(TYPICAL_LATENCY_MS)),
    }
    line = re.sub(r"\$context\.([\w.]+)", lambda m: values.get(m[1], "-"), log_format)
    return len(line.encode()) + 1


def traces_recorded(requests: float) -> float:
    """Traces X-Ray's default rule records in a month, with requests arriving at random at
    a steady rate: a second holds at least one (the reservoir's) with 1 - e^-rate."""
    reservoir = MONTH_SECONDS * (1 - math.exp(-requests / MONTH_SECONDS))
    return reservoir + SAMPLING_RATE * (requests - reservoir)


# ----- Prices -----


@dataclass(frozen=True)
class Price:
    usd: float
    per: int
    unit: str
    source: str
    as_of: str
    first_tier_up_to: float | None = None
    note: str = ""

    def label(self) -> str:
        digits = f"{self.usd:.10f}".rstrip("0")
        decimals = max(2, len(digits.partition(".")[2]))
        per = "1M " if self.per == 1_000_000 else ""
        return f"${self.usd:.{decimals}f} / {per}{self.unit}"


@dataclass(frozen=True)
class Allowance:
    quantity: float
    unit: str
    term: str
    source: str
    as_of: str


@dataclass(frozen=True)
class PriceList:
    region: str
    as_of: str
    prices: dict[str, Price]
    free_tier: dict[str, Allowance]


def load_prices(path: Path = PRICES_PATH) -> PriceList:
    data = json.loads(path.read_text())
    return PriceList(
        region=data["region"],
        as_of=data["as_of"],
        prices={name: Price(**entry) for name, entry in data["prices"].items()},
        free_tier={name: Allowance(**entry) for name, entry in data["free_tier"].items()},
    )


# ----- The model -----


@dataclass(frozen=True)
class Inputs:
    stage: Stage
    requests: int
    memory_mb: int
    architecture: str
    duration_ms: float
    authorizer_ms: float
    # Each operation's share of requests; the shares sum to 1.
    mix: dict[str, float]
    free_tier: bool
    # None: each operation's own response, as the code answers it.
    response_kb: float | None
    requests_per_token_window: float
    page_items: int
    transfer_free_gb: float
    # None: derived from the stage (see authorizer_for).
    authorizer: str | None = None


def inputs_for(stage: Stage, **given: Any) -> Inputs:
    """The stage's own settings and the default profile, with what was given instead."""
    defaults: dict[str, Any] = {
        "requests": DEFAULT_REQUESTS,
        "memory_mb": stage.runtime.memory_mb,
        "architecture": stage.runtime.architecture,
        "duration_ms": DEFAULT_DURATION_MS,
        "authorizer_ms": DEFAULT_AUTHORIZER_MS,
        "mix": parse_mix(DEFAULT_MIX),
        "free_tier": False,
        "response_kb": None,
        "requests_per_token_window": DEFAULT_REQUESTS_PER_TOKEN_WINDOW,
        "page_items": DEFAULT_PAGE_ITEMS,
        "transfer_free_gb": 0.0,
    }
    chosen = {name: value for name, value in given.items() if value is not None}
    return Inputs(stage=stage, **{**defaults, **chosen})


def authorizer_for(api: str, inputs: Inputs) -> str:
    """REST: always the Lambda authorizer. HTTP: the one tools.http_api packages (API
    Gateway's JWT authorizer on a Cognito stage), unless AUTHORIZER says otherwise."""
    if api == "rest":
        return "lambda"
    if inputs.authorizer is not None:
        return inputs.authorizer
    stage = inputs.stage
    jwt = isinstance(stage, DeployedStage) and http_api.uses_jwt_authorizer(stage)
    return "jwt" if jwt else "lambda"


class PerRequest(NamedTuple):
    """What one request costs in each unit: of an operation, or of the mix on average."""

    read_units: float
    write_units: float
    response_bytes: float
    # Requests API Gateway meters for it: HTTP APIs count each 512 KB.
    metered: float
    app_log_bytes: float
    access_log_bytes: float


def one_request(operation: str, inputs: Inputs, api: str) -> PerRequest:
    performed = perform(operation, inputs.page_items)
    body = body_bytes(performed.body)
    given = inputs.response_kb
    response = given * BYTES_PER_KB if given is not None else body + HEADER_BYTES
    ids = LAMBDA_IDS[api]
    return PerRequest(
        *performed.units,
        response_bytes=response,
        metered=max(1, math.ceil(response / HTTP_METERING_BYTES)) if api == "http" else 1,
        app_log_bytes=app_log_bytes(operation, inputs.stage, ids, performed.body),
        access_log_bytes=access_log_bytes(operation, ids, body, api),
    )


def per_request(inputs: Inputs, api: str) -> PerRequest:
    """One request of the mix, on average: each operation's figures weighted by its share."""
    weighted = [
        [share * figure for figure in one_request(operation, inputs, api)]
        for operation, share in inputs.mix.items()
    ]
    return PerRequest(*(sum(column) for column in zip(*weighted, strict=True)))


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: float
    free: float
    price: Price
    # One of the four lines of the original example (Lambda, API Gateway, data transfer).
    original: bool = False

    @property
    def cost(self) -> float:
        return (self.quantity - self.free) * self.price.usd / self.price.per


@dataclass
class _FreeTier:
    """What is left of each monthly allowance, handed out in the order items are priced."""

    left: dict[str, float] = field(default_factory=dict)

    def take(self, allowance: str, quantity: float) -> float:
        free = min(quantity, self.left.get(allowance, 0.0))
        self.left[allowance] = self.left.get(allowance, 0.0) - free
        return free


@dataclass(frozen=True)
class Estimate:
    api: str
    authorizer: str
    per_request: PerRequest
    items: list[LineItem]

    def total(self, original: bool | None = None) -> float:
        return sum(i.cost for i in self.items if original is None or i.original == original)


def estimate(inputs: Inputs, prices: PriceList, api: str) -> Estimate:
    """A month of the stage's traffic on the given API: every line item, priced."""
    free = _FreeTier(
        {name: a.quantity for name, a in prices.free_tier.items()} if inputs.free_tier else {}
    )
    free.left["data_transfer_out"] = inputs.transfer_free_gb
    average = per_request(inputs, api)
    authorizer = authorizer_for(api, inputs)
    builder = _Items(inputs, prices.prices, free, LAMBDA_IDS[api])
    builder.function("API handler", inputs.requests, inputs.duration_ms, original=True)
    builder.add(
        f"API Gateway: {api.upper()} API requests",
        inputs.requests * average.metered,
        f"api_{api}_requests",
        original=True,
    )
    builder.add(
        "Data transfer out",
        inputs.requests * average.response_bytes / BYTES_PER_GB,
        "data_transfer_out",
        original=True,
    )
    runs = inputs.requests / inputs.requests_per_token_window if authorizer == "lambda" else 0
    if runs:
        builder.function("authorizer", runs, inputs.authorizer_ms)
    builder.add(
        "DynamoDB reads", inputs.requests * average.read_units, "dynamodb_read_request_units"
    )
    builder.add(
        "DynamoDB writes", inputs.requests * average.write_units, "dynamodb_write_request_units"
    )
    builder.logs(average, runs)
    if inputs.stage.runtime.xray:
        builder.add("X-Ray traces", traces_recorded(inputs.requests), "xray_traces_recorded")
    builder.release(api, authorizer)
    return Estimate(api, authorizer, average, builder.items)


class _Items:
    """Line items in the order they are priced, each taking what is left of its allowance."""

    def __init__(
        self, inputs: Inputs, prices: dict[str, Price], free: _FreeTier, ids: RequestIds
    ) -> None:
        self._inputs = inputs
        self._prices = prices
        self._free = free
        self._ids = ids
        self.items: list[LineItem] = []

    def add(
        self, name: str, quantity: float, price: str, allowance: str = "", original: bool = False
    ) -> None:
        free = self._free.take(allowance or price, quantity)
        self.items.append(LineItem(name, quantity, free, self._prices[price], original))

    def function(self, name: str, runs: float, duration_ms: float, original: bool = False) -> None:
        # Lambda bills each run's duration rounded up to the millisecond.
        gb_seconds = runs * math.ceil(duration_ms) / 1000 * self._inputs.memory_mb / 1024
        self.add(f"Lambda requests: {name}", runs, "lambda_requests", original=original)
        self.add(
            f"Lambda compute: {name}",
            gb_seconds,
            f"lambda_gb_seconds_{self._inputs.architecture}",
            "lambda_gb_seconds",
            original,
        )

    def release(self, api: str, authorizer: str) -> None:
        """What tools.release packages beside the traffic: warm environments, the WAF,
        alarms and the dashboard (aliases, canaries, API keys and usage plans are free)."""
        inputs, release = self._inputs, self._inputs.stage.release
        functions = [alarms.API_HANDLER] + ([alarms.AUTHORIZER] if authorizer == "lambda" else [])
        if release.provisioned_concurrency:
            environments = release.provisioned_concurrency * len(functions)
            self.add(
                f"Provisioned concurrency: {release.provisioned_concurrency} per function",
                environments * inputs.memory_mb / 1024 * MONTH_SECONDS,
                f"lambda_provisioned_gb_seconds_{inputs.architecture}",
            )
        if api == "rest" and release.waf:
            acl = edge.web_acl(inputs.stage)
            self.add("WAF: web ACL", 1, "waf_web_acls")
            self.add("WAF: rules", len(acl["Properties"]["Rules"]), "waf_rules")
            self.add("WAF: requests", inputs.requests, "waf_requests")
        template = {"Resources": dict.fromkeys(functions)}
        count = len(alarms.alarms(inputs.stage, template, api))
        self.add("CloudWatch alarms", count, "cloudwatch_alarms")
        self.add("CloudWatch dashboard", 1, "cloudwatch_dashboards")

    def logs(self, average: PerRequest, authorizer_runs: float) -> None:
        inputs, requests = self._inputs, self._inputs.requests
        xray = inputs.stage.runtime.xray
        handler = platform_log_bytes(inputs.memory_mb, inputs.duration_ms, xray, self._ids)
        # The authorizer prints nothing of its own for a token it accepts.
        authorizer = platform_log_bytes(inputs.memory_mb, inputs.authorizer_ms, xray, self._ids)
        for name, volume in (
            ("API handler", requests * (average.app_log_bytes + handler)),
            ("authorizer", authorizer_runs * authorizer),
            ("access log", requests * average.access_log_bytes),
        ):
            if volume:
                self.add(f"CloudWatch Logs: {name}", volume / BYTES_PER_GB, "logs_ingestion")


# ----- Input parsing -----


def parse_mix(text: str) -> dict[str, float]:
    """`get=40,list=40,…` into each operation's share of requests."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, equals, weight = (piece.strip() for piece in part.partition("="))
        if not equals or name not in OPERATIONS or name in weights:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r}: give each of {', '.join(OPERATIONS)} at most once, "
                "as name=weight, separated by commas"
            )
        try:
            weights[name] = _number(float, 0, math.inf)(weight)
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentTypeError(f"{name}: {error}") from None
    total = sum(weights.values())
    if total <= 0:
        raise argparse.ArgumentTypeError("the weights must not all be 0")
    return {name: weight / total for name, weight in weights.items() if weight}


def _number[N: (int, float)](
    convert: Callable[[str], N], low: float, high: float
) -> Callable[[str], N]:
    def parse(text: str) -> N:
        try:
            value = convert(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not from {low:g} to {high:g}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost", description="A stage's monthly cost (make cost)."
    )
    add = parser.add_argument
    add("--stage", default=DEFAULT_STAGE, help="a stage of .chalice/config.json (default prod)")
    add("--requests", type=_number(int, 1, 1e13), help=f"a month (default {DEFAULT_REQUESTS:,})")
    add("--memory-mb", type=_number(int, 128, 10240), help="both functions (default: the stage's)")
    add("--duration-ms", type=_number(float, 0.001, 900_000), help="API handler, billed, per run")
    add("--authorizer-ms", type=_number(float, 0.001, 900_000), help="authorizer, billed, per run")
    add("--arch", choices=ARCHITECTURES, help="both functions (default: the stage's)")
    add("--api", choices=APIS, help="one gateway (default: both, side by side)")
    add("--authorizer", choices=AUTHORIZERS, help="the HTTP API's (default: from the stage)")
    add("--free-tier", choices=("0", "1"), help="1: credit the monthly free tiers (default 0)")
    add("--response-kb", type=_number(float, 0, 10_000), help="every response, headers included")
    add("--mix", type=parse_mix, help=f"operations' weights (default {DEFAULT_MIX})")
    add("--requests-per-token-window", type=_number(float, 1, math.inf), help="authorizer cache")
    add("--page-items", type=_number(int, 0, DEFAULT_PAGE_SIZE + 1), help="todos a list reads")
    add("--transfer-free-gb", type=_number(float, 0, math.inf), help="free data transfer to use")
    return parser


def _inputs(args: argparse.Namespace, prices: PriceList, parser: argparse.ArgumentParser) -> Inputs:
    if args.api == "rest" and args.authorizer == "jwt":
        parser.error("--authorizer jwt: REST APIs have no JWT authorizer; use --api http")
    free_transfer = prices.free_tier["data_transfer_out"].quantity
    if args.transfer_free_gb is not None and args.transfer_free_gb > free_transfer:
        parser.error(f"--transfer-free-gb: the free tier gives at most {free_transfer:g} GB")
    return inputs_for(
        load_stage(args.stage),
        requests=args.requests,
        memory_mb=args.memory_mb,
        architecture=args.arch,
        duration_ms=args.duration_ms,
        authorizer_ms=args.authorizer_ms,
        mix=args.mix,
        free_tier=None if args.free_tier is None else args.free_tier == "1",
        response_kb=args.response_kb,
        requests_per_token_window=args.requests_per_token_window,
        page_items=args.page_items,
        transfer_free_gb=args.transfer_free_gb,
        authorizer=args.authorizer,
    )


# ----- Output -----


def _quantity(value: float) -> str:
    return f"{value:,.{0 if value >= 100 else 2}f}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(len(rows[0]))]
    lines = []
    for first, *rest in rows:
        # A section's title row has one cell: zip stops there.
        cells = [c.rjust(w) for c, w in zip(rest, widths[1:], strict=False)]
        lines.append("  ".join([first.ljust(widths[0]), *cells]).rstrip())
    return "\n".join(lines)


def _rows(estimates: list[Estimate]) -> list[list[str]]:
    show_free = any(item.free for e in estimates for item in e.items)
    header = ["line item", "unit price"]
    for e in estimates:
        header += [f"{e.api.upper()} quantity", *(["free"] * show_free), f"{e.api.upper()} cost"]
    rows = [header]
    for original, title in ((True, "The original example's lines"), (False, "What this API adds")):
        rows.append([f"{title}:"])
        rows += _item_rows(estimates, original, show_free)
        rows.append(_total_row("  subtotal", [e.total(original) for e in estimates], show_free))
    rows.append(_total_row("Total a month", [e.total() for e in estimates], show_free))
    requests = estimates[0].items[0].quantity
    per_million = [e.total() / requests * 1_000_000 for e in estimates]
    rows.append(_total_row("Per million requests", per_million, show_free))
    return rows


def _merged(names_per_estimate: list[list[str]]) -> list[str]:
    """Every estimate's names, in order; one only some have goes before the next shared one."""
    merged: list[str] = []
    for names in names_per_estimate:
        for at, name in enumerate(names):
            if name not in merged:
                following = next((n for n in names[at + 1 :] if n in merged), None)
                merged.insert(merged.index(following) if following else len(merged), name)
    return merged


def _item_rows(estimates: list[Estimate], original: bool, show_free: bool) -> list[list[str]]:
    names = _merged([[i.name for i in e.items if i.original == original] for e in estimates])
    rows = []
    for name in names:
        found = [next((i for i in e.items if i.name == name), None) for e in estimates]
        price = next(i.price for i in found if i is not None)
        row = [f"  {name}", price.label()]
        for item in found:
            if item is None:
                row += ["-", *(["-"] * show_free), "-"]
            else:
                free = [_quantity(item.free) if item.free else ""] * show_free
                row += [_quantity(item.quantity), *free, _money(item.cost)]
        rows.append(row)
    return rows


def _total_row(name: str, totals: list[float], show_free: bool) -> list[str]:
    row = [name, ""]
    for total in totals:
        row += ["", *([""] * show_free), _money(total)]
    return row


def _assumptions(inputs: Inputs, estimates: list[Estimate], prices: PriceList) -> list[str]:
    mix = ", ".join(f"{name} {share:.0%}" for name, share in inputs.mix.items())
    average = estimates[0].per_request
    response = (
        f"the code's JSON + {HEADER_BYTES} B of headers"
        if inputs.response_kb is None
        else "as given"
    )
    free_tier = "applied, API handler first" if inputs.free_tier else "not applied (FREE_TIER=1)"
    return [
        f"{inputs.stage.app_name}, stage {inputs.stage.name}: {inputs.memory_mb} MB "
        f"{inputs.architecture} (both functions), X-Ray "
        f"{'on' if inputs.stage.runtime.xray else 'off'}",
        f"Prices: {prices.region}, as of {prices.as_of} (tools/{PRICES_PATH.name})",
        f"Traffic: {inputs.requests:,} requests a month; mix {mix}",
        f"Billed per run: API handler {inputs.duration_ms:g} ms, authorizer "
        f"{inputs.authorizer_ms:g} ms",
        "Authorizer: "
        + ", ".join(f"{e.api.upper()} {_authorizer_label(e.authorizer)}" for e in estimates)
        + f"; a Lambda one runs once per {inputs.requests_per_token_window:g} requests "
        f"(its answer is cached {AUTHORIZER_CACHE_SECONDS} s per token)",
        f"Per request: {average.read_units:.3g} RRU, {average.write_units:.3g} WRU (a list "
        f"reads {inputs.page_items} todos); response {average.response_bytes / BYTES_PER_KB:.2f} "
        f"KB ({response})",
        "Logs per request: "
        + ", ".join(f"{e.api.upper()} {_log_bytes(inputs, e):,} B" for e in estimates)
        + " (API handler's lines and Lambda's, the authorizer's share, the access log)",
        f"Free tier: {free_tier}; of the account's free data transfer: "
        f"{inputs.transfer_free_gb:g} GB (TRANSFER_FREE_GB)",
    ]


def _authorizer_label(authorizer: str) -> str:
    return "Lambda" if authorizer == "lambda" else "JWT (no Lambda)"


def _log_bytes(inputs: Inputs, estimate: Estimate) -> int:
    logged = sum(i.quantity for i in estimate.items if i.name.startswith("CloudWatch Logs"))
    return round(logged * BYTES_PER_GB / inputs.requests)


def _notes(estimates: list[Estimate]) -> list[str]:
    return [
        f"Note: {item.name} passes {item.price.first_tier_up_to:,.0f} {item.price.unit}, "
        "where a lower price tier begins: the cost above is an upper bound"
        for e in estimates
        for item in e.items
        if item.price.first_tier_up_to is not None and item.quantity > item.price.first_tier_up_to
    ]


def report(inputs: Inputs, prices: PriceList, apis: Sequence[str]) -> str:
    estimates = [estimate(inputs, prices, api) for api in apis]
    return "\n".join(
        [
            *_assumptions(inputs, estimates, prices),
            "",
            _table(_rows(estimates)),
            *_notes(estimates),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    prices = load_prices()
    inputs = _inputs(args, prices, parser)
    print(report(inputs, prices, [args.api] if args.api else APIS))


if __name__ == "__main__":
    main()
