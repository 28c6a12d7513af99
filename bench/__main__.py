"""`make bench` (`python -m bench [--runs N]`): the zip's size, cold and warm starts, as figures.

1. Zip size: `python -m tools.deploy.package --stage prod --out <tmp>`, then deployment.zip's
   size, file count and what takes the room, against the budget (under 1 MB).
2. Cold start: deployment.zip unzipped as Lambda's /var/task, each case started `--runs`
   times in fresh processes that look like the Lambda Python runtime (see
   bench/lambda_env.py), ours alternating with the smallest Chalice app doing the same
   work (bench/baseline_*/app.py). Budget: ours within 10% of the baseline (medians).
   Then one more start of each under `-X importtime` shows which modules the time goes to,
   and one under cachegrind counts its instructions (if valgrind is installed).
   Each start's peak RSS is printed beside its time.
3. Warm path (bench/warm.py): per-request time of get, list, create and update against
   the smallest Chalice app and a bare handler, DynamoDB stubbed at the client and at
   botocore's HTTP layer, medians over fresh processes. Budgets: own time at most 2x
   the Chalice app's, the whole request at most 1.3x the bare handler's.

Only loopback is used: DynamoDB is moto's server on 127.0.0.1, and every process gets
fake credentials and AWS_ENDPOINT_URL on that server. Nothing here fails on a figure
(machines are shared and noisy); it exits non-zero only when a process fails or answers
wrongly.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import KEPT, docs, say, warm, zipsize
from bench.cold_section import coldstart_section
from tools import PROJECT_DIR

SECTIONS = ("zip", "cold", "warm")

# --- 1. the zip -------------------------------------------------------------------------


def zip_section(tmp: Path) -> Path:
    say("== 1. Lambda zip size ==", keep=True)
    started = time.monotonic()
    command, archive = zipsize.build(tmp / "package")
    figures = zipsize.weigh(archive)
    verdict = "within budget" if figures.size < zipsize.BUDGET_BYTES else "OVER BUDGET"
    say(f"command: {command}  (cwd {PROJECT_DIR}, {time.monotonic() - started:.1f} s)")
    say(
        f"deployment.zip: {figures.size:,} bytes = {figures.size / 1024:.1f} KiB, "
        f"{figures.files} files, {figures.uncompressed / 1024:.1f} KiB uncompressed",
        keep=True,
    )
    parts = ", ".join(f"{name} {size / 1024:.1f}" for name, size in figures.parts)
    say(f"compressed KiB by top-level entry: {parts}")
    say(
        f"budget < 1 MB ({zipsize.BUDGET_BYTES:,} bytes): {verdict} "
        f"({figures.size / zipsize.BUDGET_BYTES:.1%} of it)",
        keep=True,
    )
    if figures.unwanted:
        say(f"NOT WANTED in the zip: {', '.join(figures.unwanted)}")
    if figures.compiled:
        say(
            f"bytecode: {figures.compiled} unchecked-hash .pyc files for "
            f"{sys.implementation.cache_tag} ({figures.compiled_size / 1024:.1f} KiB "
            "compressed), one per module (tools/deploy/package/bytecode.py)"
        )
    if figures.bytecode:
        folders = sorted({name.rsplit("/", 1)[0] for name in figures.bytecode})
        say(
            f"NOT WANTED in the zip: {len(figures.bytecode)} .pyc files "
            f"({figures.bytecode_size / 1024:.1f} KiB compressed) from the working tree's "
            f"{', '.join(folders)}: chalice zips chalicelib/ as it finds it; they name their "
            "sources' mtimes, which the unzipped sources do not have, so Python ignores them"
        )
    say()
    return archive


# --- 3. the warm path -------------------------------------------------------------------


def warm_section(args: argparse.Namespace) -> int:
    from tools.deploy.stage import environment

    plan = warm.Plan(args.warm_processes, args.warm_rounds, args.warm_batch)
    say("== 3. Warm path: per request, in a container that has answered before ==", keep=True)
    say(
        f"method: {plan.processes} fresh processes x {plan.rounds} rounds x {plan.batch} "
        "calls per target and route, targets interleaved; figure = median over processes "
        "of each process's median batch mean, in µs of CPU time (process_time: other "
        "processes on a shared machine do not count); ratio = median over processes of "
        "the median over rounds of the two targets' batch means in that round (paired); "
        "events as API Gateway sends them, "
        "telemetry written to /dev/null; DynamoDB stubbed, no socket (bench/peers/canned.py)"
    )
    env = warm.child_environment(environment("local"))
    try:
        own = warm.measure("client", plan, env)
        whole = warm.measure("http", plan, env)
    except RuntimeError as error:
        say(f"FAILED: {error}")
        return 1
    for line in warm.table(own, whole):
        say(line, keep=True)
    say(
        "targets: ours = app.app; chalice = bench/peers/chalice_min.py; "
        "bare = bench/peers/bare_boto3.py",
        keep=True,
    )
    say(warm.verdict(own, whole), keep=True)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    # 25 starts left a median 0.1 either side from run to run on a shared machine, enough to
    # call one case over budget and then within; 61 narrow it by about a third.
    parser.add_argument("--runs", type=int, default=61, help="recorded starts per process")
    parser.add_argument("--warmup", type=int, default=2, help="unrecorded starts first")
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="remove the zip's .pyc files before starting (as the zip was before it had them)",
    )
    parser.add_argument(
        "--only", nargs="*", choices=["a/b", "c", "d"], help="only these cold-start cases"
    )
    parser.add_argument(
        "--sections",
        nargs="*",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="which sections to run (cold needs the zip: it is built either way)",
    )
    parser.add_argument("--warm-processes", type=int, default=warm.Plan.processes)
    parser.add_argument("--warm-rounds", type=int, default=warm.Plan.rounds)
    parser.add_argument("--warm-batch", type=int, default=warm.Plan.batch)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="put the figures the budgets judge into docs/performance.md (a whole run only)",
    )
    args = parser.parse_args(argv)
    partial = args.only or not args.bytecode or set(args.sections) != set(SECTIONS)
    if args.write_docs and partial:
        parser.error("--write-docs takes the whole bench: no --only, --sections or --no-bytecode")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    os.chdir(PROJECT_DIR)
    say(f"todo-api benchmarks: code at {docs.code_version()}")
    say()
    status = 0
    if {"zip", "cold"} & set(args.sections):
        with tempfile.TemporaryDirectory(prefix="todo-api-bench-") as tmp:
            archive = zip_section(Path(tmp))
            if "cold" in args.sections:
                status = coldstart_section(Path(tmp), archive, args)
        say()
    if "warm" in args.sections:
        status = warm_section(args) or status
    say(f"\nmake bench: {time.monotonic() - started:.1f} s")
    if args.write_docs and status == 0:
        docs.write("make bench", argv, docs.fenced(KEPT))
    return status


if __name__ == "__main__":
    sys.exit(main())
