"""The CloudFormation path of one packaged variant, as docs/deploy.md runs it, on the emulator.

`make provision SECRET_ONLY=1`, `make package`, then what `aws cloudformation package` and
`aws cloudformation deploy --s3-bucket` do: the code and the template into the artifact
bucket, a change set created from the template's S3 URL and executed. The template is the
packaged one after the SAM transform, done offline by tools.deploy.lint.translate as the
lint does (the emulator's own transform is not what AWS runs). Then the requests of
tools.deploy.rehearsal.client through the API, whose integrations must name the alias
`live`, the stack deleted, the account checked to hold what the stack retains, and that
removed as docs/deploy.md says.

A variant with resource types the emulator lacks is refused by its CreateChangeSet, and an
HTTP API is made without the routes of its definition: the report names what is missing,
and `make lint-iac`, which lints that template, stands for it.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from tools.deploy import destroy
from tools.deploy.lint import ARTIFACT_BUCKET, translate
from tools.deploy.package.user_pool import AUTHORIZER_ID, LAYER_PARAMETER, USER_POOL
from tools.deploy.rehearsal import account, calls, tokens
from tools.deploy.rehearsal.chalice_path import StageReport
from tools.deploy.rehearsal.client import Session, rehearse_requests
from tools.deploy.rehearsal.emulator import Emulator
from tools.deploy.rehearsal.workspace import StepFailed, Workspace
from tools.deploy.stage import deployed_stage
from tools.deploy.user_pool import definition

ALIAS_URI = ":live/invocations"
# The largest template `aws cloudformation deploy` sends without an S3 bucket.
INLINE_TEMPLATE_BYTES = 51_200
# The service role CloudFormation creates the stack's resources with (--role-arn).
SERVICE_ROLE = "todo-api-cloudformation"
# MiniStack's CloudFormation makes an HTTP API without the routes, integrations and
# authorizers of its Body (its OpenAPI definition), and has no ImportApi to add them.
UNROUTED_HTTP_API = "AWS::ApiGatewayV2::Api with a Body (it makes none of its routes)"
WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class Variant:
    stage: str
    api: str = "rest"
    api_keys: bool = False

    @property
    def name(self) -> str:
        return self.stage + ("-http" if self.api == "http" else "") + ("-api-keys" * self.api_keys)

    @property
    def built(self) -> str:
        """Where `make package` leaves it, under build/ (API keys or not)."""
        return self.stage + ("-http" if self.api == "http" else "")

    def package_variables(self) -> dict[str, str]:
        keys = {"API_KEYS": "1"} if self.api_keys else {}
        return {"API": self.api, **keys}


@dataclass
class VariantReport(StageReport):
    refused_types: list[str] = field(default_factory=list)
    # The types of the template's resources, as CloudFormation gets it.
    resource_types: list[str] = field(default_factory=list)


def _template(workspace: Workspace, variant: Variant) -> dict[str, Any]:
    """The packaged template after the SAM transform, its authorizer's keys on the emulator."""
    out = workspace.root / "build" / variant.built
    template = translate(json.loads((out / "sam.json").read_text()))
    authorizer = template["Resources"].get(AUTHORIZER_ID)
    if authorizer is not None:
        jwks = f"{workspace.emulator.endpoint}/${{{USER_POOL}}}/.well-known/jwks.json"
        variables = authorizer["Properties"]["Environment"]["Variables"]
        variables["OIDC_JWKS_URL"] = {"Fn::Sub": jwks}
    return template


def _wait(cloudformation: Any, stack: str, done: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            found: dict[str, Any] = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
        except ClientError:
            return {"StackStatus": "DELETE_COMPLETE"}
        if not found["StackStatus"].endswith("_IN_PROGRESS"):
            if found["StackStatus"] not in done:
                raise StepFailed(
                    f"stack {stack}: {found['StackStatus']} {found.get('StackStatusReason')}"
                )
            return found
        time.sleep(1)
    raise StepFailed(f"stack {stack} did not settle in {WAIT_SECONDS:.0f} s")


@dataclass(frozen=True)
class Prerequisites:
    """What a stack deploy takes as given: the published layer, CloudFormation's service role."""

    layer: str
    service_role: str


def _deploy(
    workspace: Workspace,
    session: Any,
    variant: Variant,
    template: dict[str, Any],
    given: Prerequisites,
) -> dict[str, Any]:
    """What `aws cloudformation deploy --s3-bucket --role-arn` does: the template in S3, a
    change set that CloudFormation makes with the service role."""
    endpoint = workspace.emulator.endpoint
    s3 = session.client("s3", endpoint_url=endpoint)
    zipped = workspace.root / "build" / variant.built / "deployment.zip"
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=zipped.name, Body=zipped.read_bytes())
    key = f"todo-api/{variant.name}/template.json"
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=json.dumps(template).encode())
    cloudformation = session.client("cloudformation", endpoint_url=endpoint)
    stack = f"todo-api-{variant.stage}"
    parameters = {LAYER_PARAMETER: given.layer}
    change = cloudformation.create_change_set(
        StackName=stack,
        ChangeSetName="rehearsal",
        ChangeSetType="CREATE",
        TemplateURL=f"{endpoint}/{ARTIFACT_BUCKET}/{key}",
        Parameters=[
            {"ParameterKey": name, "ParameterValue": value}
            for name, value in parameters.items()
            if name in template.get("Parameters", {})
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        RoleARN=given.service_role,
    )
    cloudformation.get_waiter("change_set_create_complete").wait(
        ChangeSetName=change["Id"], WaiterConfig={"Delay": 1}
    )
    cloudformation.execute_change_set(ChangeSetName=change["Id"])
    return _wait(cloudformation, stack, {"CREATE_COMPLETE"})


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def _integration_uris(emulator: Emulator, variant: Variant, api: str) -> list[str]:
    if variant.api == "http":
        items = emulator.client("apigatewayv2").get_integrations(ApiId=api)["Items"]
        return [str(item.get("IntegrationUri", "")) for item in items]
    gateway = emulator.client("apigateway")
    return [
        str(gateway.get_integration(restApiId=api, resourceId=r["id"], httpMethod=m).get("uri"))
        for r in gateway.get_resources(restApiId=api, limit=500)["items"]
        for m in r.get("resourceMethods", {})
        if m != "OPTIONS"
    ]


def _requests(
    emulator: Emulator, variant: Variant, outputs: dict[str, str], report: VariantReport
) -> None:
    api = outputs.get("RestAPIId") or outputs["HttpAPIId"]
    uris = _integration_uris(emulator, variant, api)
    report.check(
        "every integration invokes the alias live",
        bool(uris) and all(ALIAS_URI in uri for uri in uris),
    )
    redirect = definition(deployed_stage(variant.stage)).redirect_url
    pool = tokens.Pool(outputs["UserPoolId"], outputs["UserPoolClientId"], redirect)
    session = Session(
        f"{emulator.endpoint}/api",
        emulator.gateway_host(api),
        tokens.callers(emulator, pool, deployed_stage(variant.stage)),
        "/api",
    )
    rehearse_requests(session)
    report.answers["through the alias live"] = session.answers


def _delete(
    session: Any,
    emulator: Emulator,
    variant: Variant,
    before: set[destroy.Holding],
    report: VariantReport,
) -> None:
    cloudformation = session.client("cloudformation", endpoint_url=emulator.endpoint)
    stack = f"todo-api-{variant.stage}"
    cloudformation.delete_stack(StackName=stack)
    _wait(cloudformation, stack, {"DELETE_COMPLETE"})
    stage = deployed_stage(variant.stage)
    # What the stack retains and the secret it never owned; no /oidc parameter on this path.
    kept = [
        k
        for k in destroy.kept(stage, emulator.client("cognito-idp"))
        if k.holding.kind != "parameter" or k.holding.name == stage.secret_parameter
    ]
    after = account.holdings(emulator)
    report.check(
        f"after delete-stack the account holds {', '.join(str(k.holding) for k in kept)}",
        after - before == {k.holding for k in kept} and before <= after,
    )
    for item in kept:
        for command in item.removal:
            account.run_command(emulator, command)
    report.check(
        "docs/deploy.md's commands remove what the stack kept", account.holdings(emulator) == before
    )


def rehearse(
    workspace: Workspace, variant: Variant, given: Prerequisites, log: Path
) -> VariantReport:
    """The whole stack path of one variant, its deployer's calls recorded into log."""
    emulator, report = workspace.emulator, VariantReport(variant.name)
    before = account.holdings(emulator)
    workspace.make("provision", variant.stage, log, **{"SECRET_ONLY": "1"})
    workspace.make("package", variant.stage, None, **variant.package_variables())
    template = _template(workspace, variant)
    packaged = (workspace.root / "build" / variant.built / "sam.json").stat().st_size
    report.notes.append(
        f"sam.json: {packaged:,} bytes, over the {INLINE_TEMPLATE_BYTES:,} "
        "`aws cloudformation deploy` sends without --s3-bucket"
        if packaged > INLINE_TEMPLATE_BYTES
        else f"sam.json: {packaged:,} bytes"
    )
    # What CloudFormation is asked to make with its service role, made or refused.
    report.resource_types = sorted({r["Type"] for r in template["Resources"].values()})
    session = workspace.session()
    calls.record_into(session, log)
    try:
        stack = _deploy(workspace, session, variant, template, given)
    except ClientError as error:
        message = error.response["Error"]["Message"]
        if "Unrecognized resource types" not in message:
            raise
        report.refused_types = message.split("[", 1)[1].rstrip("]").split(", ")
        secret = deployed_stage(variant.stage).secret_parameter
        account.run_command(emulator, ("aws", "ssm", "delete-parameter", "--name", secret))
        return report
    outputs = _outputs(stack)
    if variant.api == "http" and not _http_routes(emulator, outputs["HttpAPIId"]):
        report.refused_types = [UNROUTED_HTTP_API]
    else:
        _requests(emulator, variant, outputs, report)
    _delete(session, emulator, variant, before, report)
    return report


def _http_routes(emulator: Emulator, api: str) -> list[Any]:
    return list(emulator.client("apigatewayv2").get_routes(ApiId=api)["Items"])
