"""Records the IAM actions of every AWS call that chalicelib's clients make."""

import json
from typing import Any

# TransactWriteItems has no IAM action of its own: each part is authorized as its kind.
_TRANSACT_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def iam_actions(model: Any, request: dict[str, Any]) -> set[str]:
    """The actions of one call; request is the serialized request botocore is about to send."""
    prefix = model.service_model.signing_name
    if model.name == "TransactWriteItems":
        parts = json.loads(request["body"])["TransactItems"]
        return {f"{prefix}:{_TRANSACT_PARTS[kind]}" for part in parts for kind in part}
    return {f"{prefix}:{model.name}"}


class CallRecorder:
    def __init__(self) -> None:
        self.actions: set[str] = set()

    def watch(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._record)
        return client

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.actions |= iam_actions(model, params)


# Every AWS action chalicelib performs anywhere in the test process (tests/conftest.py
# installs it), for tests/unit/deploy/test_policy.py.
AWS_CALLS = CallRecorder()
