"""`make bench-peers` (`python -m bench.peers_bench`): GET /todos/{id}, one GetItem, in
todo-api and its peers, each in its own virtualenv under build/peers/ (bench/peers_venvs.py):

- cold start: spawn to first answer of a fresh `python bench/warm_child.py` (cold mode),
  the peers interleaved round by round; median and peak RSS. Every process has
  PYTHONDONTWRITEBYTECODE=1; the peers' packages use the bytecode pip compiled, the
  handler files (and todo-api's app.py and chalicelib/, from this tree) compile from
  source on each start;
- warm: per request, DynamoDB stubbed at the client (framework + handler) and at
  botocore's HTTP layer (the whole request), as in bench/warm.py.

The same event (bench/events.py) for every peer; DynamoDB is always stubbed, no socket.
Figures only: nothing fails on them.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import docs, peers_venvs, warm

# (row label, peer: its virtualenv, requirements file and module in bench/peers/)
PEERS = (
    ("bare boto3 handler", "bare_boto3"),
    ("smallest Chalice app", "chalice_min"),
    ("todo-api", "todo_api"),
    ("Powertools REST resolver", "powertools_rest"),
    ("Powertools + Logger + Metrics", "powertools_full"),
    ("Flask + apig-wsgi", "flask_wsgi"),
    ("FastAPI + Mangum", "fastapi_mangum"),
)
OURS = "todo_api"
FLOOR = "bare_boto3"
# The packages whose versions the table names.
NAMED = ("boto3", "chalice", "aws-lambda-powertools", "fastapi", "mangum", "flask", "apig-wsgi")


def _spec(peer: str, cold: bool) -> dict[str, object]:
    path = [str(warm.PROJECT_DIR), str(warm.PEERS_DIR)] if peer == OURS else [str(warm.PEERS_DIR)]
    return {
        "cold": cold,
        "path": path,
        "targets": {peer: peer},
        "routes": {peer: ["get"]},
        "events": warm.route_events(),
        "stub": "http",
    }


def cold_start(peer: str, env: dict[str, str], tmp: Path) -> tuple[float, float]:
    """One fresh process: (spawn to answer in ms, peak RSS in MiB)."""
    spec_file, out_file = tmp / f"{peer}.json", tmp / f"{peer}.out"
    spec_file.write_text(json.dumps(_spec(peer, cold=True)))
    spawned = time.monotonic_ns()
    result = subprocess.run(  # noqa: S603 - fixed argv
        [str(peers_venvs.python(peer)), str(warm.CHILD), str(spec_file), str(out_file)],
        cwd=warm.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{peer}: cold start failed:\n{result.stderr[-3000:]}")
    answer = json.loads(out_file.read_text())
    return (answer["answered_ns"] - spawned) / 1e6, answer["peak_rss_kib"] / 1024


def cold_starts(runs: int, env: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    """runs starts of each peer (after one unrecorded round), the order rotating."""
    order = [peer for _, peer in PEERS]
    samples: dict[str, list[tuple[float, float]]] = {peer: [] for peer in order}
    with tempfile.TemporaryDirectory(prefix="todo-api-peers-") as tmp:
        for index in range(runs + 1):
            shift = index % len(order)
            for peer in order[shift:] + order[:shift]:
                sample = cold_start(peer, env, Path(tmp))
                if index:
                    samples[peer].append(sample)
    return samples


def warm_figures(plan: warm.Plan, env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """stub -> peer -> per-process medians (µs) of GET, processes interleaved by peer."""
    one = warm.Plan(1, plan.rounds, plan.batch)
    figures: dict[str, dict[str, list[float]]] = {
        stub: {peer: [] for _, peer in PEERS} for stub in warm.STUBS
    }
    for _ in range(plan.processes):
        for _, peer in PEERS:
            for stub in warm.STUBS:
                measured = warm.measure(
                    stub, one, env, {peer: peer}, {peer: ["get"]}, str(peers_venvs.python(peer))
                )
                figures[stub][peer] += [statistics.median(r) for r in measured[peer]["get"]]
    return figures


def table(
    cold: dict[str, list[tuple[float, float]]], warm_us: dict[str, dict[str, list[float]]]
) -> list[str]:
    def cold_ms(peer: str) -> float:
        return statistics.median(ms for ms, _ in cold[peer])

    def rss(peer: str) -> float:
        return statistics.median(mib for _, mib in cold[peer])

    def warm_at(stub: str, peer: str) -> float:
        return statistics.median(warm_us[stub][peer])

    lines = [
        "| case | cold start, ms | cold vs todo-api | peak RSS, MiB | warm, framework + handler"
        " (DynamoDB stubbed), µs | warm, botocore stubbed at HTTP, µs | warm vs bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, peer in PEERS:
        name = f"**{label}**" if peer == OURS else label
        lines.append(
            f"| {name} | {cold_ms(peer):.1f} | {cold_ms(peer) / cold_ms(OURS):.2f} "
            f"| {rss(peer):.1f} | {warm_at('client', peer):,.0f} | {warm_at('http', peer):,.0f} "
            f"| {warm_at('http', peer) / warm_at('http', FLOOR):.2f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers_bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=21, help="recorded cold starts per peer")
    parser.add_argument("--warm-processes", type=int, default=5)
    parser.add_argument("--warm-rounds", type=int, default=10)
    parser.add_argument("--warm-batch", type=int, default=100)
    parser.add_argument("--write-docs", action="store_true", help="into docs/performance.md")
    args = parser.parse_args(argv)
    from tools.deploy.stage import environment

    for _, peer in PEERS:
        peers_venvs.ensure(peer)
    env = {**warm.child_environment(environment("local")), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    method = [
        f"Python {sys.version.split()[0]}; versions: " + _versions(),
        f"cold: {args.runs} interleaved starts each; warm: {args.warm_processes} processes x "
        f"{args.warm_rounds} x {args.warm_batch} requests each; medians",
    ]
    print("\n".join(method), flush=True)
    try:
        cold = cold_starts(args.runs, env)
        plan = warm.Plan(args.warm_processes, args.warm_rounds, args.warm_batch)
        figures = warm_figures(plan, env)
    except RuntimeError as error:
        print(f"FAILED: {error}")
        return 1
    lines = table(cold, figures)
    print("\n".join(lines))
    print(f"\nmake bench-peers: {time.monotonic() - started:.1f} s")
    if args.write_docs:
        docs.write(
            "make bench-peers", argv, "\n" + "\n\n".join(method) + "\n\n" + "\n".join(lines) + "\n"
        )
    return 0


def _versions() -> str:
    found: dict[str, str] = {}
    for _, peer in PEERS:
        for name, version in peers_venvs.versions(peer).items():
            name = name.lower().replace("_", "-")
            if name in NAMED:
                found[name] = version
    return ", ".join(f"{name} {version}" for name, version in sorted(found.items()))


if __name__ == "__main__":
    sys.exit(main())
