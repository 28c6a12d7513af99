"""`make bench` (`python -m bench [--runs N]`): the zip's size, cold and warm starts, as figures.

1. Zip size: `python -m tools.deploy.package.build --stage prod --out <tmp>`, then deployment.zip's
   size, file count and what takes the room, against the budget (under 1 MB).
2. Cold start: deployment.zip unzipped as Lambda's /var/task, each case started `--runs`
   times in fresh processes that look like the Lambda Python runtime (see
   bench/lambda_env.py), ours alternating with the smallest Chalice app doing the same
   work (bench/baseline_*/app.py). Budget: ours within 10% of the baseline (medians).
   Then one more start of each under `-X importtime` shows which modules the time goes to.
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
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import coldstart, events, lambda_env, warm, zipsize
from bench.coldstart import Case, Process, Runs
from tools import PROJECT_DIR

BENCH_DIR = Path(__file__).resolve().parent
COLD_START_BUDGET = 1.10
OWNER = "alice"
# What goes into the Lambda zip, for saying whether the measured code is committed.
SHIPPED = ("app.py", "chalicelib", "requirements.txt", ".chalice/config.json")


def _print(text: str = "") -> None:
    print(text, flush=True)


# --- 1. the zip -------------------------------------------------------------------------


def zip_section(tmp: Path) -> Path:
    _print("== 1. Lambda zip size ==")
    started = time.monotonic()
    command, archive = zipsize.build(tmp / "package")
    figures = zipsize.weigh(archive)
    verdict = "within budget" if figures.size < zipsize.BUDGET_BYTES else "OVER BUDGET"
    _print(f"command: {command}  (cwd {PROJECT_DIR}, {time.monotonic() - started:.1f} s)")
    _print(
        f"deployment.zip: {figures.size:,} bytes = {figures.size / 1024:.1f} KiB, "
        f"{figures.files} files, {figures.uncompressed / 1024:.1f} KiB uncompressed"
    )
    parts = ", ".join(f"{name} {size / 1024:.1f}" for name, size in figures.parts)
    _print(f"compressed KiB by top-level entry: {parts}")
    _print(
        f"budget < 1 MB ({zipsize.BUDGET_BYTES:,} bytes): {verdict} "
        f"({figures.size / zipsize.BUDGET_BYTES:.1%} of it)"
    )
    if figures.unwanted:
        _print(f"NOT WANTED in the zip: {', '.join(figures.unwanted)}")
    if figures.compiled:
        _print(
            f"bytecode: {figures.compiled} unchecked-hash .pyc files for "
            f"{sys.implementation.cache_tag} ({figures.compiled_size / 1024:.1f} KiB "
            "compressed), one per module (tools/deploy/package/bytecode.py)"
        )
    if figures.bytecode:
        folders = sorted({name.rsplit("/", 1)[0] for name in figures.bytecode})
        _print(
            f"NOT WANTED in the zip: {len(figures.bytecode)} .pyc files "
            f"({figures.bytecode_size / 1024:.1f} KiB compressed) from the working tree's "
            f"{', '.join(folders)}: chalice zips chalicelib/ as it finds it; they name their "
            "sources' mtimes, which the unzipped sources do not have, so Python ignores them"
        )
    _print()
    return archive


# --- 2. cold starts ---------------------------------------------------------------------


def _verdict_allow(result: Any) -> str | None:
    try:
        statement = result["policyDocument"]["Statement"][0]
        # A denial is a Deny, or an Allow of no resource.
        if (
            result["principalId"] == OWNER
            and statement["Effect"] == "Allow"
            and statement["Resource"]
        ):
            return None
    except (KeyError, IndexError, TypeError):
        pass
    return f"expected an Allow policy for {OWNER}, got {json.dumps(result)[:300]}"


def _expect_health(result: Any) -> str | None:
    if result.get("statusCode") == 200 and json.loads(result["body"]) == {"status": "ok"}:
        return None
    return f"expected 200 {{'status': 'ok'}}, got {json.dumps(result)[:300]}"


def _expect_todo(todo_id: str) -> Callable[[Any], str | None]:
    def check(result: Any) -> str | None:
        if result.get("statusCode") == 200:
            found = json.loads(result["body"]).get("todoId")
            # Ours answers a todo; the baseline, DynamoDB's item as it is.
            if (found["S"] if isinstance(found, dict) else found) == todo_id:
                return None
        return f"expected 200 with todo {todo_id}, got {json.dumps(result)[:300]}"

    return check


class Lab:
    """The unzipped packages, the runtime stand-in and the loopback DynamoDB."""

    def __init__(self, tmp: Path, archive: Path, bytecode: bool) -> None:
        from tools.deploy.stage import environment

        self.bytecode = bytecode
        self.stage_env = environment("local")
        self.ours = lambda_env.unzip(archive, tmp / "task-ours")
        # Each function's handler as the packaged template names it: what Lambda imports.
        template = json.loads((archive.parent / "sam.json").read_text())
        self.handlers = {
            name: resource["Properties"]["Handler"]
            for name, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"
        }
        self.runtime = lambda_env.runtime_site(tmp / "runtime")
        self.home = tmp / "home"
        self.home.mkdir()
        self.baselines = {
            name: lambda_env.baseline_task(
                BENCH_DIR / f"baseline_{name}" / "app.py",
                self.ours,
                tmp / f"task-baseline-{name}",
                packages,
            )
            for name, packages in (
                ("authorizer", ("jwt",)),
                ("health", ()),
                ("get_item", ()),
            )
        }
        if not bytecode:
            # The zip as it was before it shipped bytecode (tools/deploy/package/bytecode.py).
            for task in (self.ours, *self.baselines.values()):
                for cache in sorted(task.rglob("__pycache__")):
                    shutil.rmtree(cache)
        self.endpoint = ""

    def start_dynamodb(self) -> Callable[[], None]:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return server.stop

    def seed(self) -> str:
        """The local stage's table on the emulator, holding one todo of OWNER's: its id."""
        import boto3

        from chalicelib.model import NewTodo, create_todo
        from chalicelib.store import TodoStore
        from tools.deploy.table import ensure_table

        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=lambda_env.REGION,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - the emulator's fake credentials
            aws_session_token="bench",  # noqa: S106
        )
        table = self.stage_env["TABLE_NAME"]
        ensure_table(dynamodb, table)
        todo = TodoStore(dynamodb, table).add(OWNER, create_todo(NewTodo(text="bench")))
        return todo.todo_id

    def environment(
        self, event: dict[str, Any], extra: dict[str, str] | None = None
    ) -> Callable[[Process], dict[str, str]]:
        def env(process: Process) -> dict[str, str]:
            return lambda_env.child_environment(
                process.task_dir,
                self.runtime,
                self.home,
                self.endpoint,
                {**self.stage_env, **(extra or {})},
                process.handler,
                event,
            )

        return env

    def cases(self, todo_id: str) -> list[Case]:
        from tools.local.token import issue_token

        token = issue_token(OWNER, self.stage_env)
        auth_event = events.authorizer_event(token, "GET", f"/todos/{todo_id}")
        health_event = events.proxy_event("GET", "/health")
        get_event = events.proxy_event(
            "GET", "/todos/{todo_id}", {"todo_id": todo_id}, principal_id=OWNER
        )
        packaged = "the unzipped deployment.zip"
        handlers = self.handlers
        ours_auth = Process("ours", self.ours, handlers["JwtAuth"], packaged)
        ours_api = Process("ours", self.ours, handlers["APIHandler"], packaged)

        def baseline(name: str, handler: str) -> Process:
            return Process(
                "baseline", self.baselines[name], handler, f"bench/baseline_{name}/app.py"
            )

        return [
            Case(
                "a/b",
                "authorizer: TOKEN event, valid HS256 token, local stage (secret in env)",
                ours_auth,
                baseline("authorizer", "app.jwt_auth"),
                auth_event,
                self.environment(auth_event),
                _verdict_allow,
            ),
            Case(
                "c",
                "API handler: GET /health (no AWS call)",
                ours_api,
                baseline("health", "app.app"),
                health_event,
                self.environment(health_event),
                _expect_health,
            ),
            Case(
                "d",
                f"API handler: GET /todos/{{id}} of {OWNER}'s, one GetItem on moto (loopback)",
                ours_api,
                baseline("get_item", "app.app"),
                get_event,
                self.environment(get_event, {"AWS_ENDPOINT_URL_DYNAMODB": self.endpoint}),
                _expect_todo(todo_id),
                "the baseline makes its boto3 client while imported, ours on its first call",
            ),
        ]


def _ms(values: list[float]) -> str:
    return f"{coldstart.median(values):7.1f} {coldstart.percentile(values, 90):7.1f}"


def _row(label: str, runs: Runs, where: str) -> str:
    samples = runs.samples
    parts = [
        _ms([s.total_ms for s in samples]),
        f"{coldstart.median([s.startup_ms for s in samples]):6.1f}",
        f"{coldstart.median([s.import_ms for s in samples]):7.1f}",
        f"{coldstart.median([s.call_ms for s in samples]):7.1f}",
        f"{coldstart.median([s.cpu_ms for s in samples]):6.1f}",
        f"{coldstart.median([s.peak_rss_mib for s in samples]):6.1f}",
    ]
    return f"  {label:<9}{'  '.join(parts)}   {where}"


def _notable(ours: Runs, baseline: Runs) -> str:
    loaded = set(ours.modules)
    marks = []
    for name in coldstart.NOTABLE:
        mark = "yes" if name in loaded else "no"
        if name == "cryptography" and not ours.importable.get(name, False):
            mark += " (not importable)"
        marks.append(f"{name} {mark}")
    return (
        f"  ours imported {len(ours.modules)} modules (baseline {len(baseline.modules)}): "
        + ", ".join(marks)
    )


def _blame(extra: dict[str, coldstart.Blame], limit: int) -> str:
    ranked = sorted(extra.items(), key=lambda item: -item[1].micros)[:limit]
    parts = []
    for name, blame in ranked:
        brought = sorted(blame.brought.items(), key=lambda item: -item[1])
        names = ", ".join(package for package, _ in brought[:4])
        more = f" +{len(brought) - 4}" if len(brought) > 4 else ""
        parts.append(f"{name} {blame.micros / 1000:.1f}" + (f" ({names}{more})" if names else ""))
    return "; ".join(parts)


def report_case(
    case: Case,
    ours: Runs,
    baseline: Runs,
    profiles: dict[str, dict[str, coldstart.Imported]],
) -> dict[str, Any]:
    ours_total = [s.total_ms for s in ours.samples]
    base_total = [s.total_ms for s in baseline.samples]
    ratio = coldstart.median(ours_total) / coldstart.median(base_total)
    ratio_p90 = coldstart.percentile(ours_total, 90) / coldstart.percentile(base_total, 90)
    within = ratio <= COLD_START_BUDGET
    verdict = "within the 10% budget" if within else f"OVER the 10% budget (+{ratio - 1:.0%})"
    _print(f"{case.key}. {case.title}")
    _print(
        "            median     p90  start   import    call    CPU  RSS MiB"
        "   (ms; start/import/call, CPU time, peak RSS: medians)"
    )
    for label, runs, process in (("ours", ours, case.ours), ("baseline", baseline, case.baseline)):
        _print(_row(label, runs, f"{process.handler} from {process.source}"))
    if case.note:
        _print(f"  note: {case.note}")
    _print(f"  ours/baseline: {ratio:.2f} (medians), {ratio_p90:.2f} (p90s): {verdict}")
    _print(_notable(ours, baseline))
    mine, theirs = profiles["ours"], profiles["baseline"]
    ours_module = case.ours.handler.rpartition(".")[0]
    base_module = case.baseline.handler.rpartition(".")[0]
    extra = coldstart.extra_imports(mine, theirs)
    extra_ms = sum(blame.micros for blame in extra.values()) / 1000
    _print(
        f"  -X importtime (one more start each): {sum(i.self_us for i in mine.values()) / 1000:.1f}"
        f" ms of imports in ours, {sum(i.self_us for i in theirs.values()) / 1000:.1f} in the "
        f"baseline; the handler module's own ({ours_module} vs {base_module}): "
        f"{mine[ours_module].self_us / 1000:.1f} vs {theirs[base_module].self_us / 1000:.1f}"
    )
    _print(
        f"    {extra_ms:.1f} ms only in ours, by the module of ours that imports it first "
        f"(ms, with what it brings in): {_blame(extra, 6) or '(none)'}"
    )
    _print()
    return {"case": case.key, "ratio": ratio, "within": within, "extra": extra}


def coldstart_section(tmp: Path, archive: Path, args: argparse.Namespace) -> int:
    _print("== 2. Cold start: process start to first answer ==")
    _print(
        "method: per case, a fresh `python -S -c bench/child.py` (Python "
        f"{sys.version.split()[0]}) per start, {args.runs} starts each for ours and the "
        f"baseline, alternating, after {args.warmup} unrecorded ones; time = the child's "
        "CLOCK_MONOTONIC when the handler has returned minus the parent's just before spawn"
    )
    _print(
        "runtime stand-in: PYTHONPATH = unzipped package, then symlinks to this venv's "
        f"{', '.join(lambda_env.RUNTIME_PACKAGES)}; no site-packages (no cryptography, no moto); "
        + (
            "the package's bytecode as zipped; baselines share chalice's (Python writes none: "
            "/var/task is read-only)"
            if args.bytecode
            else "--no-bytecode: every .pyc removed from the unzipped packages, so each start "
            "compiles them from source (the zip before tools/deploy/package/bytecode.py)"
        )
    )
    lab = Lab(tmp, archive, args.bytecode)
    stop = lab.start_dynamodb()
    results = []
    try:
        todo_id = lab.seed()
        _print(f"DynamoDB: moto server on {lab.endpoint}, table {lab.stage_env['TABLE_NAME']}")
        _print()
        for case in lab.cases(todo_id):
            if args.only and case.key not in args.only:
                continue
            ours, baseline = coldstart.measure(case, args.runs, args.warmup)
            profiles = {
                "ours": coldstart.import_profile(case, case.ours),
                "baseline": coldstart.import_profile(case, case.baseline),
            }
            results.append(report_case(case, ours, baseline, profiles))
    except coldstart.BenchError as error:
        _print(f"FAILED: {error}")
        return 1
    finally:
        stop()
    over = [result for result in results if not result["within"]]
    _print(
        "summary: "
        + ", ".join(f"{r['case']} {r['ratio']:.2f}" for r in results)
        + f" (ours/baseline, medians; budget {COLD_START_BUDGET:.2f})"
    )
    for result in over:
        _print(
            f"  {result['case']} is over budget; what the baseline does without (ms): "
            f"{_blame(result['extra'], 3) or '(nothing: the extra time is in shared modules)'}"
        )
    return 0


# --- 3. the warm path -------------------------------------------------------------------


def warm_section(args: argparse.Namespace) -> int:
    from tools.deploy.stage import environment

    plan = warm.Plan(args.warm_processes, args.warm_rounds, args.warm_batch)
    _print("== 3. Warm path: per request, in a container that has answered before ==")
    _print(
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
        _print(f"FAILED: {error}")
        return 1
    for line in warm.table(own, whole):
        _print(line)
    _print(
        "targets: ours = app.app; chalice = bench/peers/chalice_min.py; "
        "bare = bench/peers/bare_boto3.py"
    )
    _print(warm.verdict(own, whole))
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25, help="recorded starts per process")
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
        choices=["zip", "cold", "warm"],
        default=["zip", "cold", "warm"],
        help="which sections to run (cold needs the zip: it is built either way)",
    )
    parser.add_argument("--warm-processes", type=int, default=warm.Plan.processes)
    parser.add_argument("--warm-rounds", type=int, default=warm.Plan.rounds)
    parser.add_argument("--warm-batch", type=int, default=warm.Plan.batch)
    return parser.parse_args(argv)


def code_version() -> str:
    """The commit measured, and whether shipped files differ from it."""

    def git(*arguments: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed argv
            ["git", *arguments],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", *SHIPPED).splitlines()
    if not changed:
        return f"{commit}, shipped files as committed"
    return f"{commit} + uncommitted changes in {len(changed)} shipped file(s)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    os.chdir(PROJECT_DIR)
    _print(f"todo-api benchmarks: code at {code_version()}")
    _print()
    status = 0
    if {"zip", "cold"} & set(args.sections):
        with tempfile.TemporaryDirectory(prefix="todo-api-bench-") as tmp:
            archive = zip_section(Path(tmp))
            if "cold" in args.sections:
                status = coldstart_section(Path(tmp), archive, args)
        _print()
    if "warm" in args.sections:
        status = warm_section(args) or status
    _print(f"\nmake bench: {time.monotonic() - started:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
