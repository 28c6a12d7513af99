"""Records every AWS call this process makes, and refuses any that would leave loopback.

Loaded by Python at start-up in each command `make rehearse` runs as a user would
(`make provision`, `chalice deploy`, ...): the rehearsal puts this directory first on their
PYTHONPATH and names a file in REHEARSAL_CALLS. botocore copies its built-in handlers into
every session it makes, so each client of the process records into that file, one JSON line
per call: the service's signing name, the operation and its HTTP method.
"""

import json
import os
from typing import Any
from urllib.parse import urlsplit

import botocore.handlers

LOG = os.environ.get("REHEARSAL_CALLS")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _record(model: Any, **_: Any) -> None:
    line = {
        "service": model.service_model.signing_name,
        "operation": model.name,
        "method": model.http.get("method", "POST"),
    }
    # One short write to a file opened for appending: lines of concurrent processes stay whole.
    with open(str(LOG), "a") as calls:
        calls.write(json.dumps(line) + "\n")


def _stay_on_loopback(request: Any, **_: Any) -> None:
    host = urlsplit(request.url).hostname
    if host not in LOOPBACK:
        raise RuntimeError(f"the rehearsal refuses a call to {host}: only the emulator is reached")


if LOG:
    botocore.handlers.BUILTIN_HANDLERS.append(("before-call", _record))
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", _stay_on_loopback))
