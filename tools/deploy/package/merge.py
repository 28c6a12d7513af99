"""The merge template: what `chalice package --merge-template` adds to the template Chalice
generates, which `chalice deploy` leaves to `make provision` or does not do at all.

- the stage's DynamoDB table as `make provision` makes it, retained when the stack
  goes or replaces it (and, where tools.deploy.stage says so, deletion-protected);
- per role, an IAM policy with tools.deploy.iam's statements, naming the table by
  `Fn::GetAtt`, the signing secret and the functions' own log groups, so the stack needs
  no account id and no stack name;
- API Gateway's own answers (tools.deploy.package.gateway), inside the API definition so
  that every deployment keeps them;
- on the API stage: X-Ray tracing, JSON access logs and throttling, and no second
  stage: SAM adds one named "Stage", without any of these, unless told the API's
  OpenAPI version;
- a fix for Chalice 1.34's log group of the API handler, whose name refers to a
  resource (`ApiHandler`) that its template calls `APIHandler`;
- on a stage whose identity is cognito, its user pool, resource server, app client and
  hosted-UI domain (tools.deploy.package.user_pool).
"""

import json
import re
from collections.abc import Sequence
from typing import Any

from tools.deploy import iam
from tools.deploy.package import checkov, user_pool
from tools.deploy.package.gateway import gateway_responses
from tools.deploy.stage import DeployedStage, deployed_stage, tag_list
from tools.deploy.table import TTL_SPECIFICATION, table_definition

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
    """The table as `make provision` makes it (tools.deploy.provision), for CloudFormation."""
    return {
        "Type": "AWS::DynamoDB::Table",
        **user_pool.RETAINED,
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
    return user_pool.with_user_pool(stage, generated, {"Resources": resources, "Outputs": outputs})
