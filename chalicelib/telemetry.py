"""Per-request telemetry: an X-Request-Id header, and one JSON line of log and EMF metrics.

`instrument(app)` makes `RequestTelemetry`, which the app calls as (or from) its HTTP
middleware. For every request the API handler answers, errors included, it:

- sets `X-Request-Id`: API Gateway's id of the request (the `requestId` of the stage's
  access log, and the `x-amzn-RequestId` API Gateway returns), else Lambda's request id;
- prints one JSON line: request id (and Lambda's), X-Ray trace id, stage, route (the
  resource path, not the URL), method, status, latency, the principal as a pseudonym,
  cold start; for an error also its code and any reason (a 503's, a malformed event's),
  for a failure the exception's type and where it was raised;
- makes that same line the request's EMF document (chalicelib.metrics): Requests,
  Latency, ColdStart, DynamoDbThrottles, and Errors by Code. One line, not a log line
  and metric lines beside it: one JSON encoding and one write per request (make bench).

Never logged: tokens, headers, bodies, query strings, exception messages, the raw sub.

Output: in Lambda the runtime gives the root logger a handler and leaves it at WARNING,
and Chalice gives app.log its own stdout handler that does not propagate. These lines go
to stdout directly, through neither, so each appears once and as pure JSON, which Logs
Insights and EMF both need. (chalicelib.authorizer sets chalicelib's loggers to INFO,
for its own log lines.)
"""

import itertools
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import gateway, metrics, settings
from chalicelib.errors import ServiceUnavailable, TodoApiError

REQUEST_ID_HEADER = "X-Request-Id"
_PRINCIPAL_LABEL = b"todo-api/principal/v1\0"
_PRINCIPAL_HEX_DIGITS = 16
_STACK_FRAMES = 10
# What Chalice answers, unchanged, when an exception escapes everything below.
_INTERNAL_ERROR = {"Code": "InternalServerError", "Message": "An internal server error occurred."}


def _error_classes(base: type[TodoApiError]) -> Iterator[type[TodoApiError]]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _error_classes(subclass)


# The codes this API answers with (docs/api.md): the app's and the three of Chalice's own.
# The Errors metric's Code dimension takes only these; anything else counts as "Other".
ERROR_CODES = frozenset(error.code for error in _error_classes(TodoApiError)) | {
    "InternalServerError",
    "MethodNotAllowedError",
    "UnsupportedMediaType",
}

# One count per process: the first request a container serves is its cold start.
_requests_served = itertools.count()


class _Outcome:
    """What the layers below the middleware tell it about the request in flight."""

    __slots__ = ("error", "exception")

    def __init__(self) -> None:
        self.error: TodoApiError | None = None
        self.exception: BaseException | None = None


# The request in flight's, per thread (chalice local serves each request on a thread of
# its own). Not a ContextVar: contextvars is two more modules on every cold start.
_in_flight = threading.local()


def _current() -> _Outcome | None:
    outcome: _Outcome | None = getattr(_in_flight, "outcome", None)
    return outcome


def record_error(error: TodoApiError) -> None:
    """Notes the domain error that answered the request in flight (see app.todo_route)."""
    outcome = _current()
    if outcome is not None:
        outcome.error = error


@lru_cache(maxsize=1024)
def principal_hash(subject: str) -> str:
    """The principal as a pseudonym: SHA-256 of a fixed label and the sub, 64 bits of it.

    Unkeyed, on purpose. A keyed hash (HMAC) would need a secret the API handler does not
    otherwise read on most routes: the signing secret, in SSM. Fetching it for the logs
    would add an SSM client and call to the first request of every container (creating
    the client alone measured 30-55 ms, against a 10% cold-start budget) and give logging
    a way to fail. The cost of unkeyed: whoever reads the logs and guesses a sub (an
    email, a username) can confirm the guess. The logs hold no raw sub, and support can
    compute a user's pseudonym to find their requests. If a stage's subs are personal data
    that must not be confirmable from logs, have the authorizer, which holds the key
    material, hand a keyed pseudonym on in its context instead.
    """
    # Cached: a warm container sees the same few callers again and again.
    # Imported here: hashlib loads OpenSSL (~2.5 ms), which unauthenticated routes never need.
    import hashlib

    digest = hashlib.sha256(_PRINCIPAL_LABEL + subject.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:_PRINCIPAL_HEX_DIGITS]


def request_id(request: Request | None, lambda_context: Any) -> str:
    """API Gateway's id of the request, else Lambda's (under `chalice local`, tests)."""
    gateway_id = gateway.request_id(request) if request is not None else None
    return gateway_id or getattr(lambda_context, "aws_request_id", None) or "unknown"


class _UnhandledExceptions(logging.Filter):
    """Takes the exception Chalice logs when a view fails, for the request's line.

    Chalice logs it with a traceback whose exception message may quote request data (a
    body, a header): that record is dropped, and the request line names the exception's
    type and where it was raised instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        outcome = _current()
        if outcome is None or not record.exc_info:
            return True
        outcome.exception = record.exc_info[1]
        return False


class _Answered(NamedTuple):
    request: Request | None
    response: Response
    outcome: _Outcome
    request_id: str
    lambda_request_id: str | None
    latency_us: int
    cold_start: bool

    @property
    def error_code(self) -> str | None:
        if self.response.status_code < 400:
            return None
        if self.outcome.error is not None:
            return self.outcome.error.code
        body = self.response.body
        # Before app.api_edge reshapes them, Chalice's own errors still say "Code".
        code = body.get("code", body.get("Code")) if isinstance(body, dict) else None
        return code if isinstance(code, str) else None

    @property
    def throttled(self) -> bool:
        error = self.outcome.error
        return isinstance(error, ServiceUnavailable) and error.reason == "throttled"


class RequestTelemetry:
    """Chalice HTTP middleware: `instrument` makes it, the app registers it."""

    def __init__(self, app: Chalice) -> None:
        self._app = app

    def __call__(
        self, request: Request | None, get_response: Callable[[Request | None], Response]
    ) -> Response:
        cold_start = next(_requests_served) == 0
        started = time.perf_counter_ns()
        outcome = _Outcome()
        outer, _in_flight.outcome = _current(), outcome
        try:
            response = _respond(request, get_response, outcome)
        finally:
            _in_flight.outcome = outer
        lambda_context = getattr(self._app, "lambda_context", None)
        # By position: keywords cost 0.3 µs more a request (timeit).
        answered = _Answered(
            request,
            response,
            outcome,
            request_id(request, lambda_context),
            getattr(lambda_context, "aws_request_id", None),
            (time.perf_counter_ns() - started) // 1000,
            cold_start,
        )
        response.headers = {**response.headers, REQUEST_ID_HEADER: answered.request_id}
        _report(answered, self._app.app_name)
        return response


def _respond(
    request: Request | None, get_response: Callable[[Request | None], Response], outcome: _Outcome
) -> Response:
    try:
        return get_response(request)
    except Exception as exception:  # what Chalice does not turn into a 500 below us
        outcome.exception = exception
        return Response(body=dict(_INTERNAL_ERROR), status_code=500)


# The metrics of every request, and the Errors count an error answer adds, by its code.
REQUEST_METRICS = metrics.MetricSet(
    ("Service", "Stage"),
    (
        ("Requests", "Count"),
        ("Latency", "Milliseconds"),
        ("ColdStart", "Count"),
        ("DynamoDbThrottles", "Count"),
    ),
)
ERROR_METRICS = metrics.MetricSet(("Service", "Stage", "Code"), (("Errors", "Count"),))


# One per stage and outcome, made on first use: the same for every request after.
@lru_cache(maxsize=8)
def _template(namespace: str, service: str, stage: str, failed: bool) -> metrics.Template:
    sets = (REQUEST_METRICS, ERROR_METRICS) if failed else (REQUEST_METRICS,)
    fixed = {"type": "request", "stage": stage, "Service": service, "Stage": stage, "Requests": 1}
    return metrics.template(namespace, sets, fixed)


_INFO_LEVEL, _ERROR_LEVEL = '"INFO"', '"ERROR"'


def _report(answered: _Answered, service: str) -> None:
    """One line per request: the log line, which is also the request's EMF document."""
    namespace, stage = settings.telemetry_settings()
    failed = answered.response.status_code >= 400
    shape = _template(namespace, service, stage, failed)
    metrics.emit(metrics.line(request_members(answered), shape))


def request_members(answered: _Answered) -> str:
    """The line's members that vary, as JSON text: the log fields, then the values of
    REQUEST_METRICS (ColdStart and DynamoDbThrottles as 0 or 1, so that their Sum counts
    and their Average is a rate), then what `_problem` adds.

    Written as one template, each value as the json module writes its type (strings escaped
    by its own function), not built as a dict and encoded: every request pays for this line,
    and encoding each key anew was most of its cost (make bench-instructions). Members a
    request may lack are in `_problem`, which the json module encodes. Numbers but the status
    are written from strings: the latency, a whole number of microseconds, in milliseconds
    from its digits (formatting floats was the costliest part of the line in a warm request,
    and formatting integers the next, docs/operations.md).
    """
    request, status, outcome = answered.request, answered.response.status_code, answered.outcome
    route, method = (request.path, request.method) if request is not None else (None, None)
    cold_start = answered.cold_start
    # The latency's digits, at least four: milliseconds before the last three.
    digits = str(answered.latency_us).zfill(4)
    members = (
        f'"level":{_ERROR_LEVEL if status >= 500 else _INFO_LEVEL},'
        f'"requestId":{encode_basestring_ascii(answered.request_id)},'
        # Lambda's own id of the invocation: its REPORT line's @requestId in Logs Insights.
        f'"lambdaRequestId":{_string(answered.lambda_request_id)},'
        f'"traceId":{_string(gateway.trace_id(request) if request is not None else None)},'
        f'"route":{_string(route)},"method":{_string(method)},"status":{status},'
        f'"latencyMs":{digits[:-3]}.{digits[-3]},'
        f'"principal":{_string(_principal(request))},'
        f'"coldStart":{"true" if cold_start else "false"},'
        f'"Latency":{digits[:-3]}.{digits[-3:]},'
        f'"ColdStart":{"1" if cold_start else "0"},'
        f'"DynamoDbThrottles":{"1" if answered.throttled else "0"}'
    )
    if status < 400 and outcome.exception is None:
        return members
    return f"{members},{metrics.members(_problem(answered))}"


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def _problem(answered: _Answered) -> dict[str, Any]:
    """What an error answer adds to its line: its code, and the dimension and value of
    ERROR_METRICS; the error's reason, if it has one; for a failure the exception's type
    and where it was raised."""
    outcome, problem = answered.outcome, dict[str, Any]()
    if answered.response.status_code >= 400:
        code = answered.error_code
        if code is not None:
            problem["code"] = code
        problem["Code"] = code if code in ERROR_CODES else "Other"
        problem["Errors"] = 1
    if outcome.error is not None and outcome.error.reason is not None:
        problem["reason"] = outcome.error.reason
    if outcome.exception is not None:
        problem["exception"] = type(outcome.exception).__name__
        problem["stack"] = _stack(outcome.exception)
    return problem


def _principal(request: Request | None) -> str | None:
    subject = gateway.caller(request) if request is not None else None
    return principal_hash(subject) if subject is not None else None


def _stack(exception: BaseException) -> list[str]:
    """Where it was raised: file, line and function of the innermost frames, no values."""
    frames = traceback.extract_tb(exception.__traceback__)[-_STACK_FRAMES:]
    return [f"{'/'.join(f.filename.split(os.sep)[-2:])}:{f.lineno} {f.name}" for f in frames]


def instrument(app: Chalice) -> RequestTelemetry:
    """The app's telemetry middleware, for it to register or call from its own; and the
    filter that keeps Chalice's tracebacks out of the logs."""
    app.log.addFilter(_UnhandledExceptions())
    return RequestTelemetry(app)
