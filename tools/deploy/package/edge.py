"""What stands in front of the REST API's stage, as its release settings ask.

- `release.waf`: an AWS WAF web ACL on the stage: AWS's managed common rules and known
  bad inputs, and a rate-based rule blocking an address past `waf_rate_limit` requests
  in 5 minutes. Its logs redact the Authorization and x-api-key headers: a bearer token
  or an API key must never reach a log.
- `release.api_keys` (or `make package API_KEYS=1`): the /todos routes require an API
  key in `x-api-key` besides the bearer token, and a usage plan sets each key's rate,
  burst and daily quota. No key is made here: a key in a template is a shared secret in
  every copy of it. docs/deploy.md says how keys are issued and rotated.

An HTTP API takes neither (API Gateway offers no WAF or usage plans for it):
docs/gateways.md says what protects that variant instead.
"""

from typing import Any

from tools.deploy.package import checkov
from tools.deploy.stage import Stage, tag_list

API = "RestAPI"
API_KEY_SCHEME = "api_key"
API_KEY_HEADER = "x-api-key"
# The routes a key guards: the API's data. /health and /openapi.json stay open.
KEYED_PATH_PREFIX = "/todos"
WEB_ACL = "WebAcl"
WAF_LOG_GROUP = "WafLogGroup"
Template = dict[str, Any]


def _visibility(name: str) -> dict[str, Any]:
    return {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": name,
    }


def _managed(priority: int, name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": {"None": {}},
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
        "VisibilityConfig": _visibility(name),
    }


def web_acl(stage: Stage) -> dict[str, Any]:
    rate_rule = {
        "Name": "PerAddressRate",
        "Priority": 0,
        "Action": {"Block": {}},
        "Statement": {
            "RateBasedStatement": {
                "Limit": stage.release.waf_rate_limit,
                "AggregateKeyType": "IP",
            }
        },
        "VisibilityConfig": _visibility("PerAddressRate"),
    }
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": stage.prefix,
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "Rules": [
                rate_rule,
                _managed(1, "AWSManagedRulesCommonRuleSet"),
                _managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
            "VisibilityConfig": _visibility(stage.prefix),
            "Tags": tag_list(stage.tags),
        },
    }


def _waf_resources(stage: Stage, retention_days: int) -> Template:
    stage_arn = (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}"
        "/stages/${RestAPI.Stage}"
    )
    return {
        WEB_ACL: web_acl(stage),
        "WebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                "ResourceArn": {"Fn::Sub": stage_arn},
                "WebACLArn": {"Fn::GetAtt": [WEB_ACL, "Arn"]},
            },
        },
        # WAF delivers only to groups whose name starts with aws-waf-logs-.
        WAF_LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Metadata": checkov.skip(checkov.LOG_GROUP_CMK),
            "Properties": {
                "LogGroupName": f"aws-waf-logs-{stage.prefix}",
                "RetentionInDays": retention_days,
            },
        },
        "WebAclLogging": {
            "Type": "AWS::WAFv2::LoggingConfiguration",
            "Properties": {
                "ResourceArn": {"Fn::GetAtt": [WEB_ACL, "Arn"]},
                "LogDestinationConfigs": [{"Fn::GetAtt": [WAF_LOG_GROUP, "Arn"]}],
                "RedactedFields": [
                    {"SingleHeader": {"Name": "authorization"}},
                    {"SingleHeader": {"Name": API_KEY_HEADER}},
                ],
            },
        },
    }


def _require_api_keys(definition: dict[str, Any]) -> None:
    definition["x-amazon-apigateway-api-key-source"] = "HEADER"
    definition["securityDefinitions"][API_KEY_SCHEME] = {
        "type": "apiKey",
        "name": API_KEY_HEADER,
        "in": "header",
    }
    for path, operations in definition["paths"].items():
        if not path.startswith(KEYED_PATH_PREFIX):
            continue
        for operation in operations.values():
            # One requirement naming both: the token AND the key (two would mean either).
            for requirement in operation.get("security", []):
                requirement[API_KEY_SCHEME] = []


def usage_plan(stage: Stage) -> dict[str, Any]:
    release = stage.release
    return {
        "Type": "AWS::ApiGateway::UsagePlan",
        "Properties": {
            "UsagePlanName": stage.prefix,
            "Description": "Every API key of the stage: its rate, burst and daily quota.",
            "ApiStages": [{"ApiId": {"Ref": API}, "Stage": {"Ref": f"{API}.Stage"}}],
            "Throttle": {"RateLimit": release.api_key_rate, "BurstLimit": release.api_key_burst},
            "Quota": {"Limit": release.api_key_daily_quota, "Period": "DAY"},
            "Tags": tag_list(stage.tags),
        },
    }


def protect_rest_api(stage: Stage, template: Template, api_keys: bool) -> None:
    """Adds the web ACL and the API keys' usage plan where the stage asks for them."""
    resources = template["Resources"]
    if stage.release.waf:
        retention = stage.runtime.log_retention_days or 30
        resources.update(_waf_resources(stage, retention))
    if api_keys:
        _require_api_keys(resources[API]["Properties"]["DefinitionBody"])
        resources["UsagePlan"] = usage_plan(stage)
        template.setdefault("Outputs", {})["UsagePlanId"] = {"Value": {"Ref": "UsagePlan"}}
