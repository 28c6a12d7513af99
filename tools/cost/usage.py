"""What one request of each operation uses, measured by running the app's own code.

- DynamoDB: each operation is run through the real TodoStore against a stand-in client
  that bills each request it receives by DynamoDB's on-demand rules (item sizes per
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
- Logs: the API handler's output is what chalicelib.telemetry prints for the request;
  the access log line is the packaged template's format filled in; Lambda's START/END/REPORT
  lines, which are Lambda's and not ours, are estimated from their documented shapes.
- Responses: the JSON the app returns for the operation, plus an estimate of headers.

Units are decimal (1 KB = 1,000 bytes, 1 GB = 10^9 bytes), as in the original example,
except where AWS defines a unit otherwise (DynamoDB's request units count 1 KiB and 4 KiB).
"""

import io
import json
import math
import os
import re
from collections.abc import Callable
from contextlib import redirect_stdout
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
from tools.deploy.package import http_api, merge
from tools.deploy.stage import Stage

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
    raise ValueError(f"tools.cost.report sizes the types TodoStore writes, not {kind!r}")


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
        lambda s, t: s.update(OWNER, t.todo_id, TodoChanges(checked=True)).todo,
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
    log_format = http_api.ACCESS_LOG_FORMAT if api == "http" else merge.ACCESS_LOG_FORMAT
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
