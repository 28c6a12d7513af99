"""Every request is answered before the function's timeout: DynamoDB calls end at a deadline.

botocore's read_timeout bounds each read of an answer, not the answer: one that trickles in a
byte at a time held a request for minutes, and on Lambda the function's timeout would cut it,
leaving API Gateway to answer 502 without the API's JSON or Retry-After. No botocore or urllib3
setting bounds a whole answer, and nothing public can close the socket botocore reads. So a
watchdog thread raises DeadlinePassed in the calling thread once the request's deadline has
passed, with CPython's documented PyThreadState_SetAsyncExc: the exception surfaces at the
thread's next bytecode, within one read (chalicelib.aws's read timeout) of the deadline; urllib3
closes the connection on any exception, and botocore retries none but its own. A call on a
worker thread, waited for until the deadline, did the same, but made a warm request 1.3x as
slow (make bench); the watchdog costs a call a dict entry.

The deadline: what the Lambda context says remains (Lambda's, or chalice local's and the test
client's, from the stage's lambda_timeout), less the time an interrupted read may take to
notice and the time to answer (MARGIN_SECONDS).
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.aws import READ_TIMEOUT_SECONDS
from chalicelib.errors import ServiceUnavailable

# After the deadline: up to one botocore read before the exception surfaces, the watchdog's
# tick, then the error response, the log line and API Gateway's way back.
_TICK_SECONDS = 0.25
_ANSWER_SECONDS = 1.0
MARGIN_SECONDS = READ_TIMEOUT_SECONDS + _TICK_SECONDS + _ANSWER_SECONDS

_deadline: ContextVar[float | None] = ContextVar("todo_api_deadline", default=None)


class DeadlinePassed(BaseException):
    """Raised by the watchdog in a thread whose call outlived its request's deadline: a
    BaseException, as KeyboardInterrupt is, so that no `except Exception` on the way (botocore
    takes any Exception for a failed attempt) can swallow it."""


@contextmanager
def of_request(lambda_context: Any) -> Iterator[None]:
    """Calls made inside end by the deadline of the request that lambda_context belongs to.

    Without a context that tells the time remaining (an invocation by hand), none.
    """
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    token = _deadline.set(
        None if remaining is None else time.monotonic() + remaining() / 1000 - MARGIN_SECONDS
    )
    try:
        yield
    finally:
        _deadline.reset(token)


class _Watchdog:
    """The calls in flight, by thread, with their deadlines; a thread that ends each late one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadlines: dict[int, float] = {}
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float) -> None:
        with self._lock:
            self._deadlines[threading.get_ident()] = deadline
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadline", daemon=True)
                self._thread.start()

    def unwatch(self) -> None:
        # A Python function, so that an exception the watchdog raised in this thread just
        # before is raised on entering it, inside call's handler, and never later.
        with self._lock:
            self._deadlines.pop(threading.get_ident(), None)

    def _run(self) -> None:
        while True:
            time.sleep(_TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                late = [ident for ident, deadline in self._deadlines.items() if deadline <= now]
                for ident in late:
                    del self._deadlines[ident]
                    _raise_in(ident, DeadlinePassed)


def _raise_in(ident: int, exception: type[BaseException]) -> None:
    # Imported when first needed: ctypes would cost every cold start its import.
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exception))


_watchdog = _Watchdog()


def call[T](operation: Callable[..., T], **parameters: Any) -> T:
    """operation(**parameters), or ServiceUnavailable once the request's deadline has passed.

    Outside a request (no deadline) nothing watches the call.
    """
    deadline = _deadline.get()
    if deadline is None:
        return operation(**parameters)
    try:
        _watchdog.watch(deadline)
        try:
            return operation(**parameters)
        finally:
            _watchdog.unwatch()
    except DeadlinePassed:
        raise ServiceUnavailable("unreachable") from None
