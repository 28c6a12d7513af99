"""API Gateway's events for the API handler, shaped after AWS's documented samples.

- `rest_event`: a REST API's Lambda proxy integration ("Input format of a Lambda
  function for proxy integration", API Gateway developer guide), on the stage `api`,
  after a Lambda authorizer.
- `http_v1_event`: an HTTP API's Lambda integration at payload format version 1.0
  ("Create AWS Lambda proxy integrations for HTTP APIs"), on the stage `api`. Its
  `requestContext` differs from the REST API's: `authorizer` holds what the route's
  authorizer passed on (a JWT authorizer's `claims` and `scopes`, or a Lambda
  authorizer's output), `identity` fewer fields, and there is no `resourceId`.

Both build a request for a route template and its path parameters, with headers,
query values and a body, so that the same request can be sent in either shape.

For the HTTP API, also:

- `http_v1_authorizer_event`: what a Lambda authorizer at payload format 1.0 receives
  ("Control access to HTTP APIs with AWS Lambda authorizers"): type REQUEST, the
  `methodArn`, and with one identity source (the Authorization header) its value as
  both `identitySource` and `authorizationToken`;
- `http_v2_event`: an integration event at payload format 2.0, the shape the API must
  not be given (Chalice reads only the 1.0 shape);
- `policy_allows`: how the gateway reads the IAM policy an authorizer answers with.
"""

import copy
import json
from typing import Any, NamedTuple
from urllib.parse import urlencode

from chalice.local import ARNMatcher

REGION = "us-east-1"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
STAGE = "api"
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
HTTP_REQUEST_ID = "JJbxmHc1IAMFgZQ="
TRACE_HEADER = "Root=1-5e1b4151-5ac6c58f5b5dcc8a2b5bd7b0;Parent=53995c3f42cd8ad8;Sampled=1"
TRACE_ROOT = "1-5e1b4151-5ac6c58f5b5dcc8a2b5bd7b0"
SOURCE_IP = "198.51.100.7"

Event = dict[str, Any]


class _Request(NamedTuple):
    method: str
    route: str
    path_parameters: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    query: dict[str, list[str]] | None = None
    body: Any = None


def _event(request: _Request) -> Event:
    """The event's top level and the requestContext fields both gateways send alike."""
    path = request.route
    for name, value in (request.path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    headers = {
        "accept": "application/json",
        "host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": TRACE_HEADER,
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **{name.lower(): value for name, value in (request.headers or {}).items()},
    }
    query, body = request.query, request.body
    return {
        "resource": request.route,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": dict(query) if query else None,
        "pathParameters": request.path_parameters or None,
        "stageVariables": None,
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": headers["host"],
            "domainPrefix": API_ID,
            "extendedRequestId": "JJbxmHc1IAMFgZQ=",
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoIdentityId": None,
                "sourceIp": SOURCE_IP,
                "user": None,
                "userAgent": headers["user-agent"],
                "userArn": None,
            },
            "path": f"/{STAGE}{path}",
            "protocol": "HTTP/1.1",
            "requestTime": "09/Apr/2026:12:34:56 +0000",
            "requestTimeEpoch": 1775738096000,
            "resourcePath": request.route,
            "stage": STAGE,
        },
    }


def rest_event(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None = None,
    *,
    principal_id: str | None = None,
    **request: Any,
) -> Event:
    """With principal_id, the request passed a Lambda authorizer that named it."""
    event = _event(_Request(method, route, path_parameters, **request))
    context = event["requestContext"]
    context.update(requestId=REQUEST_ID, resourceId="2gxmpl")
    if principal_id is not None:
        context["authorizer"] = {"principalId": principal_id, "integrationLatency": 3}
    return event


def http_v1_event(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None = None,
    *,
    authorizer: Event | None = None,
    **request: Any,
) -> Event:
    """authorizer: what the route's authorizer passed on (see jwt_claims)."""
    event = _event(_Request(method, route, path_parameters, **request))
    context = event["requestContext"]
    context.update(
        requestId=HTTP_REQUEST_ID,
        resourceId=None,
        authorizer=copy.deepcopy(authorizer) if authorizer else {"claims": None, "scopes": None},
    )
    context["identity"].update(
        cognitoAuthenticationProvider=None,
        cognitoAuthenticationType=None,
        cognitoIdentityPoolId=None,
        principalOrgId=None,
    )
    return {"version": "1.0", **event}


def jwt_claims(sub: str) -> Event:
    """requestContext.authorizer as an HTTP API's JWT authorizer passes it (payload 1.0)."""
    return {
        "claims": {"sub": sub, "iss": "https://issuer.example.com", "token_use": "access"},
        "scopes": ["todos/read"],
    }


def method_arn(method: str, path: str) -> str:
    """The ARN of a request as authorizers see it: the path as called, without the stage."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"


def http_v1_authorizer_event(
    authorization: str, method: str, route: str, path_parameters: dict[str, str] | None = None
) -> Event:
    """authorization: the Authorization header's value, the authorizer's identity source."""
    request = _event(_Request(method, route, path_parameters, {"Authorization": authorization}))
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": method_arn(method, request["path"]),
        "identitySource": authorization,
        "authorizationToken": authorization,
        "resource": route,
        "path": request["path"],
        "httpMethod": method,
        "headers": request["headers"],
        "queryStringParameters": {},
        "pathParameters": path_parameters or {},
        "stageVariables": {},
        "requestContext": {
            "path": request["requestContext"]["path"],
            "accountId": ACCOUNT,
            "resourceId": None,
            "stage": STAGE,
            "requestId": HTTP_REQUEST_ID,
            "identity": {"apiKey": None, "sourceIp": SOURCE_IP},
            "resourcePath": route,
            "httpMethod": method,
            "apiId": API_ID,
        },
    }


def http_v2_event(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None = None,
    *,
    authorizer: Event | None = None,
    **request: Any,
) -> Event:
    """An HTTP API integration event at payload 2.0 ("Create AWS Lambda proxy
    integrations for HTTP APIs"): no resource, resourcePath or multi-value fields, the
    method and path under requestContext.http. authorizer: requestContext.authorizer."""
    one = _event(_Request(method, route, path_parameters, **request))
    query = one["multiValueQueryStringParameters"] or {}
    raw_path = one["requestContext"]["path"]
    context = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        **({"authorizer": copy.deepcopy(authorizer)} if authorizer else {}),
        "domainName": one["requestContext"]["domainName"],
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": SOURCE_IP,
            "userAgent": one["headers"]["user-agent"],
        },
        "requestId": HTTP_REQUEST_ID,
        "routeKey": f"{method} {route}",
        "stage": STAGE,
        "time": one["requestContext"]["requestTime"],
        "timeEpoch": one["requestContext"]["requestTimeEpoch"],
    }
    event = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": raw_path,
        "rawQueryString": urlencode([(name, v) for name, values in query.items() for v in values]),
        "headers": one["headers"],
        "queryStringParameters": {name: ",".join(values) for name, values in query.items()},
        "requestContext": context,
        "body": one["body"],
        "pathParameters": path_parameters,
        "isBase64Encoded": False,
    }
    # Payload 2.0 leaves out what the request does not have.
    return {name: value for name, value in event.items() if value not in (None, {})}


def policy_allows(answer: Event, arn: str) -> bool:
    """Whether the gateway lets the request for arn through an authorizer's answer: an
    Allow statement must match it and no Deny may (an explicit Deny wins), with the
    policy's `*` and `?` wildcards matched as chalice local matches them."""
    effects = {
        statement["Effect"]
        for statement in answer["policyDocument"]["Statement"]
        if "execute-api:Invoke" in _listed(statement["Action"])
        and ARNMatcher(arn).does_any_resource_match(_listed(statement["Resource"]))
    }
    return "Allow" in effects and "Deny" not in effects


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
