"""What the app reads from API Gateway's event, for both gateways, in one place.

The API handler is invoked with a REST API proxy event, or with an HTTP API event in
payload format 1.0: the same top-level shape (Chalice turns either into its Request),
with these differences in `requestContext`, which only this module reads:

- the caller: REST APIs put a Lambda authorizer's principal in `authorizer.principalId`,
  and its context's keys beside it. HTTP APIs document only that a Lambda authorizer's
  context reaches the integration (under `authorizer.lambda` in payload 2.0; 1.0 is
  not clearly documented), so our authorizer puts the subject in its context as well
  (chalicelib.subjects.SUBJECT_CONTEXT_KEY); the principal id and that key are read
  both in `authorizer` and in `authorizer.lambda`. HTTP APIs' JWT authorizer passes the
  token's claims as `authorizer.claims`, with no principal id, so their `sub` is the
  caller;
- the path as the client called it: `path` in both, with the stage's prefix
  ("/api/todos") on a named stage; Chalice's own `Request.path` is the route template;
- the query string: `multiValueQueryStringParameters` in both, which keeps every value
  of a repeated parameter (`queryStringParameters` keeps one);
- the request id (`requestId`) and source address (`identity.sourceIp`) are in both;
  the X-Ray trace id is in the X-Amzn-Trace-Id header both gateways add.
"""

import base64
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from chalice.app import Request, RouteEntry

from chalicelib.subjects import SUBJECT_CONTEXT_KEY, usable_subject

_TRACE_ROOT = re.compile(r"Root=(1-[0-9a-f]{8}-[0-9a-f]{24})")
# The event's members Chalice reads with [], whose absence it would raise on.
_READ_MEMBERS = (
    "headers",
    "multiValueQueryStringParameters",
    "pathParameters",
    "body",
    "stageVariables",
)
# One C call for all five: the common event pays for none of them one by one.
_read_members = operator.itemgetter(*_READ_MEMBERS)
_NO_ROUTE: dict[str, RouteEntry] = {}


def event_problem(event: Any, routes: Mapping[str, Mapping[str, RouteEntry]]) -> str | None:
    """What makes event one that Chalice cannot read as a request, or None if it can.

    Chalice builds its Request from the event before its error handling begins, and reads
    what the event holds unchecked: a member missing or of another type raised, or answered
    500 from inside a view (or after it: the Accept and trace headers are read last). API
    Gateway sends none of these; a direct invoke or another integration may. Checked here,
    cheaply: the common event pays some type checks and one pass over its headers, about
    1 µs (make bench). An event whose requestContext.resourcePath is missing or null (an
    HTTP API's payload 2.0) is left to Chalice's 500 "Unknown request.": the gateway is
    misconfigured, not the request. What nothing reads (stageVariables' values,
    multiValueHeaders) is not checked.
    """
    if type(event) is not dict:
        return "the event is not an object"
    context = event.get("requestContext")
    if type(context) is not dict:
        return "requestContext is not an object"
    resource_path, method = context.get("resourcePath"), context.get("httpMethod")
    if resource_path is None:
        return None
    if type(resource_path) is not str or type(method) is not str:
        return "requestContext.resourcePath or httpMethod is not a string"
    try:
        headers, query, parameters, body, _ = _read_members(event)
    except KeyError:
        return f"{', '.join(name for name in _READ_MEMBERS if name not in event)} missing"
    route = routes.get(resource_path, _NO_ROUTE).get(method)
    # Each check only where there is something to check: the common event skips most.
    if headers is not None and (problem := _headers_problem(headers)):
        return problem
    if query is not None and (problem := _query_problem(query)):
        return problem
    names = route.view_args if route is not None else None
    if names and (problem := _path_problem(parameters, names)):
        return problem
    if body is not None:
        return _body_problem(body, event.get("isBase64Encoded", False))
    return None


def _headers_problem(headers: Any) -> str | None:
    if type(headers) is not dict:
        return "headers is not an object"
    for name, value in headers.items():
        if type(name) is not str or type(value) is not str:
            return "a header's name or value is not a string"
    return None


def _query_problem(query: Any) -> str | None:
    if type(query) is not dict:
        return "multiValueQueryStringParameters is not an object"
    for name, values in query.items():
        if type(name) is not str or type(values) is not list or not values:
            return "a query parameter's name is not a string or its values not a list"
        for value in values:
            if type(value) is not str:
                return "a query parameter's value is not a string"
    return None


def _path_problem(parameters: Any, names: Sequence[str]) -> str | None:
    if parameters is None:
        return "pathParameters missing for the route"
    if type(parameters) is not dict:
        return "pathParameters is not an object"
    for name in names:
        if type(parameters.get(name)) is not str:
            return "a path parameter of the route is missing or not a string"
    return None


def _body_problem(body: Any, base64_encoded: Any) -> str | None:
    if type(base64_encoded) is not bool:
        return "isBase64Encoded is not a boolean"
    if type(body) is bytes:  # as chalice local hands a body over
        return None
    if type(body) is not str:
        return "body is not a string"
    try:
        # As Chalice's Request reads it: UTF-8, or base64 (which needs ASCII).
        if base64_encoded:
            base64.b64decode(body.encode("ascii"))
        elif not body.isascii():
            body.encode("utf-8")
    except ValueError:  # UnicodeError and binascii.Error are ValueErrors
        return "body is not base64" if base64_encoded else "body is not valid Unicode"
    return None


def caller(request: Request) -> str | None:
    """The verified subject the authorizer let through, or None if there is no usable one.

    A subject that could not be a DynamoDB key (not valid Unicode, too long) counts as
    none, whichever authorizer let it through. So does the subject of a Cognito token that
    is not an access token: HTTP APIs' JWT authorizer does not check `token_use`, and an
    ID token must not stand in for an access token (the authorizer Lambda refuses it).
    """
    authorizer = _mapping(request.context.get("authorizer"))
    # A REST API's principal id nearly always answers: the other places only if not.
    subject = authorizer.get("principalId")
    if not isinstance(subject, str):
        subject = next(
            (candidate for candidate in _candidates(authorizer) if isinstance(candidate, str)),
            None,
        )
    return subject if subject is not None and usable_subject(subject) else None


def _candidates(authorizer: dict[str, Any]) -> Iterator[Any]:
    """Where each gateway puts the subject, after a REST API's principal id, in order."""
    yield authorizer.get(SUBJECT_CONTEXT_KEY)
    lambda_output = _mapping(authorizer.get("lambda"))
    yield lambda_output.get("principalId")
    yield lambda_output.get(SUBJECT_CONTEXT_KEY)
    yield _access_token_subject(_mapping(authorizer.get("claims")))


def _access_token_subject(claims: dict[str, Any]) -> Any:
    token_use = claims.get("token_use")
    return claims.get("sub") if token_use in (None, "access") else None


def query_parameters(request: Request) -> dict[str, list[str]]:
    """Every value of each query parameter (multiValueQueryStringParameters), in order."""
    parameters = request.query_params
    return {name: parameters.getlist(name) for name in parameters} if parameters else {}


def called_path(request: Request) -> str:
    """The path as the client called it, stage prefix included, without a trailing /."""
    path = request.context.get("path")
    return (path if isinstance(path, str) else request.path).rstrip("/")


def request_id(request: Request) -> str | None:
    """API Gateway's id of the request: its access log's requestId."""
    value = request.context.get("requestId")
    return value if isinstance(value, str) and value else None


def trace_id(request: Request) -> str | None:
    """The X-Ray trace's Root, from the header API Gateway adds; nothing else of it."""
    match = _TRACE_ROOT.search(request.headers.get("x-amzn-trace-id") or "")
    return match.group(1) if match else None


def source_ip(request: Request) -> str | None:
    value = _mapping(request.context.get("identity")).get("sourceIp")
    return value if isinstance(value, str) and value else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
