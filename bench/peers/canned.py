"""DynamoDB stubbed, for the warm-path benchmarks: canned answers, no socket, no emulator.

Two depths, so that a request's time can be split into the framework's and the SDK's:

- `before_send`, a botocore `before-send` handler: the real client serializes, signs and
  parses as ever, and only the HTTP exchange is replaced by a canned AWSResponse;
- `FakeDynamoDB`, a stand-in for the client itself: the handler and its framework alone.

Standard library and botocore only: each peer's virtualenv imports this file as it is.
"""

import json
from typing import Any

OWNER = "alice"
TODO_ID = "01937a2e-8c4f-7b21-9d3e-5a6b7c8d9e0f"
LISTED = 10

ITEM: dict[str, dict[str, Any]] = {
    "ownerId": {"S": OWNER},
    "todoId": {"S": TODO_ID},
    "text": {"S": "bench"},
    "checked": {"BOOL": False},
    "createdAt": {"S": "2026-12-01T00:00:00.000Z"},
    "updatedAt": {"S": "2026-12-01T00:00:00.000Z"},
    "version": {"N": "1"},
}
# Each operation's answer, as DynamoDB's JSON body.
ANSWERS: dict[str, dict[str, Any]] = {
    "GetItem": {"Item": ITEM},
    "Query": {"Items": [ITEM] * LISTED, "Count": LISTED, "ScannedCount": LISTED},
    "PutItem": {},
    "UpdateItem": {"Attributes": ITEM},
}
_BODIES = {operation: json.dumps(answer).encode() for operation, answer in ANSWERS.items()}
_TARGET_PREFIX = "DynamoDB_20120810."


class _Raw:
    """What AWSResponse reads its body from (urllib3's response, in real use)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def before_send(request: Any, **_: Any) -> Any:
    """Answers a DynamoDB request with the canned body of its operation (X-Amz-Target)."""
    from botocore.awsrequest import AWSResponse, HeadersDict

    target = request.headers["X-Amz-Target"]
    operation = (target.decode() if isinstance(target, bytes) else target)[len(_TARGET_PREFIX) :]
    body = _BODIES[operation]
    headers = HeadersDict(
        {
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Length": str(len(body)),
            "x-amzn-RequestId": "BENCH0000000000000000000000000000000000000000000000000",
        }
    )
    # The stubs say http.client's headers; AWSResponse wraps any mapping in a HeadersDict.
    return AWSResponse(request.url, 200, headers, _Raw(body))  # type: ignore[arg-type]


def stub_http(client: Any) -> Any:
    """The client, with its HTTP exchanges answered by before_send."""
    client.meta.events.register("before-send.dynamodb", before_send)
    return client


class _Exceptions:
    class ConditionalCheckFailedException(Exception):
        pass

    class TransactionCanceledException(Exception):
        pass


class FakeDynamoDB:
    """The client's methods the apps call, answering as botocore would parse ANSWERS."""

    exceptions = _Exceptions

    @staticmethod
    def _answer(operation: str) -> dict[str, Any]:
        return {**ANSWERS[operation], "ResponseMetadata": {"HTTPStatusCode": 200}}

    def get_item(self, **_: Any) -> dict[str, Any]:
        return self._answer("GetItem")

    def query(self, **_: Any) -> dict[str, Any]:
        return self._answer("Query")

    def put_item(self, **_: Any) -> dict[str, Any]:
        return self._answer("PutItem")

    def update_item(self, **_: Any) -> dict[str, Any]:
        return self._answer("UpdateItem")
