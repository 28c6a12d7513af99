"""Safe releases in the packaged template: versions, an alias, canaries, warm environments.

Chalice publishes no Lambda versions or aliases (aws/chalice#1600, #1322): every
`chalice deploy` sends all traffic to the new code at once. The packaged template fixes
that for the CloudFormation path:

- each function publishes a version on every deploy and moves the alias `live` to it
  (SAM's AutoPublishAlias); the API's integrations, the authorizer and their invoke
  permissions name the alias, never `$LATEST`;
- CodeDeploy moves the alias as the stage's `release.deployment` says (prod: 10% for
  5 minutes, then the rest), and rolls it back by itself when an alarm of
  tools.deploy.package.alarms fires meanwhile;
- `release.provisioned_concurrency` environments stay initialized on each alias.
"""

from typing import Any

from tools.deploy.package import alarms, edge
from tools.deploy.stage import Stage

ALIAS = "live"
Template = dict[str, Any]


def _functions(template: Template) -> list[str]:
    resources = template["Resources"]
    return sorted(n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function")


def _alias_ref(function: str) -> dict[str, str]:
    # SAM resolves <function>.Alias to the alias's ARN.
    return {"Ref": f"{function}.Alias"}


def _sub_aliased(sub: Any, functions: list[str]) -> Any:
    """An Fn::Sub argument with each function's ${F.Arn} replaced by a variable naming
    its alias (cfn-lint knows no ${F.Alias} in a SAM template, but a Ref to it)."""
    text, variables = (sub, {}) if isinstance(sub, str) else sub
    named = [f for f in functions if f"${{{f}.Arn}}" in text]
    if not named:
        return sub
    for function in named:
        text = text.replace(f"${{{function}.Arn}}", f"${{{function}Alias}}")
    return [text, {**variables, **{f"{f}Alias": _alias_ref(f) for f in named}}]


def _aliased(value: Any, functions: list[str]) -> Any:
    """The value with each function's ARN in an Fn::Sub replaced by its alias's."""
    if isinstance(value, dict):
        return {
            key: _sub_aliased(item, functions) if key == "Fn::Sub" else _aliased(item, functions)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_aliased(item, functions) for item in value]
    return value


def _point_permissions_at_alias(template: Template, functions: list[str]) -> None:
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Lambda::Permission":
            continue
        target = resource["Properties"]["FunctionName"]
        name = target.get("Ref") or target.get("Fn::GetAtt", [None])[0]
        if name not in functions:
            raise SystemExit(f"an invoke permission names {target!r}, not a function")
        resource["Properties"]["FunctionName"] = _alias_ref(name)


def _publish(stage: Stage, properties: dict[str, Any], watched: list[dict[str, str]]) -> None:
    release = stage.release
    properties["AutoPublishAlias"] = ALIAS
    if release.deployment != "AllAtOnce":
        # Without a preference SAM moves the alias at once, and makes no CodeDeploy
        # application, group or role.
        properties["DeploymentPreference"] = {"Type": release.deployment, "Alarms": watched}
    if release.provisioned_concurrency:
        properties["ProvisionedConcurrencyConfig"] = {
            "ProvisionedConcurrentExecutions": release.provisioned_concurrency
        }


def production_edge(stage: Stage, template: Template, api: str, api_keys: bool) -> Template:
    """The template with aliases, canary, alarms, dashboard, and (REST) WAF and API keys."""
    functions = _functions(template)
    monitoring, canary_alarms = alarms.monitoring(stage, template, api)
    watched = [{"Ref": name} for name in canary_alarms]
    resources = template["Resources"]
    for name in functions:
        _publish(stage, resources[name]["Properties"], watched)
    for name, resource in resources.items():
        if name not in functions:
            resources[name] = _aliased(resource, functions)
    _point_permissions_at_alias(template, functions)
    resources.update(monitoring)
    if api == "rest":
        edge.protect_rest_api(stage, template, api_keys)
    return template
