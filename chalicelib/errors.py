"""Domain errors: what went wrong, in the API's terms.

app.py maps each of them to an HTTP response in one place; nothing here knows HTTP
beyond the status each error stands for.
"""


class TodoApiError(Exception):
    status: int = 500
    code: str = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(TodoApiError):
    status = 400
    code = "InvalidRequest"


class TodoNotFound(TodoApiError):
    status = 404
    code = "TodoNotFound"

    def __init__(self, todo_id: str) -> None:
        super().__init__(f"Todo with ID {todo_id} not found")
