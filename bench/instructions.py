"""`make bench-instructions`: the warm path in instructions, which noise cannot move.

On a shared machine a warm request's time moves by a few percent from run to run, more than
most single changes to the app's code. cachegrind (valgrind) counts the instructions a
process executes and simulates its caches, whatever else the machine is doing: the same
code, event and environment give counts within about 1% of each other from run to run
(address-space layout still changes the order of some dicts and sets). Each target
(todo-api, the smallest Chalice app, the bare handler: bench/peers/) answers a route
`--warmup` times and then `--requests` times more in a fresh process under cachegrind,
DynamoDB stubbed at botocore's HTTP layer as in `make bench`'s whole request; the same run
with no extra request is subtracted, and the difference divided by `--requests`. Garbage
collection is off in both (bench/warm_child.py): a collection falling in one run and not the
other would move the difference by more than a request costs. Printed per route and target:
instructions (Ir), first-level instruction-cache misses (I1) and data-cache misses (D1) per
request, and the instruction ratios.

Counts are not time: a syscall (the log line's write) costs time that no instruction
count shows, and a cache miss costs more than an instruction. They tell whether a change
did less work, to the instruction; `make bench` tells what the request costs in time.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from bench import docs, warm

EVENTS = ("Ir", "I1mr", "D1mr")
# cachegrind's summary: "==pid== I1  misses:  17,220,181", and so on.
_SUMMARY = {
    "Ir": re.compile(r"I\s+refs:\s+([\d,]+)"),
    "I1mr": re.compile(r"I1\s+misses:\s+([\d,]+)"),
    "D1mr": re.compile(r"D1\s+misses:\s+([\d,]+)"),
}


class Counts(NamedTuple):
    instructions: float
    i1_misses: float
    d1_misses: float


def parse_summary(text: str) -> dict[str, int]:
    """The whole process's counts from cachegrind's summary on stderr."""
    found = {name: pattern.search(text) for name, pattern in _SUMMARY.items()}
    missing = [name for name, match in found.items() if match is None]
    if missing:
        raise RuntimeError(f"no {', '.join(missing)} in cachegrind's output:\n{text[-2000:]}")
    return {name: int(match.group(1).replace(",", "")) for name, match in found.items() if match}


def per_request(without: dict[str, int], with_requests: dict[str, int], requests: int) -> Counts:
    """What the extra requests cost, each: the difference of the two runs, divided."""
    values = [(with_requests[name] - without[name]) / requests for name in EVENTS]
    return Counts(*values)


def run_once(
    spec: dict[str, object], env: dict[str, str], tmp: Path, valgrind: str
) -> dict[str, int]:
    spec_file = tmp / f"spec-{spec['count']}.json"
    spec_file.write_text(json.dumps(spec))
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=yes",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            str(warm.CHILD),
            str(spec_file),
            os.devnull,
        ],
        cwd=warm.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=warm.TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cachegrind run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return parse_summary(result.stderr)


def measure(target: str, route: str, requests: int, warmup: int, valgrind: str) -> Counts:
    env = warm.child_environment(_stage_environment())
    spec: dict[str, object] = {
        "path": [str(warm.PROJECT_DIR), str(warm.PEERS_DIR)],
        "targets": {target: warm.TARGETS[target]},
        "routes": {target: [route]},
        "events": {route: warm.route_events()[route]},
        "warmup": warmup,
    }
    with tempfile.TemporaryDirectory(prefix="todo-api-instructions-") as tmp:
        without = run_once({**spec, "count": 0}, env, Path(tmp), valgrind)
        with_requests = run_once({**spec, "count": requests}, env, Path(tmp), valgrind)
    return per_request(without, with_requests, requests)


def _stage_environment() -> dict[str, str]:
    from tools.deploy.stage import environment

    return environment("local")


def table(counts: dict[tuple[str, str], Counts], routes: Sequence[str]) -> list[str]:
    lines = [
        "          instructions per request (Ir)         ratios"
        "             cache misses per request",
        "route       ours  chalice     bare   ours/bare  chalice/bare  ours/chalice"
        "   I1 ours/chalice/bare     D1 ours/chalice/bare",
    ]
    for route in routes:
        ours, chalice, bare = (counts[(target, route)] for target in warm.TARGETS)
        lines.append(
            f"{route:<8}{ours.instructions / 1000:7,.0f}k{chalice.instructions / 1000:7,.0f}k"
            f"{bare.instructions / 1000:7,.0f}k"
            f"{ours.instructions / bare.instructions:11.3f}"
            f"{chalice.instructions / bare.instructions:14.3f}"
            f"{ours.instructions / chalice.instructions:14.3f}"
            f"   {ours.i1_misses:6,.0f} {chalice.i1_misses:6,.0f} {bare.i1_misses:6,.0f}"
            f"   {ours.d1_misses:6,.0f} {chalice.d1_misses:6,.0f} {bare.d1_misses:6,.0f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="requests counted per run")
    parser.add_argument("--warmup", type=int, default=100, help="requests before them")
    parser.add_argument("--routes", nargs="+", choices=warm.ROUTES, default=list(warm.ROUTES))
    parser.add_argument("--write-docs", action="store_true", help="into docs/performance.md")
    args = parser.parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("make bench-instructions needs valgrind (Debian: apt-get install valgrind)")
        return 1
    method = (
        f"cachegrind, {args.warmup} requests, then {args.requests} counted (minus a run "
        "without them); botocore stubbed at HTTP; PYTHONHASHSEED=0; no garbage collection; "
        "per request"
    )
    print(method, flush=True)
    jobs = [(target, route) for route in args.routes for target in warm.TARGETS]
    # Two at a time: each run is one single-threaded process.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            job: pool.submit(measure, *job, args.requests, args.warmup, valgrind) for job in jobs
        }
        try:
            counts = {job: future.result() for job, future in futures.items()}
        except RuntimeError as error:
            print(f"FAILED: {error}")
            return 1
    lines = table(counts, args.routes)
    print("\n".join(lines))
    if args.write_docs:
        docs.write("make bench-instructions", argv, docs.fenced([method, *lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
