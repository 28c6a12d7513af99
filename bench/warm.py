"""The warm path: per-request time of a container that has served requests before.

Each route (get, list, create, update) is called in-process, in `processes` fresh
interpreters (bench/warm_child.py), on three targets (bench/peers/): todo-api's `app.app`,
the smallest Chalice app making the same DynamoDB call, and a bare handler around that
call. DynamoDB is stubbed twice over (bench/peers/canned.py):

- at the client ("own time"): a fake client, so the time is the framework's and the
  handler's alone. Budget: ours at most 2x the smallest Chalice app's;
- at HTTP ("whole request"): botocore's `before-send` answers with a canned response,
  so serializing, signing, retries and parsing are in. Budget: ours at most 1.3x the
  bare handler's.

Time is the process's CPU time (time.process_time_ns), not the wall clock: on a shared
machine, other processes' work then does not count, and a warm request that never waits
(DynamoDB is stubbed) is CPU all through. A process's figure is the median of its
batches' means; the figure printed, the median of the processes'. A ratio is paired: in
each round, the targets' batches run back to back, so a round's ratio compares them
under the same conditions (a noisy neighbour slows both); a process's ratio is the
median of its rounds', the ratio printed the median of the processes'. No socket is
opened and no request leaves the process.
"""

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import events

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
CHILD = BENCH_DIR / "warm_child.py"
OWN_TIME_BUDGET = 2.0
WHOLE_REQUEST_BUDGET = 1.3
OWNER = "alice"
TODO_ID = "01937a2e-8c4f-7b21-9d3e-5a6b7c8d9e0f"  # bench/peers/canned.py's
ROUTES = ("get", "list", "create", "update")
TARGETS = {"ours": "todo_api", "chalice": "chalice_min", "bare": "bare_boto3"}
STUBS = ("client", "http")
TIMEOUT_SECONDS = 600

# Figures: target -> route -> for each process, its rounds' batch means (µs), in order.
Figures = dict[str, dict[str, list[list[float]]]]


@dataclass(frozen=True)
class Plan:
    processes: int = 5
    rounds: int = 20
    batch: int = 50


def route_events() -> dict[str, events.Event]:
    todo = {"todo_id": TODO_ID}
    return {
        "get": events.proxy_event("GET", "/todos/{todo_id}", todo, principal_id=OWNER),
        "list": events.proxy_event("GET", "/todos", principal_id=OWNER),
        "create": events.proxy_event("POST", "/todos", principal_id=OWNER, body='{"text": "x"}'),
        "update": events.proxy_event(
            "PUT", "/todos/{todo_id}", todo, principal_id=OWNER, body='{"checked": true}'
        ),
    }


def child_environment(stage_env: Mapping[str, str]) -> dict[str, str]:
    """From scratch: fake credentials, and every endpoint a closed loopback port."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Never contacted (before-send answers first); if it were, nothing listens there.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_LAMBDA_FUNCTION_NAME": "bench-warm",
        "PYTHONHASHSEED": "0",
        **stage_env,
    }


def run_process(
    python: str, spec: dict[str, Any], env: Mapping[str, str], tmp: Path
) -> dict[str, dict[str, list[float]]]:
    """One fresh interpreter's batch means: target -> route -> µs per request."""
    spec_file, out_file = tmp / "spec.json", tmp / "out.json"
    spec_file.write_text(json.dumps(spec))
    out_file.unlink(missing_ok=True)
    result = subprocess.run(  # noqa: S603 - fixed argv
        [python, str(CHILD), str(spec_file), str(out_file)],
        cwd=PROJECT_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"warm-path process failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    means: dict[str, dict[str, list[float]]] = json.loads(out_file.read_text())
    return means


def measure(
    stub: str,
    plan: Plan,
    env: Mapping[str, str],
    targets: Mapping[str, str] = TARGETS,
    routes: Mapping[str, Sequence[str]] | None = None,
    python: str = sys.executable,
) -> Figures:
    """Every target's batch means for each of its routes, by process, DynamoDB stubbed."""
    by_target = {name: list((routes or {}).get(name, ROUTES)) for name in targets}
    spec = {
        "path": [str(PROJECT_DIR), str(PEERS_DIR)],
        "targets": dict(targets),
        "routes": by_target,
        "events": route_events(),
        "stub": stub,
        "rounds": plan.rounds,
        "batch": plan.batch,
    }
    figures: Figures = {name: {route: [] for route in by_target[name]} for name in targets}
    with tempfile.TemporaryDirectory(prefix="todo-api-warm-") as tmp:
        for _ in range(plan.processes):
            for name, by_route in run_process(python, spec, env, Path(tmp)).items():
                for route, means in by_route.items():
                    figures[name][route].append(means)
    return figures


def median(processes: Sequence[Sequence[float]]) -> float:
    """The median over processes of each one's median batch mean."""
    return statistics.median(statistics.median(rounds) for rounds in processes)


def paired_ratio(ours: Sequence[Sequence[float]], other: Sequence[Sequence[float]]) -> float:
    """The median over processes of the median, over rounds, of ours / other."""
    return statistics.median(
        statistics.median(mine / theirs for mine, theirs in zip(a, b, strict=True))
        for a, b in zip(ours, other, strict=True)
    )


def ratios(figures: Figures, ours: str, other: str) -> dict[str, float]:
    """ours / other, route by route, paired round by round (see the module's docstring)."""
    return {
        route: paired_ratio(figures[ours][route], figures[other][route])
        for route in figures[ours]
        if route in figures[other]
    }


def table(own: Figures, whole: Figures) -> list[str]:
    """The printed table: µs per request and the two budgeted ratios, route by route, with
    the smallest Chalice app's whole request against the bare handler's beside ours (the
    part of the whole request's budget Chalice alone takes)."""
    own_ratio, whole_ratio = ratios(own, "ours", "chalice"), ratios(whole, "ours", "bare")
    chalice_ratio = ratios(whole, "chalice", "bare")
    lines = [
        "          own time (DynamoDB client stubbed)    whole request (botocore stubbed at HTTP)",
        "route       ours  chalice   bare  ours/chalice     ours  chalice   bare"
        "  chalice/bare  ours/bare",
    ]
    for route in ROUTES:
        own_us = [median(own[name][route]) for name in TARGETS]
        whole_us = [median(whole[name][route]) for name in TARGETS]
        lines.append(
            f"{route:<8}"
            + "".join(f"{value:7.1f}" for value in own_us)
            + f"  {own_ratio[route]:11.2f}  "
            + "".join(f"{value:8.1f}" for value in whole_us)
            + f"  {chalice_ratio[route]:12.2f}  {whole_ratio[route]:9.2f}"
        )
    return lines


def verdict(own: Figures, whole: Figures) -> str:
    worst_own = max(ratios(own, "ours", "chalice").values())
    worst_whole = max(ratios(whole, "ours", "bare").values())
    parts = [
        f"own time: worst ours/chalice {worst_own:.2f} (budget {OWN_TIME_BUDGET:.2f}): "
        + ("within" if worst_own <= OWN_TIME_BUDGET else "OVER"),
        f"whole request: worst ours/bare {worst_whole:.2f} (budget {WHOLE_REQUEST_BUDGET:.2f}): "
        + ("within" if worst_whole <= WHOLE_REQUEST_BUDGET else "OVER"),
    ]
    return "; ".join(parts)
