"""Section 2 of `make bench`: cold starts, ours against the smallest Chalice app doing the
same work, from the unzipped package as Lambda's /var/task (bench/lambda_env.py), started in
fresh processes (bench/coldstart.py). Budget: ours within 10% of the baseline (medians).
"""

import argparse
import json
import logging
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import coldstart, events, lambda_env, say
from bench.coldstart import Case, Process, Runs

BENCH_DIR = Path(__file__).resolve().parent
COLD_START_BUDGET = 1.10
OWNER = "alice"


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


def instructions_line(counts: tuple[int, int] | None) -> str:
    if counts is None:
        return "  instructions: not counted, no valgrind here (make bench-instructions says how)"
    ours, baseline = counts
    return (
        f"  instructions, start to exit (cachegrind, one more start each; the load cannot move "
        f"them): ours {ours / 1e6:,.1f}M, baseline {baseline / 1e6:,.1f}M, ours/baseline "
        f"{ours / baseline:.3f}"
    )


def report_case(
    case: Case,
    ours: Runs,
    baseline: Runs,
    profiles: dict[str, dict[str, coldstart.Imported]],
    counts: tuple[int, int] | None,
) -> dict[str, Any]:
    ours_total = [s.total_ms for s in ours.samples]
    base_total = [s.total_ms for s in baseline.samples]
    ratio = coldstart.median(ours_total) / coldstart.median(base_total)
    ratio_p90 = coldstart.percentile(ours_total, 90) / coldstart.percentile(base_total, 90)
    within = ratio <= COLD_START_BUDGET
    verdict = "within the 10% budget" if within else f"OVER the 10% budget (+{ratio - 1:.0%})"
    say(f"{case.key}. {case.title}", keep=True)
    say(
        "            median     p90  start   import    call    CPU  RSS MiB"
        "   (ms; start/import/call, CPU time, peak RSS: medians)",
        keep=True,
    )
    for label, runs, process in (("ours", ours, case.ours), ("baseline", baseline, case.baseline)):
        say(_row(label, runs, f"{process.handler} from {process.source}"), keep=True)
    if case.note:
        say(f"  note: {case.note}")
    say(f"  ours/baseline: {ratio:.2f} (medians), {ratio_p90:.2f} (p90s): {verdict}", keep=True)
    say(instructions_line(counts), keep=counts is not None)
    say(_notable(ours, baseline))
    mine, theirs = profiles["ours"], profiles["baseline"]
    ours_module = case.ours.handler.rpartition(".")[0]
    base_module = case.baseline.handler.rpartition(".")[0]
    extra = coldstart.extra_imports(mine, theirs)
    extra_ms = sum(blame.micros for blame in extra.values()) / 1000
    say(
        f"  -X importtime (one more start each): {sum(i.self_us for i in mine.values()) / 1000:.1f}"
        f" ms of imports in ours, {sum(i.self_us for i in theirs.values()) / 1000:.1f} in the "
        f"baseline; the handler module's own ({ours_module} vs {base_module}): "
        f"{mine[ours_module].self_us / 1000:.1f} vs {theirs[base_module].self_us / 1000:.1f}"
    )
    say(
        f"    {extra_ms:.1f} ms only in ours, by the module of ours that imports it first "
        f"(ms, with what it brings in): {_blame(extra, 6) or '(none)'}"
    )
    say()
    return {"case": case.key, "ratio": ratio, "within": within, "extra": extra}


def coldstart_section(tmp: Path, archive: Path, args: argparse.Namespace) -> int:
    say("== 2. Cold start: process start to first answer ==", keep=True)
    say(
        "method: per case, a fresh `python -S -c bench/child.py` (Python "
        f"{sys.version.split()[0]}) per start, {args.runs} starts each for ours and the "
        f"baseline, alternating, after {args.warmup} unrecorded ones; time = the child's "
        "CLOCK_MONOTONIC when the handler has returned minus the parent's just before spawn"
    )
    say(
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
    valgrind = shutil.which("valgrind")
    stop = lab.start_dynamodb()
    results = []
    try:
        todo_id = lab.seed()
        say(f"DynamoDB: moto server on {lab.endpoint}, table {lab.stage_env['TABLE_NAME']}")
        say()
        for case in lab.cases(todo_id):
            if args.only and case.key not in args.only:
                continue
            ours, baseline = coldstart.measure(case, args.runs, args.warmup)
            profiles = {
                "ours": coldstart.import_profile(case, case.ours),
                "baseline": coldstart.import_profile(case, case.baseline),
            }
            counts = (
                (
                    coldstart.instruction_count(case, case.ours, valgrind),
                    coldstart.instruction_count(case, case.baseline, valgrind),
                )
                if valgrind
                else None
            )
            results.append(report_case(case, ours, baseline, profiles, counts))
    except coldstart.BenchError as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        stop()
    over = [result for result in results if not result["within"]]
    say(
        "summary: "
        + ", ".join(f"{r['case']} {r['ratio']:.2f}" for r in results)
        + f" (ours/baseline, medians; budget {COLD_START_BUDGET:.2f})"
    )
    for result in over:
        say(
            f"  {result['case']} is over budget; what the baseline does without (ms): "
            f"{_blame(result['extra'], 3) or '(nothing: the extra time is in shared modules)'}"
        )
    return 0
