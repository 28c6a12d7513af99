"""Packages a stage for CloudFormation: `python -m tools.package --stage prod [--out build/prod]`.

Runs `chalice package --merge-template`, leaving `sam.json` (a SAM template) and
`deployment.zip` in the output directory. The merge template, written beside them as
`merge-template.json`, adds what `chalice deploy` leaves to `make provision` or does
not do at all:

- the stage's DynamoDB table as `make provision` makes it, retained when the stack
  goes or replaces it (and, where tools.stage says so, deletion-protected);
- per role, an IAM policy with tools.iam's statements, naming the table by
  `Fn::GetAtt`, the signing secret and the functions' own log groups, so the stack needs
  no account id and no stack name;
- CORS headers on API Gateway's own 4XX and 5XX responses (the authorizer's 401 and
  403 included), and a JSON 404 for unknown paths instead of a 403 that quotes the
  Authorization header, inside the API definition so that every deployment keeps them;
- on the API stage: X-Ray tracing, JSON access logs and throttling, and no second
  stage: SAM adds one named "Stage", without any of these, unless told the API's
  OpenAPI version;
- a fix for Chalice 1.34's log group of the API handler, whose name refers to a
  resource (`ApiHandler`) that its template calls `APIHandler`.
- on a stage whose identity is cognito, its user pool, resource server, app client and
  hosted-UI domain (tools.cognito), with the authorizer's OIDC_ISSUER and
  OIDC_CLIENT_ID by Fn::Sub and Ref.

Then, on the template Chalice wrote: for the REST API, a 405 for the methods each path
lacks (tools.rest_methods); for API=http, the HTTP API in its place (tools.http_api);
and for both, versions, the alias `live`, canaries, provisioned concurrency, alarms, a
dashboard, and the stage's WAF and API keys (tools.release).

The resources Chalice generates are found in a first, plain `chalice package`, so the
merge template never guesses a logical id. Packaging needs a region (us-east-1 unless
AWS_DEFAULT_REGION says otherwise; the template itself is region-free) and pip, for
requirements.txt; it makes no AWS call.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools import bytecode, checkov, cognito, http_api, iam, local_server, release, rest_methods
from tools.stage import DeployedStage, deployed_stage, tag_list
from tools.table import TTL_SPECIFICATION, table_definition

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "us-east-1"
OUTPUTS = ("sam.json", "deployment.zip")
API_KINDS = ("rest", "http")
MERGE_TEMPLATE = "merge-template.json"

TABLE = "TodoTable"
ACCESS_LOG_GROUP = "ApiAccessLogGroup"
# The API handler's logical id in every template Chalice generates.
API_HANDLER_ID = "APIHandler"
# Used only when config.json sets no log_retention_in_days for the stage.
DEFAULT_LOG_RETENTION_DAYS = 30
# Used only when config.json sets no reserved_concurrency for the stage.
DEFAULT_CONCURRENCY = 20

# One JSON object per request: who called what, and how it went. No headers, no bodies.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
    },
    separators=(",", ":"),
)

# Logs expire by their retention anyway; a retained group would keep its fixed name and
# stop the stack from being created again.
LOG_GROUP_POLICIES = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}

Template = dict[str, Any]


SKIP_FUNCTION = (
    (
        "CKV_AWS_116",
        "Invoked synchronously by API Gateway (handler and authorizer): a dead-letter "
        "queue only ever receives failed asynchronous invocations.",
    ),
    (
        "CKV_AWS_117",
        "Calls only the DynamoDB and SSM public endpoints (TLS, IAM-signed); a VPC would "
        "add NAT or endpoint cost and ENI set-up without any private resource to reach.",
    ),
    (
        "CKV_AWS_173",
        "The environment holds names only (table, issuer, parameter name, origin); the "
        "signing secret lives in an SSM SecureString, and Lambda encrypts at rest anyway.",
    ),
)
SKIP_API = (
    (
        "CKV_AWS_120",
        "Every response is per caller and authorized per request; a stage cache would "
        "serve todos stale after a write, and is billed by the hour.",
    ),
)
SKIP_TABLE_CMK = (
    "CKV_AWS_119",
    "Encrypted with the AWS managed key (SSEEnabled); a customer managed key adds a "
    "monthly and per-request cost and key-policy upkeep with no cross-account use to serve.",
)


def _quoted(value: str) -> str:
    """A static header value as API Gateway's responseParameters want it: 'value'."""
    if "'" in value:
        raise SystemExit(f"cannot quote {value!r} for API Gateway: it contains a quote")
    return f"'{value}'"


def _resources_of_type(template: Template, kind: str) -> list[str]:
    return sorted(n for n, r in template["Resources"].items() if r["Type"] == kind)


def _function_roles(generated: Template) -> dict[str, str]:
    """Each Lambda function's logical id, with the logical id of its Chalice role."""
    roles = {}
    for name in _resources_of_type(generated, "AWS::Serverless::Function"):
        role = generated["Resources"][name]["Properties"]["Role"]
        if not (isinstance(role, dict) and "Fn::GetAtt" in role):
            raise SystemExit(f"{name}: expected a role made by Chalice, found {role!r}")
        roles[name] = role["Fn::GetAtt"][0]
    return roles


def _function_log_groups(generated: Template, functions: list[str]) -> dict[str, str]:
    """Each function's log group, matched by the name Chalice gave it (case aside).

    Chalice 1.34 names the API handler's group after `${ApiHandler}`, a resource that
    its template calls APIHandler; matching without case finds it all the same.
    """
    by_lower = {f.lower(): f for f in functions}
    groups = {}
    for name in _resources_of_type(generated, "AWS::Logs::LogGroup"):
        log_name = generated["Resources"][name]["Properties"].get("LogGroupName", {})
        match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", str(log_name.get("Fn::Sub", "")))
        if match and match.group(1).lower() in by_lower:
            groups[by_lower[match.group(1).lower()]] = name
    return groups


class TemplateTarget(iam.Target):
    """Resources by Fn::GetAtt and Fn::Sub, so the stack needs no account id or stack name."""

    api_handler = API_HANDLER_ID
    # The template makes every function's log group (merge_template).
    creates_log_groups = False
    # Chalice already puts the stage's policy file, X-Ray included, on each role.
    grants_tracing = False

    def __init__(self, stage: DeployedStage, log_groups: dict[str, str]) -> None:
        super().__init__(stage)
        self._log_groups = log_groups

    def table(self) -> dict[str, Any]:
        return {"Fn::GetAtt": [TABLE, "Arn"]}

    def secret(self) -> dict[str, Any]:
        return {
            "Fn::Sub": (
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
                f":parameter/{self.parameter_path}"
            )
        }

    def log_groups(self, functions: Sequence[str]) -> list[dict[str, Any]]:
        # A log group's Arn attribute ends in ":*", which covers its streams.
        return [{"Fn::GetAtt": [self._log_groups[f], "Arn"]} for f in functions]


def _table(stage: DeployedStage) -> dict[str, Any]:
    """The table as `make provision` makes it (tools.provision), for CloudFormation."""
    return {
        "Type": "AWS::DynamoDB::Table",
        # Data outlives the stack: deleting or replacing the stack leaves the table.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Metadata": checkov.skip(SKIP_TABLE_CMK),
        "Properties": {
            **table_definition(stage.table_name),
            # KMS with no key id: the AWS managed key alias/aws/dynamodb.
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": stage.deletion_protection,
            "TimeToLiveSpecification": dict(TTL_SPECIFICATION),
            "Tags": tag_list(stage.tags),
        },
    }


def _role_policy(target: TemplateTarget, role: str, functions: list[str]) -> dict[str, Any]:
    """What the role's functions read and write, each on its exact resource."""
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": f"{target.stage.prefix}-{role}-data",
            "Roles": [{"Ref": role}],
            "PolicyDocument": iam.policy_document(target, functions),
        },
    }


def _throttling(stage: DeployedStage) -> tuple[float, int]:
    """Steady rate and burst for every method of the stage, from its Lambda concurrency.

    The burst equals one function's reserved concurrency; the steady rate is half of
    it, which keeps the concurrency needed below the reservation for any request
    lasting up to 2 s. Beyond that, API Gateway answers 429 before Lambda throttles.
    """
    concurrency = stage.runtime.reserved_concurrency or DEFAULT_CONCURRENCY
    return concurrency / 2, concurrency


def gateway_responses(origin: str) -> dict[str, Any]:
    """API Gateway's own answers, readable by the stage's front end.

    MISSING_AUTHENTICATION_TOKEN is what API Gateway answers for a path, or a method
    of a path, that the API does not have: by default a 403 that quotes the request's
    Authorization header back. Here it is the 404 that `make run` answers an unknown path
    with (tools.local_server), in the app's error shape, echoing nothing.
    """
    cors = {"gatewayresponse.header.Access-Control-Allow-Origin": origin}
    not_found = json.dumps(local_server.NOT_FOUND, separators=(",", ":"))
    return {
        **{kind: {"responseParameters": cors} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")},
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": 404,
            "responseParameters": {
                **cors,
                "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
            },
            "responseTemplates": {"application/json": not_found},
        },
    }


def merge_template(name: str, generated: Template) -> Template:
    """What `--merge-template` adds to (or overrides in) the template Chalice generated."""
    stage = deployed_stage(name)
    retention = stage.runtime.log_retention_days or DEFAULT_LOG_RETENTION_DAYS
    generated_resources = generated["Resources"]
    api = generated_resources.get("RestAPI", {})
    swagger = api.get("Properties", {}).get("DefinitionBody", {}).get("swagger")
    if api.get("Type") != "AWS::Serverless::Api" or not swagger:
        raise SystemExit("chalice package generated no AWS::Serverless::Api RestAPI in Swagger")

    function_roles = _function_roles(generated)
    functions = sorted(function_roles)
    if API_HANDLER_ID not in functions:
        raise SystemExit(f"chalice package generated no function named {API_HANDLER_ID}")
    log_groups = _function_log_groups(generated, functions)

    resources: dict[str, Any] = {TABLE: _table(stage)}
    for function in functions:
        group = log_groups.setdefault(function, f"{function}LogGroup")
        resources[group] = {
            "Type": "AWS::Logs::LogGroup",
            **LOG_GROUP_POLICIES,
            "Metadata": checkov.skip(checkov.LOG_GROUP_CMK),
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function}}}"},
                "RetentionInDays": retention,
            },
        }
        if group in generated_resources:
            # Keep Chalice's retention; fix only the name (see _function_log_groups).
            del resources[group]["Properties"]["RetentionInDays"]
        resources[function] = {"Metadata": checkov.skip(*SKIP_FUNCTION)}

    target = TemplateTarget(stage, log_groups)
    policies = []
    for role in sorted(set(function_roles.values())):
        members = [f for f in functions if function_roles[f] == role]
        policy = f"{role}DataPolicy"
        resources[policy] = _role_policy(target, role, members)
        policies.append(policy)

    resources[ACCESS_LOG_GROUP] = {
        "Type": "AWS::Logs::LogGroup",
        **LOG_GROUP_POLICIES,
        "Metadata": checkov.skip(checkov.LOG_GROUP_CMK),
        "Properties": {
            "LogGroupName": f"/aws/apigateway/{stage.prefix}/access",
            "RetentionInDays": retention,
            "Tags": tag_list(stage.tags),
        },
    }

    origin = _quoted(stage.environment["CORS_ALLOW_ORIGIN"])
    rate, burst = _throttling(stage)
    resources["RestAPI"] = {
        # The API goes live only once its functions may read the table and the secret.
        "DependsOn": policies,
        "Metadata": checkov.skip(*SKIP_API),
        "Properties": {
            # Any OpenApiVersion stops SAM from deploying, beside this stage, one named
            # "Stage" that has none of this one's tracing, access logs or throttling.
            "OpenApiVersion": swagger,
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": [ACCESS_LOG_GROUP, "Arn"]},
                "Format": ACCESS_LOG_FORMAT,
            },
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": rate,
                    "ThrottlingBurstLimit": burst,
                    # No execution logs of request and response bodies: they hold todos.
                    "DataTraceEnabled": False,
                    "MetricsEnabled": False,
                }
            ],
            "Tags": stage.tags,
            # In the definition, not as AWS::ApiGateway::GatewayResponse resources: a
            # deployment of a new definition drops gateway responses it does not hold.
            "DefinitionBody": {"x-amazon-apigateway-gateway-responses": gateway_responses(origin)},
        },
    }
    outputs = {
        "TableName": {"Value": {"Ref": TABLE}},
        "TableArn": {"Value": {"Fn::GetAtt": [TABLE, "Arn"]}},
    }
    return cognito.with_user_pool(stage, generated, {"Resources": resources, "Outputs": outputs})


def _chalice_package(stage: str, out: Path, merge_file: Path | None = None) -> Template:
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice), "--project-dir", str(PROJECT_DIR), "package", "--stage", stage]
    if merge_file is not None:
        command += ["--merge-template", str(merge_file)]
    command.append(str(out))
    env = dict(os.environ)
    if not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = env.get("AWS_REGION") or DEFAULT_REGION
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True)  # noqa: S603 - fixed argv
    generated: Template = json.loads((out / "sam.json").read_text())
    return generated


def chalice_template(stage: str, out: Path) -> Template:
    """Runs `chalice package` with the merge template into out: the SAM template as
    Chalice leaves it, before tools.http_api and tools.release change it."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out / name).unlink(missing_ok=True)
    # Chalice zips chalicelib/ as it finds it: bytecode left by a test run is dead weight.
    for cache in (PROJECT_DIR / "chalicelib").rglob("__pycache__"):
        shutil.rmtree(cache)
    with tempfile.TemporaryDirectory(prefix=f"chalice-{stage}-") as plain:
        generated = _chalice_package(stage, Path(plain))
    merge_file = out / MERGE_TEMPLATE
    merge_file.write_text(json.dumps(merge_template(stage, generated), indent=2) + "\n")
    _chalice_package(stage, out, merge_file)
    missing = [name for name in OUTPUTS if not (out / name).is_file()]
    if missing:
        raise SystemExit(f"chalice package left no {', '.join(missing)} in {out}")
    bytecode.add_bytecode(out)  # compiled once here, not on every cold start (tools.bytecode)
    template: Template = json.loads((out / "sam.json").read_text())
    return template


def build(stage: str, out: Path, api: str = "rest", api_keys: bool | None = None) -> Path:
    """Packages the stage into out: sam.json, deployment.zip and merge-template.json.

    api="http": sam.json puts an HTTP API in the REST API's place (tools.http_api).
    Either way tools.release adds aliases, canaries, alarms and the stage's edge;
    api_keys overrides the stage's release.api_keys for this build.
    """
    deployed = deployed_stage(stage)
    keyed = deployed.release.api_keys if api_keys is None else api_keys
    if keyed and api != "rest":
        raise SystemExit("API keys and usage plans exist only for the REST API (API=rest)")
    template = chalice_template(stage, out)
    if api == "http":
        template = http_api.http_variant(deployed, template)
    else:
        definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
        rest_methods.answer_other_methods(definition, deployed.environment["CORS_ALLOW_ORIGIN"])
    template = release.production_edge(deployed, template, api, keyed)
    (out / "sam.json").write_text(json.dumps(template, indent=2) + "\n")
    return out.resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument(
        "--api", choices=API_KINDS, default="rest", help="the gateway: REST API or HTTP API"
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default: build/<stage>, build/<stage>-http)"
    )
    parser.add_argument(
        "--api-keys",
        action=argparse.BooleanOptionalAction,
        help="require API keys on /todos under a usage plan (default: the stage's setting)",
    )
    args = parser.parse_args()
    suffix = "" if args.api == "rest" else f"-{args.api}"
    out = args.out or PROJECT_DIR / "build" / f"{args.stage}{suffix}"
    started = time.monotonic()
    build(args.stage, out, args.api, args.api_keys)
    size = (out / "deployment.zip").stat().st_size
    print(
        f"{out}: sam.json, deployment.zip ({size / 1024:.0f} KiB) "
        f"in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
