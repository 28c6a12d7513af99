"""Writes a deployed stage's IAM policy: `python -m tools.policy --stage prod`.

Chalice's automatic policy reads only app.py, so it misses every call made in
chalicelib/. This one grants exactly the actions chalicelib declares it calls
(store.IAM_ACTIONS, signing.IAM_ACTIONS) on exactly the stage's table and secret,
plus what every Lambda function needs to log and, on traced stages, to trace.
The ARNs leave region and account open so one file serves any account.
"""

import argparse
import json
from pathlib import Path
from typing import Any

from chalicelib import signing, store
from tools.stage import CONFIG_PATH, environment, stage_config

APP_NAME = "todo-api"


def _statement(
    sid: str, actions: frozenset[str] | list[str], resources: list[str]
) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def stage_policy(stage: str) -> dict[str, Any]:
    env = environment(stage)
    if "JWT_SECRET_PARAMETER" not in env:
        raise SystemExit(f"stage {stage!r} is not deployed: it keeps its secret in its config")
    parameter = env["JWT_SECRET_PARAMETER"].lstrip("/")
    statements = [
        _statement(
            "TodoTable", store.IAM_ACTIONS, [f"arn:aws:dynamodb:*:*:table/{env['TABLE_NAME']}"]
        ),
        _statement(
            "SigningSecret", signing.IAM_ACTIONS, [f"arn:aws:ssm:*:*:parameter/{parameter}"]
        ),
        _statement(
            "FunctionLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}*"],
        ),
    ]
    if stage_config(stage).get("xray"):
        # X-Ray's write actions take no resource but "*"; they carry no data.
        statements.append(
            _statement("Tracing", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"])
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_path(stage: str) -> Path:
    return CONFIG_PATH.parent / stage_config(stage)["iam_policy_file"]


def render(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args()
    text = render(stage_policy(args.stage))
    path = policy_path(args.stage)
    if path.exists() and path.read_text() == text:
        print(f"{path.relative_to(CONFIG_PATH.parent.parent)}: unchanged")
        return
    path.write_text(text)
    print(f"{path.relative_to(CONFIG_PATH.parent.parent)}: written")


if __name__ == "__main__":
    main()
