"""The fast tier (`make test-unit`): every test here runs in this process alone.

A test in tests/unit may start no process and open no connection, loopback included: it
fails at once if it does. What needs either belongs in tests/integration.
"""

import socket
import subprocess
from collections.abc import Callable
from typing import Any

import pytest


class LeftTheProcess(AssertionError):
    """A test of the fast tier started a process or opened a connection."""


@pytest.fixture(autouse=True)
def _fast_tier_stays_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(what: str) -> Callable[..., Any]:
        def refused(*_args: Any, **_kwargs: Any) -> Any:
            raise LeftTheProcess(f"{what} in a unit test: it belongs in tests/integration")

        return refused

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("a subprocess"))
    monkeypatch.setattr(socket.socket, "connect", refuse("a connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("a connection"))
