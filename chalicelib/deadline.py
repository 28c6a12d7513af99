"""Every request is answered before the function's timeout: a view that outlives its deadline
is interrupted with ServiceUnavailable (503, Retry-After).

botocore's read_timeout bounds each read of an answer, not the answer: one that trickles in a
byte at a time held a request for minutes, and on Lambda the function's timeout would cut it,
leaving API Gateway to answer 502 without the API's JSON or Retry-After. No botocore or urllib3
setting bounds a whole answer, and nothing public can close the socket botocore reads. So a
watchdog thread raises DeadlinePassed in a request's thread once its deadline has passed, with
CPython's documented PyThreadState_SetAsyncExc: the exception surfaces at the thread's next
bytecode, within one read (chalicelib.aws's read timeout) of the deadline; urllib3 closes the
connection on any exception, and botocore retries none but its own. (Not signals: Python runs
their handlers in the main thread only, and chalice local serves requests on others.) Each
DynamoDB call on a worker thread, waited for until the deadline, would have needed nothing from
CPython, but a warm request took 1.37x the bare handler's time (budget 1.3x, make bench);
watching costs a request a dict entry.

The deadline: what the Lambda context says remains (Lambda's, or chalice local's and the test
client's, from the stage's lambda_timeout), less the time an interrupted read may take to
notice and the time to answer (MARGIN_SECONDS).
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.aws import READ_TIMEOUT_SECONDS
from chalicelib.errors import ServiceUnavailable

# After the deadline: up to one botocore read before the exception surfaces, the watchdog's
# tick, then the error response, the log line and API Gateway's way back.
_TICK_SECONDS = 0.25
_ANSWER_SECONDS = 1.0
MARGIN_SECONDS = READ_TIMEOUT_SECONDS + _TICK_SECONDS + _ANSWER_SECONDS


class DeadlinePassed(BaseException):
    """Raised by the watchdog in a thread whose request outlived its deadline: a
    BaseException, as KeyboardInterrupt is, so that no `except Exception` on the way (botocore
    takes any Exception for a failed attempt) can swallow it."""


class _Watchdog:
    """The deadline of the request each thread serves; a thread that interrupts late ones."""

    def __init__(self) -> None:
        # Taken by the watchdog while it interrupts, and by a request's thread only when the
        # watchdog has taken its entry: never by a request that ends in time.
        self._lock = threading.Lock()
        self._deadlines: dict[int, float] = {}
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float) -> None:
        self._deadlines[threading.get_ident()] = deadline
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="deadline", daemon=True)
                    self._thread.start()

    def unwatch(self) -> None:
        """Ends the watch; an interruption that comes only now is dropped: the request has
        its outcome, and a success stays one."""
        try:
            if self._deadlines.pop(threading.get_ident(), None) is None:
                # The watchdog took the entry: once it lets go of the lock its exception is
                # set, and entering a Python function raises it here, not after the request.
                with self._lock:
                    _surface()
        except DeadlinePassed:
            pass

    def _run(self) -> None:
        while True:
            time.sleep(_TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                for ident, deadline in list(self._deadlines.items()):
                    if deadline <= now and self._deadlines.pop(ident, None) is not None:
                        _raise_in(ident, DeadlinePassed)


def _surface() -> None:
    """Nothing: calling it gives a pending asynchronous exception a bytecode to surface at."""


def _raise_in(ident: int, exception: type[BaseException]) -> None:
    # Imported when first needed: ctypes would cost every cold start its import.
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exception))


_watchdog = _Watchdog()


def within[T](lambda_context: Any, view: Callable[..., T], **arguments: Any) -> T:
    """view(**arguments), or ServiceUnavailable once the request's deadline has passed.

    Without a context that tells the time remaining (an invocation by hand), nothing watches.
    A function, not a context manager: an exception that surfaced on entering __exit__ would
    escape the with statement.
    """
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return view(**arguments)
    deadline = time.monotonic() + remaining() / 1000 - MARGIN_SECONDS
    try:
        _watchdog.watch(deadline)
        try:
            return view(**arguments)
        finally:
            _watchdog.unwatch()
    except DeadlinePassed:
        raise ServiceUnavailable("unreachable") from None
