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
import datetime
import json
import sys
import time
from typing import Any

from tools import PROJECT_DIR
from tools.deploy.lint import ARTIFACT_BUCKET
from tools.deploy.rehearsal import calls, chalice_path, emulator, stack_path
from tools.deploy.rehearsal.chalice_path import StageReport
from tools.deploy.rehearsal.workspace import Workspace, copy_project

OUT = PROJECT_DIR / "build" / "rehearsal"
# With --as-root, the service role may do anything, as the root running the commands may.
ROOT_POWER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
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
    return [
        f"{report.stage}: {a.what} {a.method} {a.path}: {a.status}, not {a.expected} {a.detail}"
        for a in answers
        if a.status != a.expected
    ]


def _print(report: StageReport) -> None:
    print(f"== {report.stage}", flush=True)
    for note in report.notes:
        print(f"  note: {note}")
    for group, answers in report.answers.items():
        print(f"  {group}: " + ", ".join(f"{a.what} {a.status}" for a in answers if a.method))
    for check in report.checks:
        print(f"  {'ok' if check.status == check.expected else 'FAILED'}: {check.what}")
    if isinstance(report, stack_path.VariantReport) and report.refused_types:
        print(
            f"  refused by the emulator, which lacks {', '.join(report.refused_types)}: "
            "make lint-iac's lint of this template stands for it"
        )


def _deployer(workspace: Workspace, path: str, as_root: bool) -> tuple[str, str] | None:
    """The keys of a user whose only permissions are docs/deploy.md's policy for the path."""
    if as_root:
        return None
    return workspace.emulator.user(f"todo-api-deployer-{path}", calls.docs_document(path))


def _paths(
    workspace: Workspace, stages: list[str], variants: list[str], as_root: bool
) -> list[StageReport]:
    reports: list[StageReport] = []
    logs = {path: OUT / f"calls-{path}.jsonl" for path in calls.PATHS}
    for log in logs.values():
        log.unlink(missing_ok=True)
    workspace.keys = _deployer(workspace, "chalice", as_root) if stages else None
    for stage in stages:
        reports.append(chalice_path.rehearse(workspace, stage, logs["chalice"]))
        _print(reports[-1])
    if variants:
        workspace.keys = _deployer(workspace, "stack", as_root)
        workspace.emulator.client("s3").create_bucket(
            Bucket=ARTIFACT_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": emulator.REGION},
        )
        layer = chalice_path.publish_layer(workspace, logs["stack"])
        # The service role CloudFormation acts with: docs/deploy.md's, or the root's power.
        allowed = ROOT_POWER if as_root else calls.docs_document(calls.SERVICE_ROLE)
        role = workspace.emulator.role(
            stack_path.SERVICE_ROLE, "cloudformation.amazonaws.com", allowed
        )
        given = stack_path.Prerequisites(layer, role)
    for name in variants:
        reports.append(stack_path.rehearse(workspace, VARIANTS[name], given, logs["stack"]))
        _print(reports[-1])
    return reports


def _record(reports: list[StageReport]) -> dict[str, Any]:
    made = [t for r in reports if isinstance(r, stack_path.VariantReport) for t in r.resource_types]
    return {
        "chalice": calls.summary(calls.read_log(OUT / "calls-chalice.jsonl")),
        "stack": calls.summary(calls.read_log(OUT / "calls-stack.jsonl"), made),
        "date": datetime.date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", nargs="*", default=["dev", "prod"])
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument(
        "--as-root",
        action="store_true",
        help="run the user's commands as the account's root, not as a deployer allowed only "
        "docs/deploy.md's policy (to record the calls a changed deploy makes)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "make.log").unlink(missing_ok=True)
    copy_project(OUT / "project")
    with emulator.running(OUT / "emulator") as running:
        workspace = Workspace(OUT / "project", running, OUT)
        reports = _paths(workspace, args.stages, args.variants, args.as_root)
    seconds = time.monotonic() - started
    record = {**_record(reports), "seconds": round(seconds)}
    calls.RECORD.write_text(json.dumps(record, indent=2) + "\n")
    report = {
        "seconds": round(seconds),
        "steps": workspace.timings,
        "paths": [dataclasses.asdict(r) for r in reports],
    }
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    failures = [failure for r in reports for failure in _failures(r)]
    full = args.stages == ["dev", "prod"] and args.variants == list(VARIANTS)
    stale = calls.stale_policies(record) if full else []
    for name in stale:
        failures.append(
            f"docs/deploy.md: the {name} policy is not what the calls need "
            "(make deployer-policy writes it)"
        )
    for path in calls.PATHS:
        print(
            f"{path} path: {record[path]['calls']} AWS calls, "
            f"{len(record[path]['by_action'])} actions"
        )
    print("\n".join(failures) or "every answer and check as it should be")
    print(f"rehearsal: {seconds:.0f} s; build/rehearsal/report.json, calls.json, make.log")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
