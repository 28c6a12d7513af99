"""The AWS calls each deploy path made in the rehearsal, and the deployer's policy they need.

Each call is recorded where it is made (tools.deploy.rehearsal.tap in the user's commands,
`record_into` for the steps the rehearsal runs itself in their place) as its service's
signing name, its operation and its HTTP method. `actions` turns them into the IAM actions
they are authorized as; on the stack path CloudFormation also acts with the deployer's
credentials, so each resource type the stack made adds the permissions its resource
provider declares for create, update and delete (the providers' schemas, as cfn-lint ships
them). `deployer_policy` writes one statement per service.

`python -m tools.deploy.rehearsal.calls --write-docs` (`make deployer-policy`) puts the
policies of the last rehearsal (build/rehearsal/calls.json) into docs/deploy.md; the
rehearsal stops when the docs' policies are not the ones its calls need.
"""

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from tools import PROJECT_DIR

RECORD = PROJECT_DIR / "build" / "rehearsal" / "calls.json"
DOCS = PROJECT_DIR / "docs" / "deploy.md"
PATHS = ("chalice", "stack")
# Operations whose IAM action is named otherwise, and those no policy needs to allow.
RENAMED = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:GetLayerVersionByArn": "lambda:GetLayerVersion",
    "s3:HeadObject": "s3:GetObject",
    "s3:HeadBucket": "s3:ListBucket",
}
UNAUTHORIZED = frozenset({"sts:GetCallerIdentity"})
# Handing a function its role is authorized as iam:PassRole besides the call itself.
PASSES_ROLE = frozenset({"lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"})
HANDLERS = ("create", "update", "delete")
Call = dict[str, str]


def record_into(session: Any, log: Path) -> None:
    """Records the calls of every client the session makes after this, as the tap does."""

    def record(model: Any, **_: Any) -> None:
        line = {"service": model.service_model.signing_name, "operation": model.name,
                "method": model.http.get("method", "POST")}  # fmt: skip
        with log.open("a") as calls:
            calls.write(json.dumps(line) + "\n")

    session.events.register("before-call", record)


def read_log(log: Path) -> list[Call]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def call_action(call: Call) -> str:
    if call["service"] == "apigateway":
        # API Gateway's management API is authorized by HTTP method, on the path's resource.
        return f"apigateway:{call['method']}"
    action = f"{call['service']}:{call['operation']}"
    return RENAMED.get(action, action)


def provider_permissions(resource_type: str) -> set[str]:
    """What CloudFormation's provider of the type needs to create, update and delete it."""
    schemas = resources.files("cfnlint") / "data" / "schemas"
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    schema = json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_text())
    handlers = schema.get("handlers", {})
    return {p for handler in HANDLERS for p in handlers.get(handler, {}).get("permissions", [])}


def needed_actions(called: Iterable[str], resource_types: Iterable[str] = ()) -> set[str]:
    """The IAM actions the called ones, and CloudFormation's work on the resource types, need."""
    needed = set(called) - UNAUTHORIZED
    if needed & PASSES_ROLE:
        needed.add("iam:PassRole")
    for resource_type in resource_types:
        needed |= provider_permissions(resource_type)
    return needed


def deployer_policy(needed: set[str]) -> dict[str, Any]:
    """One statement per service; every resource, as the actions alone are held exact."""
    services = sorted({action.split(":")[0] for action in needed})
    statements = [
        {
            "Sid": "".join(part.capitalize() for part in re.split(r"[^a-z0-9]", service)),
            "Effect": "Allow",
            "Action": sorted(a for a in needed if a.split(":")[0] == service),
            "Resource": "*",
        }
        for service in services
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def summary(calls: list[Call], resource_types: Iterable[str] = ()) -> dict[str, Any]:
    """What calls.json keeps of one path: its calls by action and the types its stack made."""
    counted = Counter(call_action(call) for call in calls)
    return {"calls": len(calls), "by_action": dict(sorted(counted.items())),
            "resource_types": sorted(set(resource_types))}  # fmt: skip


def path_policy(path: dict[str, Any]) -> dict[str, Any]:
    return deployer_policy(needed_actions(path["by_action"], path["resource_types"]))


def _block(path: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- deployer-policy:{path} -->\n)(.*?)(<!-- /deployer-policy:{path} -->)", re.S)


def rendered(record: dict[str, Any], path: str) -> str:
    policy = json.dumps(path_policy(record[path]), indent=2)
    return f"```json\n{policy}\n```\n"


def docs_policy(path: str, docs: str | None = None) -> str:
    found = _block(path).search(docs if docs is not None else DOCS.read_text())
    if found is None:
        raise SystemExit(f"docs/deploy.md has no deployer-policy:{path} block")
    return found.group(2)


def write_docs(record: dict[str, Any]) -> None:
    docs = DOCS.read_text()
    for path in PATHS:
        docs_policy(path, docs)
        docs = _block(path).sub(lambda m, p=path: m.group(1) + rendered(record, p) + m.group(3), docs)
    DOCS.write_text(docs)


def stale_paths(record: dict[str, Any]) -> list[str]:
    """The paths whose policy in docs/deploy.md is not what the recorded calls need."""
    return [path for path in PATHS if docs_policy(path) != rendered(record, path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-docs", action="store_true", help="write the docs' policies")
    args = parser.parse_args(argv)
    if not RECORD.exists():
        print(f"no {RECORD.relative_to(PROJECT_DIR)}: run make rehearse first", file=sys.stderr)
        return 1
    record = json.loads(RECORD.read_text())
    if args.write_docs:
        write_docs(record)
    stale = stale_paths(record)
    for path in stale:
        print(f"docs/deploy.md: the {path} path's deployer policy is not what it calls")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
