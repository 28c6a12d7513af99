"""The Lambda authorizer: verifies the bearer JWT and names its subject as the principal.

Every token that fails verification is denied with an explicit Deny of the request's
method (and the principal "unauthenticated"), which API Gateway's REST and HTTP APIs,
`chalice local` and Chalice's test client all answer with 403. An Allow of no resource
(Chalice's `AuthResponse(routes=[])`) is a 403 on the other three too, but an HTTP API
needs the Deny spelled out. (Raising "Unauthorized" would give 401 on API Gateway, but
`chalice local` drops the connection and the test client lets the exception escape.)
A request with no Authorization header never reaches this code: the gateway answers
401 itself.

A token that passes is allowed with its subject as the principal, and the subject in
the policy's context too: that is how it reaches the app behind an HTTP API (see
chalicelib.gateway).

Which tokens a stage accepts (HS256, or an OIDC issuer's RS256/ES256) is
chalicelib.tokens' business. It is imported on the first token, not with this module:
app.py imports this module in the API handler too, which never verifies a token and
so never pays for importing PyJWT (and, where installed, cryptography).

On a stage with REQUIRE_SCOPES, the policy allows only what the token's scopes grant:
GET with `todos/read`, POST, PUT and DELETE with `todos/write`. API Gateway caches the
policy per token and applies it to whichever route comes next, so it always lists all
the token may do, never just the route at hand.
"""

import logging
from typing import Any

from chalice import AuthResponse, AuthRoute
from chalice.app import AuthRequest

from chalicelib import metrics, settings
from chalicelib.errors import ConfigurationError
from chalicelib.subjects import SUBJECT_CONTEXT_KEY, Claims, usable_subject

logger = logging.getLogger(__name__)

READ_SCOPE = "todos/read"
WRITE_SCOPE = "todos/write"
# The routes each scope opens. A policy names concrete paths, so "/todos/*" stands for
# "/todos/{todo_id}" (a "{todo_id}" in a policy would match no request at all).
SCOPE_ROUTES = {
    READ_SCOPE: [AuthRoute("/todos", ["GET"]), AuthRoute("/todos/*", ["GET"])],
    WRITE_SCOPE: [AuthRoute("/todos", ["POST"]), AuthRoute("/todos/*", ["PUT", "DELETE"])],
}
_DENIED_PRINCIPAL = "unauthenticated"


# The types of authorizer event; a tuple, so that an unhashable type is merely not one.
_EVENT_TYPES = ("TOKEN", "REQUEST")


def event_problem(event: Any) -> str | None:
    """What makes event one that Chalice cannot read as an authorizer's, or None."""
    if not isinstance(event, dict):
        return "the event is not an object"
    if event.get("type") not in _EVENT_TYPES:
        return "type is not TOKEN or REQUEST"
    if not isinstance(event.get("authorizationToken"), str):
        return "authorizationToken is missing or not a string"
    if _method_arn(event) is None:
        return "methodArn is missing or not an execute-api ARN"
    return None


def _method_arn(event: Any) -> str | None:
    """The event's methodArn, if it is an execute-api ARN (Chalice derives the ARNs of an
    Allow from it)."""
    arn = event.get("methodArn") if isinstance(event, dict) else None
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    return arn if len(parts) == 6 and parts[0] == "arn" and parts[2] == "execute-api" else None


def refused(event: Any, problem: str) -> dict[str, Any]:
    """The answer to an event Chalice could not read: denied, and the reason logged."""
    logger.warning("denied a malformed authorizer event: %s", problem)
    return denial(_method_arn(event) or "*")


def failed(event: Any, error: Exception) -> dict[str, Any]:
    """The answer when verifying raised: denied, what failed logged as an ERROR (never the
    exception's message, which may quote the token), and counted (FAILURE_METRICS)."""
    if isinstance(error, ConfigurationError):
        logger.error("the authorizer is misconfigured: %s", error)
    else:
        # Imported here: only a failure needs it.
        import traceback

        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
        logger.error("the authorizer failed: %s at %s", type(error).__name__, where)
    _count_failure()
    return denial(_method_arn(event) or "*")


# A failure that is denied is no Lambda error: this metric is what its alarm watches
# (tools.deploy.package.alarms). By stage alone: the authorizer's function has no app name.
FAILURE_METRICS = metrics.MetricSet(("Stage",), (("AuthorizerFailures", "Count"),))


def _count_failure() -> None:
    namespace, stage = settings.telemetry_settings()
    shape = metrics.template(namespace, (FAILURE_METRICS,))
    metrics.emit(metrics.line(metrics.members({"Stage": stage, "AuthorizerFailures": 1}), shape))


def _bearer_token(header_value: str) -> str | None:
    scheme, _, token = header_value.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _rejected(reason: str) -> None:
    # The reason helps whoever debugs a client; the token itself is never logged.
    logger.info("rejected a bearer token: %s", reason)


def verified_claims(header_value: str) -> Claims | None:
    """The claims of a valid bearer token in an Authorization header, else None."""
    token = _bearer_token(header_value)
    # A JWT is ASCII (base64url and dots); PyJWT would fail to encode a lone surrogate.
    if token is None or not token.isascii():
        _rejected("not a bearer token" if token is None else "the token is not ASCII")
        return None
    # Imported here, not at the top: see the module docstring.
    import jwt

    from chalicelib import tokens

    try:
        return tokens.verified_claims(token)
    except jwt.PyJWTError as error:  # InvalidTokenError, and InvalidKeyError for weak keys
        _rejected(type(error).__name__)
        return None


def _subject(claims: Claims) -> str | None:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not usable_subject(subject):
        _rejected("unusable subject")
        return None
    return subject


def scopes(claims: Claims) -> frozenset[str]:
    """The token's scopes: "scope" (OAuth 2.0, Cognito, Auth0) and "scp" (Okta, Entra ID),
    each a space-separated string or a list of strings."""
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return frozenset(found)


def granted_routes(claims: Claims) -> list[str | AuthRoute]:
    """What the token may call: everything, or on a stage with REQUIRE_SCOPES, its scopes'."""
    if not settings.require_scopes():
        return ["*"]
    granted = scopes(claims)
    routes: list[str | AuthRoute] = [
        route
        for scope, scope_routes in SCOPE_ROUTES.items()
        if scope in granted
        for route in scope_routes
    ]
    if not routes:
        _rejected(f"no {READ_SCOPE} or {WRITE_SCOPE} scope")
    return routes


class Denial(AuthResponse):
    """No route at all, as a policy that denies the request's method explicitly.

    Chalice would answer `routes=[]` with an Allow statement of no resource; this
    policy names the method instead. API Gateway caches it per token like any other
    policy: a denied token's next request, to another method, matches no Allow and is
    denied as well.
    """

    def __init__(self) -> None:
        super().__init__(routes=[], principal_id=_DENIED_PRINCIPAL)

    def to_dict(self, request: AuthRequest) -> dict[str, Any]:
        return denial(request.method_arn)


def denial(resource: str) -> dict[str, Any]:
    """The policy of a Denial: an explicit Deny of resource, for no principal."""
    statement = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [resource]}
    return {
        "context": {},
        "principalId": _DENIED_PRINCIPAL,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }


def authorize(request: AuthRequest) -> AuthResponse:
    claims = verified_claims(request.token)
    if claims is None:
        return Denial()
    subject = _subject(claims)
    routes = granted_routes(claims) if subject is not None else []
    if subject is None or not routes:
        return Denial()
    return AuthResponse(routes=routes, principal_id=subject, context={SUBJECT_CONTEXT_KEY: subject})
