"""tools.local.server's TimedGateway: the function's timeout, enforced as Lambda does."""

import threading

import pytest

from tools.local.server import FunctionTimedOut, TimedGateway


class Gateway:
    """A stand-in for chalice.local's gateway: answers, fails, or hangs until released."""

    def __init__(self, outcome=None, error=None):
        self.released = threading.Event()
        self.outcome, self.error = outcome, error

    def handle_request(self, **request):
        if self.outcome is None and self.error is None:
            self.released.wait()
        if self.error is not None:
            raise self.error
        return {**self.outcome, "request": request}


def test_a_function_past_its_timeout_gets_api_gateways_502():
    gateway = Gateway()
    try:
        with pytest.raises(FunctionTimedOut) as timed_out:
            TimedGateway(gateway, 0.05).handle_request(method="GET", path="/todos")
    finally:
        gateway.released.set()
    assert timed_out.value.CODE == 502
    assert timed_out.value.body == b'{"message":"Internal server error"}'


def test_an_answer_in_time_is_passed_on():
    answer = TimedGateway(Gateway({"statusCode": 200}), 5).handle_request(method="GET", path="/")
    assert answer == {"statusCode": 200, "request": {"method": "GET", "path": "/"}}


def test_the_gateways_own_errors_are_passed_on():
    with pytest.raises(KeyError):
        TimedGateway(Gateway(error=KeyError("x")), 5).handle_request(method="GET", path="/")
