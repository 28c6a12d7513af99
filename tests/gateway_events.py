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
"""

import copy
import json
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
STAGE = "api"
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
TRACE_HEADER = "Root=1-5e1b4151-5ac6c58f5b5dcc8a2b5bd7b0;Parent=53995c3f42cd8ad8;Sampled=1"
TRACE_ROOT = "1-5e1b4151-5ac6c58f5b5dcc8a2b5bd7b0"
SOURCE_IP = "198.51.100.7"

Event = dict[str, Any]


def _request(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None,
    headers: dict[str, str] | None,
    query: dict[str, list[str]] | None,
    body: Any,
) -> tuple[str, dict[str, str], Event]:
    path = route
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    all_headers = {
        "accept": "application/json",
        "host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": TRACE_HEADER,
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **{name.lower(): value for name, value in (headers or {}).items()},
    }
    top_level = {
        "resource": route,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": dict(query) if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }
    return path, all_headers, top_level


def rest_event(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None = None,
    *,
    principal_id: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    body: Any = None,
) -> Event:
    path, all_headers, event = _request(method, route, path_parameters, headers, query, body)
    context: Event = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": all_headers["host"],
        "domainPrefix": API_ID,
        "extendedRequestId": "JJbxmHc1IAMFgZQ=",
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoIdentityId": None,
            "sourceIp": SOURCE_IP,
            "user": None,
            "userAgent": all_headers["user-agent"],
            "userArn": None,
        },
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "requestId": REQUEST_ID,
        "requestTime": "09/Apr/2026:12:34:56 +0000",
        "requestTimeEpoch": 1775738096000,
        "resourceId": "2gxmpl",
        "resourcePath": route,
        "stage": STAGE,
    }
    if principal_id is not None:
        context["authorizer"] = {"principalId": principal_id, "integrationLatency": 3}
    return {**event, "requestContext": context}


def http_v1_event(
    method: str,
    route: str,
    path_parameters: dict[str, str] | None = None,
    *,
    authorizer: Event | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    body: Any = None,
) -> Event:
    path, all_headers, event = _request(method, route, path_parameters, headers, query, body)
    context: Event = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "authorizer": copy.deepcopy(authorizer) if authorizer else {"claims": None, "scopes": None},
        "domainName": all_headers["host"],
        "domainPrefix": API_ID,
        "extendedRequestId": "JJbxmHc1IAMFgZQ=",
        "httpMethod": method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": SOURCE_IP,
            "user": None,
            "userAgent": all_headers["user-agent"],
            "userArn": None,
        },
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "requestId": "JJbxmHc1IAMFgZQ=",
        "requestTime": "09/Apr/2026:12:34:56 +0000",
        "requestTimeEpoch": 1775738096000,
        "resourceId": None,
        "resourcePath": route,
        "stage": STAGE,
    }
    return {"version": "1.0", **event, "requestContext": context}


def jwt_claims(sub: str) -> Event:
    """requestContext.authorizer as an HTTP API's JWT authorizer passes it (payload 1.0)."""
    return {
        "claims": {"sub": sub, "iss": "https://issuer.example.com", "token_use": "access"},
        "scopes": ["todos/read"],
    }
