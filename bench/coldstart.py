"""Fresh processes answering one request each: timing, what they imported, and why.

Method: the parent reads CLOCK_MONOTONIC (time.monotonic_ns) just before it spawns
`python -S -c <bench/child.py>`; the child reads the same clock when its handler has
returned. The difference is "process start to first answer": interpreter start-up,
imports (compiling the package from source), handler set-up and the request itself,
but not the child's exit. Ours and the baseline alternate, so drift hits both alike.
"""

import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import instructions

CHILD_PROGRAM = Path(__file__).with_name("child.py").read_text(encoding="utf-8")
TIMEOUT_SECONDS = 60
# Under cachegrind a start runs some fifty times slower.
CACHEGRIND_TIMEOUT_SECONDS = 600

# Modules whose presence in a process is worth a line of its own.
NOTABLE = (
    "boto3",
    "botocore",
    "urllib3",
    "jmespath",
    "dateutil",
    "jwt",
    "cryptography",
    "chalicelib.store",
    "chalicelib.paging",
    "chalicelib.openapi",
    "chalicelib.aws",
)


@dataclass(frozen=True)
class Process:
    """One way to start a handler: its unzipped package and its handler's name."""

    label: str
    task_dir: Path
    handler: str
    source: str  # where its code comes from, for the report


@dataclass(frozen=True)
class Sample:
    total_ms: float  # spawn to answer
    startup_ms: float  # spawn to the child's first statement
    import_ms: float  # importing the handler's module
    call_ms: float  # the handler's first call
    peak_rss_mib: float = 0.0  # the process's peak resident set when it had answered
    cpu_ms: float = 0.0  # CPU time (user + system) the process had used by then


@dataclass
class Runs:
    samples: list[Sample] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    importable: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    ours: Process
    baseline: Process
    event: dict[str, Any]
    environment: Callable[[Process], dict[str, str]]
    # The handler's result -> what is wrong with it, or None.
    check: Callable[[Any], str | None]
    note: str = ""


class BenchError(RuntimeError):
    """A process failed or answered wrongly: its figures would mean nothing."""


def run_once(
    process: Process,
    env: dict[str, str],
    importtime: bool = False,
    wrapper: Sequence[str] = (),
    timeout: float = TIMEOUT_SECONDS,
) -> tuple[Sample, dict[str, Any], str]:
    command = [*wrapper, sys.executable, "-S"]
    if importtime:
        command += ["-X", "importtime"]
    command += ["-c", CHILD_PROGRAM]
    spawned_ns = time.monotonic_ns()
    result = subprocess.run(  # noqa: S603 - fixed argv
        command,
        cwd=process.task_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(
            f"{process.label} {process.handler}: exit status {result.returncode}\n"
            f"{result.stderr[-3000:]}"
        )
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    sample = Sample(
        total_ms=(payload["answered_ns"] - spawned_ns) / 1e6,
        startup_ms=(payload["started_ns"] - spawned_ns) / 1e6,
        import_ms=(payload["imported_ns"] - payload["started_ns"]) / 1e6,
        call_ms=(payload["answered_ns"] - payload["imported_ns"]) / 1e6,
        peak_rss_mib=payload["peak_rss_kib"] / 1024,
        cpu_ms=payload["cpu_ns"] / 1e6,
    )
    return sample, payload, result.stderr


def _checked(case: Case, process: Process, payload: dict[str, Any]) -> None:
    problem = case.check(payload["result"])
    if problem is not None:
        raise BenchError(f"case {case.key}, {process.label}: {problem}")
    if payload["importable"]["cryptography"] or payload["importable"]["moto"]:
        raise BenchError(
            f"case {case.key}, {process.label}: cryptography or moto is importable; "
            "the process does not look like the Lambda runtime"
        )


def measure(case: Case, runs: int, warmup: int) -> tuple[Runs, Runs]:
    """(ours, baseline), each with `runs` samples after `warmup` unrecorded starts."""
    results = {case.ours.label: Runs(), case.baseline.label: Runs()}
    for index in range(warmup + runs):
        pair = [case.ours, case.baseline]
        if index % 2:
            pair.reverse()
        for process in pair:
            sample, payload, _ = run_once(process, case.environment(process))
            _checked(case, process, payload)
            record = results[process.label]
            if index >= warmup:
                record.samples.append(sample)
            record.modules = payload["modules"]
            record.importable = payload["importable"]
    return results[case.ours.label], results[case.baseline.label]


def import_profile(case: Case, process: Process) -> dict[str, "Imported"]:
    """One more start under `-X importtime`: what each import cost and who asked for it."""
    _, payload, stderr = run_once(process, case.environment(process), importtime=True)
    _checked(case, process, payload)
    return parse_importtime(stderr)


def instruction_count(case: Case, process: Process, valgrind: str) -> int:
    """One more start under cachegrind: the instructions it executed, from start to exit.

    Unlike the times, the count does not move with the machine's load (bench/instructions.py);
    it leaves out what a start waits for, system calls and reading files.
    """
    cachegrind = [
        valgrind,
        "--tool=cachegrind",
        "--cache-sim=yes",
        "--cachegrind-out-file=/dev/null",
    ]
    _, payload, stderr = run_once(
        process, case.environment(process), wrapper=cachegrind, timeout=CACHEGRIND_TIMEOUT_SECONDS
    )
    _checked(case, process, payload)
    return instructions.parse_summary(stderr)["Ir"]


@dataclass(frozen=True)
class Imported:
    """One line of `-X importtime`: a module (or a failed attempt at one)."""

    name: str
    self_us: int  # its own import time: finding, compiling, running its body
    parent: str | None  # the module whose import imported it first; None at top level


def parse_importtime(stderr: str) -> dict[str, Imported]:
    """`-X importtime` output -> {module: Imported}.

    Each line comes when its import ends, after those of the imports it made, which are
    indented one step (two spaces) deeper: so the lines still waiting for a parent when
    a shallower line comes are that line's children.
    """
    imports: dict[str, Imported] = {}
    waiting: list[tuple[int, str, int]] = []  # (depth, name, self µs)
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        label = fields[2].removeprefix(" ")
        depth = (len(label) - len(label.lstrip(" "))) // 2
        name = label.strip()
        while waiting and waiting[-1][0] > depth:
            _, child, micros = waiting.pop()
            _record(imports, Imported(child, micros, name))
        waiting.append((depth, name, int(fields[0])))
    for _, name, micros in waiting:
        _record(imports, Imported(name, micros, None))
    return imports


def _record(imports: dict[str, Imported], entry: Imported) -> None:
    """A name seen twice (an import that failed, then was tried again) keeps its first
    parent and the sum of its times."""
    seen = imports.get(entry.name)
    if seen is not None:
        entry = Imported(entry.name, seen.self_us + entry.self_us, seen.parent)
    imports[entry.name] = entry


def is_ours(module: str) -> bool:
    return module in ("app", "chalicelib") or module.startswith("chalicelib.")


def top_level(module: str) -> str:
    return module.split(".", 1)[0]


def responsible(module: str, imports: dict[str, Imported]) -> str:
    """The module of ours whose import first brought this one in; else its package."""
    current: str | None = module
    seen = set()
    # A name imported twice (a failed attempt tried again) can make the chain loop.
    while current is not None and current not in seen:
        if is_ours(current):
            return current
        seen.add(current)
        entry = imports.get(current)
        current = entry.parent if entry is not None else None
    return top_level(module)


@dataclass
class Blame:
    micros: int = 0
    # Top-level package -> µs, of the modules (not ours) this one brought in.
    brought: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def extra_imports(ours: dict[str, Imported], baseline: dict[str, Imported]) -> dict[str, Blame]:
    """Import time of the modules the baseline never imports, by the module of ours that
    first imported each (our own modules' time goes to themselves). `app` is in both."""
    blame: dict[str, Blame] = defaultdict(Blame)
    for name, entry in ours.items():
        if name in baseline:
            continue
        culprit = blame[responsible(name, ours)]
        culprit.micros += entry.self_us
        if not is_ours(name):
            culprit.brought[top_level(name)] += entry.self_us
    return dict(blame)


def percentile(values: list[float], percent: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * percent / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return statistics.median(values)
