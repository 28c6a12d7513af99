"""The embedded DynamoDB emulator of `make run`: moto's server on loopback.

DynamoDB applies each request atomically: a conditional write checks and writes as
one step. moto checks and writes in several steps without a lock, so two concurrent
conditional writes could both pass their check. The emulator therefore serves one
request at a time, which is what the API's concurrency guarantees need to hold
locally as they do in AWS.

Only boto3 and the like reach it: no browser, and no other Host (tools.local.loopback).

`python -m tools.local.emulator [--port 8002]` runs it alone, with the local stage's table,
for `chalice local --stage local` beside it (README: "Plain chalice local").

Over a long session it keeps its size and speed: transactions copy only the items they name
(tools.local.transactions), and moto's record of every model object it ever made, kept for a
dashboard nobody here reads, is dropped after each request.
"""

from collections.abc import Callable, Iterable
from threading import Lock, Thread
from typing import Any

from moto.core.model_instances import reset_model_data
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from tools.local import transactions
from tools.local.loopback import NoBrowsers

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _OneRequestAtATime:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            try:
                return list(self._app(environ, start_response))
            finally:
                reset_model_data()


# Once per process.
transactions.install()


class Emulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        guard = NoBrowsers(app)
        self._server = make_server(
            host, port, guard, threaded=True, request_handler=MotoRequestHandler
        )
        guard.serve_on(self._server.server_address[1])
        self._thread = Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        # An AF_INET server's address is (str, int); bytes only for other families.
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    import argparse
    import logging
    import os
    import signal

    # Here, not at the top: tools.local.stack imports this module.
    from tools.local.stack import HOST, create_table, emulator_environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8002)
    port = parser.parse_args().port
    # Blocked before the server's thread starts (it inherits the mask): only sigwait below
    # takes them, and the emulator is stopped cleanly.
    stops = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # an access line per request
    emulator = Emulator(HOST, port)
    endpoint = emulator.start()
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    create_table("local", {**emulator_environment(endpoint), "AWS_DEFAULT_REGION": region})
    print(
        f"DynamoDB emulator on {endpoint}, with the local stage's table. In another shell:\n"
        f"  export AWS_ENDPOINT_URL_DYNAMODB={endpoint}\n"
        "  .venv/bin/chalice local --stage local\n"
        "Ctrl-C stops it; its data is in memory only.",
        flush=True,
    )
    try:
        signal.sigwait(stops)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
