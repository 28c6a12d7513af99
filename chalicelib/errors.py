"""Domain errors: what went wrong, in the API's terms; and ConfigurationError.

app.py maps each domain error to an HTTP response in one place; nothing here knows HTTP
beyond the status (and any header) each error stands for. ConfigurationError is no
domain error: a stage deployed without a setting it needs is the deployment's fault,
which no request can fix.
"""

from typing import Literal


class ConfigurationError(RuntimeError):
    """A setting the stage must define is missing."""


class TodoApiError(Exception):
    status: int = 500
    code: str = "InternalError"
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only, overridden per class
    # For the logs and metrics only (the request line's `reason`): which of the causes
    # the one answer stands for. Clients never see it.
    reason: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(TodoApiError):
    status = 400
    code = "InvalidRequest"


class MalformedEvent(InvalidRequest):
    """An event Chalice cannot read as a request (chalicelib.gateway.event_problem)."""

    def __init__(self, problem: str) -> None:
        super().__init__("The request could not be read")
        self.reason = problem


class NoUsableCaller(TodoApiError):
    """The authorizer let through a principal that cannot own todos (not valid Unicode,
    too long, or none at all): no request it makes could ever succeed."""

    status = 403
    code = "Forbidden"

    def __init__(self) -> None:
        super().__init__("The token does not name a caller this API can serve")


class UnsupportedMediaType(TodoApiError):
    status = 415
    code = "UnsupportedMediaType"

    def __init__(self) -> None:
        super().__init__("The request body must be sent as Content-Type: application/json")


class InvalidCursor(TodoApiError):
    status = 400
    code = "InvalidCursor"

    def __init__(self) -> None:
        super().__init__("The cursor is not one this API gave you; start again without it")


class TodoNotFound(TodoApiError):
    status = 404
    code = "TodoNotFound"

    def __init__(self, todo_id: str | None = None) -> None:
        # Without an id: one that is no todo id at all, which is the client's own text, of
        # any length, and not the API's to repeat.
        super().__init__(f"Todo with ID {todo_id} not found" if todo_id else "No todo has this ID")


class IdempotencyConflict(TodoApiError):
    status = 409
    code = "IdempotencyConflict"
    headers = {"Retry-After": "1"}  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is in progress; retry shortly")


class PreconditionFailed(TodoApiError):
    status = 412
    code = "PreconditionFailed"

    def __init__(self, todo_id: str) -> None:
        super().__init__(
            f"Todo with ID {todo_id} has changed since the version in If-Match; nothing was changed"
        )


class IdempotencyKeyReused(TodoApiError):
    status = 422
    code = "IdempotencyKeyReused"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used with a different request body")


class ServiceUnavailable(TodoApiError):
    status = 503
    code = "ServiceUnavailable"
    headers = {"Retry-After": "2"}  # noqa: RUF012

    def __init__(self, reason: Literal["throttled", "failed", "unreachable"] = "failed") -> None:
        super().__init__("The service is busy or unavailable; retry later")
        # For the logs and metrics only: whether DynamoDB throttled, failed or could not
        # be reached. Clients get the same answer for all three.
        self.reason = reason


class NoEmulator(TodoApiError):
    """A LOCAL_ONLY stage asked for an AWS client with no emulator on loopback to point it
    at (chalicelib.aws): it answers this rather than reach AWS."""

    status = 503
    code = ServiceUnavailable.code
    headers = ServiceUnavailable.headers
    reason = "no emulator"

    def __init__(self, service: str) -> None:
        super().__init__(
            f"The local stage uses an emulator on loopback, never AWS, and none is set: run "
            f"`make run`, or start one (`python -m tools.local.emulator`) and set "
            f"AWS_ENDPOINT_URL_{service.upper()} to its http://127.0.0.1:<port> URL"
        )
