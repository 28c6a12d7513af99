"""Lambda events as API Gateway (REST API, Lambda proxy integration) sends them.

Chalice's Request reads requestContext (resourcePath, httpMethod, path, authorizer),
headers, multiValueQueryStringParameters, pathParameters, stageVariables, body and
isBase64Encoded; the rest is there because API Gateway sends it too.
"""

from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
API_ID = "abcdef1234"
STAGE = "api"

Event = dict[str, Any]
TRACE_HEADER = "Root=1-677b4d20-8c4f7b219d3e5a6b7c8d9e0f;Sampled=1"
# A token's shape and length (RS256, a Cognito access token's claims), not a token.
BEARER = "Bearer " + ".".join(("h" * 100, "p" * 720, "s" * 342))


def authorizer_event(token: str, method: str, path: str) -> Event:
    """A TOKEN authorizer's event: the Authorization header and the method's ARN."""
    return {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}",
    }


def proxy_event(
    method: str,
    resource_path: str,
    path_parameters: dict[str, str] | None = None,
    principal_id: str | None = None,
    body: str | None = None,
) -> Event:
    """A proxy request for resource_path (e.g. /todos/{todo_id}) with the given parameters.

    With principal_id, the request passed a Lambda authorizer that named that principal;
    with body, it carries that JSON body.
    """
    path = resource_path
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    headers = {
        "Accept": "application/json",
        "Host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "User-Agent": "bench/1.0",
        # What API Gateway adds to every request: the trace (which telemetry reads) and
        # the client's address and port.
        "X-Amzn-Trace-Id": TRACE_HEADER,
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if principal_id is not None:
        # The caller's token reaches the integration too; only the authorizer reads it.
        headers["Authorization"] = BEARER
    if body is not None:
        headers["Content-Type"] = "application/json"
    request_context: dict[str, Any] = {
        "resourceId": "abc123",
        "resourcePath": resource_path,
        "httpMethod": method,
        "extendedRequestId": "bench-extended-request-id",
        "requestTime": "01/Jan/2026:00:00:00 +0000",
        "path": f"/{STAGE}{path}",
        "accountId": ACCOUNT,
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": API_ID,
        "requestTimeEpoch": 1767225600000,
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "identity": {"sourceIp": "203.0.113.10", "userAgent": "bench/1.0"},
        "domainName": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "apiId": API_ID,
    }
    if principal_id is not None:
        request_context["authorizer"] = {"principalId": principal_id, "integrationLatency": 0}
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": False,
    }
