"""What the app reads from API Gateway's event, for both gateways, in one place.

The API handler is invoked with a REST API proxy event, or with an HTTP API event in
payload format 1.0: the same top-level shape (Chalice turns either into its Request),
with these differences in `requestContext`, which only this module reads:

- the caller: REST APIs put a Lambda authorizer's principal in `authorizer.principalId`,
  and its context's keys beside it. HTTP APIs document only that a Lambda authorizer's
  context reaches the integration (under `authorizer.lambda` in payload 2.0; 1.0 is
  not clearly documented), so our authorizer puts the subject in its context as well
  (chalicelib.claims.SUBJECT_CONTEXT_KEY); the principal id and that key are read
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

import re
from collections.abc import Iterator
from typing import Any

from chalice.app import Request

from chalicelib.claims import SUBJECT_CONTEXT_KEY
from chalicelib.owners import usable_subject

_TRACE_ROOT = re.compile(r"Root=(1-[0-9a-f]{8}-[0-9a-f]{24})")


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
