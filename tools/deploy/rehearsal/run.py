"""`make rehearse`: `python -m tools.deploy.rehearsal [--stages dev prod] [--variants ...]`.

Starts the emulator, copies the project, then runs the Chalice path of each stage and the
stack path of each packaged variant, one after the other in the one account, which each
leaves as it found it. Everything it ran, answered and called is in build/rehearsal/:
`report.json` (each answer with its expected status, each check, the notes), `calls.json`
(each path's calls by IAM action, and the resource types its stacks made), `make.log` and
the emulator's log. It exits non-zero if any answer or check differs from what it should
be, or if docs/deploy.md's deployer policies are not what the recorded calls need.
"""

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from tools import PROJECT_DIR
from tools.deploy.lint import ARTIFACT_BUCKET
from tools.deploy.rehearsal import calls, chalice_path, emulator, stack_path
from tools.deploy.rehearsal.chalice_path import StageReport
from tools.deploy.rehearsal.workspace import Workspace, copy_project

OUT = PROJECT_DIR / "build" / "rehearsal"
VARIANTS = {
    variant.name: variant
    for variant in (
        stack_path.Variant("dev"),
        stack_path.Variant("dev", "http"),
        stack_path.Variant("prod"),
        stack_path.Variant("prod", "http"),
        stack_path.Variant("prod", api_keys=True),
    )
}


def _failures(report: StageReport) -> list[str]:
    answers = [a for group in report.answers.values() for a in group] + report.checks
    return [f"{report.stage}: {a.what} {a.method} {a.path}: {a.status}, not {a.expected} {a.detail}"
            for a in answers if a.status != a.expected]  # fmt: skip


def _print(report: StageReport) -> None:
    print(f"== {report.stage}", flush=True)
    for note in report.notes:
        print(f"  note: {note}")
    for group, answers in report.answers.items():
        print(f"  {group}: " + ", ".join(f"{a.what} {a.status}" for a in answers if a.method))
    for check in report.checks:
        print(f"  {'ok' if check.status == check.expected else 'FAILED'}: {check.what}")
    if isinstance(report, stack_path.VariantReport) and report.refused_types:
        print(f"  refused by the emulator, which lacks {', '.join(report.refused_types)}: "
              "make lint-iac's lint of this template stands for it")  # fmt: skip


def _paths(workspace: Workspace, stages: list[str], variants: list[str]) -> list[StageReport]:
    reports: list[StageReport] = []
    logs = {path: OUT / f"calls-{path}.jsonl" for path in calls.PATHS}
    for log in logs.values():
        log.unlink(missing_ok=True)
    for stage in stages:
        reports.append(chalice_path.rehearse(workspace, stage, logs["chalice"]))
        _print(reports[-1])
    if variants:
        workspace.emulator.client("s3").create_bucket(
            Bucket=ARTIFACT_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": emulator.REGION},
        )
        layer = chalice_path.publish_layer(workspace, logs["stack"])
    for name in variants:
        reports.append(stack_path.rehearse(workspace, VARIANTS[name], layer, logs["stack"]))
        _print(reports[-1])
    return reports


def _record(reports: list[StageReport]) -> dict[str, Any]:
    made = [t for r in reports if isinstance(r, stack_path.VariantReport) for t in r.resource_types]
    return {
        "chalice": calls.summary(calls.read_log(OUT / "calls-chalice.jsonl")),
        "stack": calls.summary(calls.read_log(OUT / "calls-stack.jsonl"), made),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", nargs="*", default=["dev", "prod"])
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args(argv)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "make.log").unlink(missing_ok=True)
    copy_project(OUT / "project")
    with emulator.running(OUT / "emulator") as running:
        workspace = Workspace(OUT / "project", running, OUT)
        reports = _paths(workspace, args.stages, args.variants)
    seconds = time.monotonic() - started
    record = _record(reports)
    calls.RECORD.write_text(json.dumps(record, indent=2) + "\n")
    report = {"seconds": round(seconds), "steps": workspace.timings,
              "paths": [dataclasses.asdict(r) for r in reports]}  # fmt: skip
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    failures = [failure for r in reports for failure in _failures(r)]
    full = args.stages == ["dev", "prod"] and args.variants == list(VARIANTS)
    stale = calls.stale_paths(record) if full else []
    for path in stale:
        failures.append(f"docs/deploy.md: the {path} path's deployer policy is not what it called "
                        "(make deployer-policy writes it)")  # fmt: skip
    for path in calls.PATHS:
        print(f"{path} path: {record[path]['calls']} AWS calls, "
              f"{len(record[path]['by_action'])} actions")  # fmt: skip
    print("\n".join(failures) or "every answer and check as it should be")
    print(f"rehearsal: {seconds:.0f} s; build/rehearsal/report.json, calls.json, make.log")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
