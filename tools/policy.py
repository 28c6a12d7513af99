"""Writes a deployed stage's IAM policies: `python -m tools.policy --stage prod`.

Chalice's automatic policy reads only app.py, so it misses every call made in
chalicelib/. These grant exactly the actions chalicelib declares it calls
(store.IAM_ACTIONS, signing.IAM_ACTIONS) on exactly the stage's table and secret,
plus what a Lambda function needs to log to its own log group and, on traced stages,
to trace. Each function gets its own: the API handler's is the stage-level
`iam_policy_file`, the authorizer's its `lambda_functions.jwt_auth.iam_policy_file`,
and the authorizer, which only reads the secret, gets no DynamoDB access.
The ARNs leave region and account open so one file serves any account.
"""

import argparse
import json
from pathlib import Path
from typing import Any

from chalicelib import signing, store
from tools.stage import CONFIG_PATH, environment, stage_config

APP_NAME = "todo-api"
API_HANDLER = "api_handler"
AUTHORIZER = "jwt_auth"
FUNCTIONS = (API_HANDLER, AUTHORIZER)


def _statement(
    sid: str, actions: frozenset[str] | list[str], resources: list[str]
) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def _log_group(stage: str, function: str) -> str:
    # Chalice names the API handler after the app and stage, other functions after themselves.
    suffix = "" if function == API_HANDLER else f"-{function}"
    return f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}{suffix}"


def function_policy(stage: str, function: str) -> dict[str, Any]:
    env = environment(stage)
    if "JWT_SECRET_PARAMETER" not in env:
        raise SystemExit(f"stage {stage!r} is not deployed: it keeps its secret in its config")
    parameter = env["JWT_SECRET_PARAMETER"].lstrip("/")
    statements = []
    if function == API_HANDLER:
        table = f"arn:aws:dynamodb:*:*:table/{env['TABLE_NAME']}"
        statements.append(_statement("TodoTable", store.IAM_ACTIONS, [table]))
    log_group = _log_group(stage, function)
    statements += [
        _statement(
            "SigningSecret", signing.IAM_ACTIONS, [f"arn:aws:ssm:*:*:parameter/{parameter}"]
        ),
        _statement(
            "FunctionLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [log_group, f"{log_group}:*"],
        ),
    ]
    if stage_config(stage).get("xray"):
        # X-Ray's write actions take no resource but "*"; they carry no data.
        statements.append(
            _statement("Tracing", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"])
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_path(stage: str, function: str) -> Path:
    config = stage_config(stage)
    if function != API_HANDLER:
        config = config["lambda_functions"][function]
    return CONFIG_PATH.parent / config["iam_policy_file"]


def render(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


def write(stage: str, function: str) -> str:
    text = render(function_policy(stage, function))
    path = policy_path(stage, function)
    shown = path.relative_to(CONFIG_PATH.parent.parent)
    if path.exists() and path.read_text() == text:
        return f"{shown}: unchanged"
    path.write_text(text)
    return f"{shown}: written"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args()
    for function in FUNCTIONS:
        print(write(args.stage, function))


if __name__ == "__main__":
    main()
