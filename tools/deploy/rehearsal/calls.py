"""The AWS calls each deploy path made in the rehearsal, and the deployer's policy they need.

Each call is recorded where it is made (tools.deploy.rehearsal.tap in the user's commands,
`record_into` for the steps the rehearsal runs itself in their place) as its service's
signing name, its operation and its HTTP method. `needed_actions` turns them into the IAM
actions they are authorized as, and `deployer_policy` writes one statement per service. On
the stack path CloudFormation acts with a service role: its policy holds, for each resource
type of the templates, what the type's resource provider declares for create, update and
delete (the providers' schemas, as cfn-lint ships them).

`python -m tools.deploy.rehearsal.calls --write-docs` (`make deployer-policy`) puts the
policies of the last rehearsal (build/rehearsal/calls.json) into docs/deploy.md; the
rehearsal stops when the docs' policies are not the ones its calls need.
"""

import argparse
import json
import re
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from tools import PROJECT_DIR, docs

RECORD = PROJECT_DIR / "build" / "rehearsal" / "calls.json"
DOCS = PROJECT_DIR / "docs" / "deploy.md"
PATHS = ("chalice", "stack")
# The policies docs/deploy.md shows: each path's deployer's, and CloudFormation's service role.
SERVICE_ROLE = "stack-service-role"
POLICIES = (*PATHS, SERVICE_ROLE)
# Operations whose IAM action is named otherwise, and those no policy needs to allow.
RENAMED = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:GetLayerVersionByArn": "lambda:GetLayerVersion",
    "s3:HeadObject": "s3:GetObject",
    "s3:HeadBucket": "s3:ListBucket",
}
UNAUTHORIZED = frozenset({"sts:GetCallerIdentity"})
# Handing a function (or a stack) its role is authorized as iam:PassRole besides the call.
PASSES_ROLE = frozenset(
    {
        "lambda:CreateFunction",
        "lambda:UpdateFunctionConfiguration",
        "cloudformation:CreateChangeSet",
    }
)
HANDLERS = ("create", "update", "delete")
Call = dict[str, str]


def record_into(session: Any, log: Path) -> None:
    """Records the calls of every client the session makes after this, as the tap does."""

    def record(model: Any, **_: Any) -> None:
        line = {
            "service": model.service_model.signing_name,
            "operation": model.name,
            "method": model.http.get("method", "POST"),
        }
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


def needed_actions(called: Iterable[str]) -> set[str]:
    """The IAM actions the called ones need."""
    needed = set(called) - UNAUTHORIZED
    if needed & PASSES_ROLE:
        needed.add("iam:PassRole")
    return needed


def service_role_actions(resource_types: Iterable[str]) -> set[str]:
    """What CloudFormation's service role needs to make, change and delete these types."""
    return {action for kind in resource_types for action in provider_permissions(kind)}


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
    return {
        "calls": len(calls),
        "by_action": dict(sorted(counted.items())),
        "resource_types": sorted(set(resource_types)),
    }


def policy(record: dict[str, Any], name: str) -> dict[str, Any]:
    """One of POLICIES, from the recorded calls."""
    if name == SERVICE_ROLE:
        return deployer_policy(service_role_actions(record["stack"]["resource_types"]))
    return deployer_policy(needed_actions(record[name]["by_action"]))


def render(document: dict[str, Any]) -> str:
    """The policy as JSON, a statement's actions filling lines rather than one each."""
    lines = ["{", f'  "Version": "{document["Version"]}",', '  "Statement": [']
    for number, statement in enumerate(document["Statement"], 1):
        head = {key: value for key, value in statement.items() if key != "Action"}
        lines.append(f'    {json.dumps(head)[:-1]}, "Action": [')
        actions = ", ".join(json.dumps(action) for action in statement["Action"])
        lines += textwrap.wrap(
            actions,
            90,
            initial_indent=" " * 6,
            subsequent_indent=" " * 6,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.append("    ]}" + ("," if number < len(document["Statement"]) else ""))
    return "\n".join([*lines, "  ]", "}"])


def rendered(record: dict[str, Any], name: str) -> str:
    return f"```json\n{render(policy(record, name))}\n```\n"


def docs_policy(name: str) -> str:
    block = f"deployer-policy:{name}"
    found = dict(docs.blocks(DOCS.read_text()))
    if block not in found:
        raise SystemExit(f"docs/deploy.md has no {block} block")
    return found[block]


def docs_document(name: str) -> dict[str, Any]:
    """The policy docs/deploy.md shows, as a document."""
    document: dict[str, Any] = json.loads(docs_policy(name).strip().strip("`").removeprefix("json"))
    return document


def figures(record: dict[str, Any]) -> str:
    """The rehearsal's figures, as docs/deploy.md states them."""
    counts = "; ".join(
        f"the {path} path made {record[path]['calls']} AWS calls of "
        f"{len(record[path]['by_action'])} actions"
        for path in PATHS
    )
    return (
        f"The last full `make rehearse` ({record['date']}) took {record['seconds']} s; "
        f"{counts} (`build/rehearsal/calls.json`).\n"
    )


def write_docs(record: dict[str, Any]) -> None:
    blocks = {f"deployer-policy:{name}": rendered(record, name) for name in POLICIES}
    blocks["rehearsal-figures"] = figures(record)
    docs.write(DOCS, blocks)


def stale_policies(record: dict[str, Any]) -> list[str]:
    """The policies in docs/deploy.md that are not what the recorded calls need."""
    return [name for name in POLICIES if docs_policy(name) != rendered(record, name)]


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
    stale = stale_policies(record)
    for name in stale:
        print(f"docs/deploy.md: the {name} policy is not what the recorded calls need")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
