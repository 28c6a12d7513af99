"""One process of the warm-path benchmark: `python bench/warm_child.py SPEC OUT`.

With "cold" in SPEC, it is one cold start instead (make bench-peers): the one target is
imported, stubbed and called once, and OUT gets the clock (CLOCK_MONOTONIC, shared with
the parent, which read it just before spawning) when it had answered, and the peak RSS.
With "count" in SPEC (make bench-instructions, under cachegrind), the one target answers
its route `warmup` times and then `count` times more, garbage collection off, and nothing
is timed: the parent subtracts a run with count 0 from one with count N.

Run by bench/warm.py, in this virtualenv or a peer's (standard library and botocore
only, besides the targets). SPEC (JSON) names the targets (modules with a `handler` and a
`dynamodb` client, bench/peers/), the events by route, the DynamoDB stub ("http": the
real client with canned HTTP answers; "client": a fake client) and the counts. Each
target answers each route once and is checked, then `rounds` rounds time `batch` calls
in turn, the targets' order rotating each round. OUT gets, per target and route, every
batch's mean in microseconds. Logs and metrics printed by the targets go to /dev/null,
through the same writes as in Lambda.
"""

import gc
import importlib
import json
import os
import sys
import time
from typing import Any


class _LambdaContext:
    function_name = "bench-warm"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-warm"
    memory_limit_in_mb = "1024"
    aws_request_id = "8f5e7c1a-0000-4000-8000-000000000002"
    log_group_name = "/aws/lambda/bench-warm"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
    identity = None
    client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


def _load(module_name: str, stub: str) -> Any:
    canned = importlib.import_module("canned")  # bench/peers/, on sys.path from SPEC
    module = importlib.import_module(module_name)
    if stub == "http":
        canned.stub_http(module.dynamodb)
    elif hasattr(module, "set_dynamodb"):
        module.set_dynamodb(canned.FakeDynamoDB())
    else:
        module.dynamodb = canned.FakeDynamoDB()  # type: ignore[attr-defined]
    return module.handler


def _check(name: str, route: str, answer: Any) -> None:
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if status not in (200, 201):
        raise SystemExit(f"{name} {route}: expected 200 or 201, got {str(answer)[:400]}")


def _peak_rss_kib() -> int:
    # VmHWM: ru_maxrss would keep the forking parent's peak across exec on Linux.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cold(spec: dict[str, Any], out_path: str) -> None:
    ((name, module),) = spec["targets"].items()
    route = spec["routes"][name][0]
    handler = _load(module, "http")
    answer = handler(spec["events"][route], _LambdaContext())
    answered_ns = time.monotonic_ns()
    _check(name, route, answer)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"answered_ns": answered_ns, "peak_rss_kib": _peak_rss_kib()}, out)


def count(spec: dict[str, Any]) -> None:
    # No collection: one falling in the run with requests and not in the one without
    # (or the other way) would move the difference by more than a request costs.
    gc.disable()
    ((name, module),) = spec["targets"].items()
    (route,) = spec["routes"][name]
    handler, event, context = _load(module, "http"), spec["events"][route], _LambdaContext()
    _check(name, route, handler(event, context))
    for _ in range(spec["warmup"] + spec["count"]):
        handler(event, context)


def main(spec_path: str, out_path: str) -> None:
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    sys.path[:0] = spec["path"]
    # What the targets print (log lines, EMF) is written, as in Lambda, but to nowhere.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    if spec.get("cold"):
        cold(spec, out_path)
        return
    if "count" in spec:
        count(spec)
        return
    context = _LambdaContext()
    handlers = {name: _load(module, spec["stub"]) for name, module in spec["targets"].items()}
    events: dict[str, Any] = spec["events"]
    for name, handler in handlers.items():
        for route in spec["routes"][name]:
            _check(name, route, handler(events[route], context))
    means: dict[str, dict[str, list[float]]] = {
        name: {route: [] for route in spec["routes"][name]} for name in handlers
    }
    order = list(handlers)
    batch = spec["batch"]
    for round_index in range(spec["rounds"]):
        shift = round_index % len(order)
        for name in order[shift:] + order[:shift]:
            handler = handlers[name]
            for route in spec["routes"][name]:
                event = events[route]
                started = time.process_time_ns()
                for _ in range(batch):
                    handler(event, context)
                means[name][route].append((time.process_time_ns() - started) / batch / 1000)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(means, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
