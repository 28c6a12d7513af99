"""The Chalice path of one stage, as docs/deploy.md tells a user to run it, on the emulator.

`make provision`, the cryptography layer built (`make layer`) and published, its ARN put in
the config, `make deploy` (the deploy check, provision, policy, `chalice deploy`, the log
groups' retention), the requests of tools.deploy.rehearsal.client, a redeploy of changed
code and the same requests again, the IAM negative control, `make destroy`, and the account
checked to hold exactly what destroy says it keeps, which the printed commands then remove.

Two things differ from AWS, and the report says so: the layer is built for the machine's
architecture, which the emulator really runs functions on (prod declares arm64, so prod is
rehearsed on this architecture once the deploy check has refused the mismatched layer), and
the authorizer fetches the pool's keys from the emulator (OIDC_JWKS_URL), not from Cognito.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.deploy import destroy, user_pool
from tools.deploy.rehearsal import account, calls, tokens
from tools.deploy.rehearsal.client import Answer, Session, rehearse_requests
from tools.deploy.rehearsal.emulator import Emulator, lambda_architecture
from tools.deploy.rehearsal.workspace import Workspace
from tools.deploy.stage import API_HANDLER, AUTHORIZER, FUNCTIONS, DeployedStage, deployed_stage

LAYER_NAME = "todo-api-cryptography-{arch}"
# The statement of the API handler's policy that the negative control takes an action from.
CONTROL_STATEMENT, CONTROL_ACTION = "TodoTable", "dynamodb:Query"


@dataclass
class StageReport:
    stage: str
    notes: list[str] = field(default_factory=list)
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    checks: list[Answer] = field(default_factory=list)

    def check(self, what: str, holds: bool) -> None:
        self.checks.append(Answer(what, "", "", 1, int(holds)))


def publish_layer(workspace: Workspace, log: Path) -> str:
    """`make layer` for the emulator's architecture, published as docs/deploy.md says."""
    arch = lambda_architecture()
    workspace.make("layer", "local", None, ARCH=arch)
    session = workspace.session()
    calls.record_into(session, log)
    published = session.client("lambda", endpoint_url=workspace.emulator.endpoint)
    version = published.publish_layer_version(
        LayerName=LAYER_NAME.format(arch=arch),
        Content={"ZipFile": (workspace.root / "build" / f"layer-{arch}.zip").read_bytes()},
        CompatibleRuntimes=["python3.13"],
        CompatibleArchitectures=[arch],
    )
    return str(version["LayerVersionArn"])


def stage_pool(emulator: Emulator, stage: DeployedStage) -> tokens.Pool:
    """The pool `make provision` made and published for the authorizer."""
    name = stage.function_environment(AUTHORIZER)["OIDC_SETTINGS_PARAMETER"]
    value = json.loads(emulator.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    redirect = user_pool.definition(stage).redirect_url
    return tokens.Pool(value["issuer"].rsplit("/", 1)[1], value["client_id"], redirect)


def jwks_url(emulator: Emulator, pool_id: str) -> str:
    return f"{emulator.endpoint}/{pool_id}/.well-known/jwks.json"


def _name_layer(layer: str, jwks: str, name: str) -> Callable[[dict[str, Any]], None]:
    """The config change a user makes: the authorizer's layer (and, here, its keys' URL)."""

    def change(config: dict[str, Any]) -> None:
        authorizer = config["stages"][name]["lambda_functions"][AUTHORIZER]
        authorizer["layers"] = [layer]
        authorizer["environment_variables"]["OIDC_JWKS_URL"] = jwks

    return change


def _run_on_emulator_architecture(
    workspace: Workspace, stage: DeployedStage, log: Path, report: StageReport
) -> None:
    """The deploy check refuses the emulator's layer for the stage's own architecture; the
    rehearsal then deploys the stage on the emulator's."""
    arch = lambda_architecture()
    if stage.runtime.architecture == arch:
        return
    refused = workspace.run_make("deploy-check", stage.name, log)
    report.check(
        f"the deploy check refuses a {arch} layer for {stage.name}'s "
        f"{stage.runtime.architecture} functions",
        refused.returncode != 0 and f"built for {arch}" in refused.stdout,
    )
    workspace.edit_config(
        lambda config: config["stages"][stage.name].update(lambda_architecture=arch)
    )
    report.notes.append(
        f"{stage.name} declares {stage.runtime.architecture}; rehearsed on "
        f"{arch}, the architecture the emulator runs functions on"
    )


def deployed_api(workspace: Workspace, stage: DeployedStage) -> str:
    record = json.loads(chalice_record(workspace, stage).read_text())
    apis = [r["rest_api_id"] for r in record["resources"] if r["resource_type"] == "rest_api"]
    return str(apis[0])


def chalice_record(workspace: Workspace, stage: DeployedStage) -> Path:
    return workspace.root / ".chalice" / "deployed" / f"{stage.name}.json"


def _check_deployed(emulator: Emulator, stage: DeployedStage, report: StageReport) -> None:
    lam, logs = emulator.client("lambda"), emulator.client("logs")
    for function in FUNCTIONS:
        name = stage.function_name(function)
        config = lam.get_function_configuration(FunctionName=name)
        report.check(
            f"{name}: {stage.runtime.memory_mb} MB, {stage.runtime.timeout_seconds} s, "
            "python3.13, traced",
            (
                config["MemorySize"],
                config["Timeout"],
                config["Runtime"],
                config["TracingConfig"]["Mode"],
            )
            == (stage.runtime.memory_mb, stage.runtime.timeout_seconds, "python3.13", "Active"),
        )
        reserved = lam.get_function_concurrency(FunctionName=name).get(
            "ReservedConcurrentExecutions"
        )
        report.check(
            f"{name}: {stage.runtime.reserved_concurrency} reserved",
            reserved == stage.runtime.reserved_concurrency,
        )
        group = logs.describe_log_groups(logGroupNamePrefix=stage.log_group(function))["logGroups"]
        days = [
            g.get("retentionInDays")
            for g in group
            if g["logGroupName"] == stage.log_group(function)
        ]
        report.check(
            f"log group {stage.log_group(function)}: {stage.runtime.log_retention_days} days",
            days == [stage.runtime.log_retention_days],
        )


def _requests(workspace: Workspace, stage: DeployedStage, callers: tokens.Callers) -> Session:
    emulator = workspace.emulator
    api = deployed_api(workspace, stage)
    session = Session(f"{emulator.endpoint}/api", emulator.gateway_host(api), callers, "/api")
    rehearse_requests(session)
    return session


def _negative_control(
    workspace: Workspace, stage: DeployedStage, session: Session, report: StageReport
) -> None:
    """The API handler's role without dynamodb:Query: listing fails, getting still works."""
    iam = workspace.emulator.client("iam")
    role = stage.role_name(API_HANDLER)
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    whole = json.dumps(document)
    for statement in document["Statement"]:
        if statement["Sid"] == CONTROL_STATEMENT:
            statement["Action"].remove(CONTROL_ACTION)
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
    created = session.call("create (control)", "POST", "/todos", 201, json={"text": "control"})
    todo = created.json().get("todoId", "missing")
    session.call(f"list without {CONTROL_ACTION}", "GET", "/todos", 500)
    session.call(f"get without {CONTROL_ACTION}", "GET", f"/todos/{todo}", 200)
    iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=whole)
    session.call(f"list with {CONTROL_ACTION} again", "GET", "/todos", 200)
    report.answers["IAM negative control"] = session.answers[-4:]


def _redeploy(workspace: Workspace, stage: DeployedStage, log: Path, report: StageReport) -> None:
    lam = workspace.emulator.client("lambda")
    before = lam.get_function(FunctionName=stage.prefix)["Configuration"]["CodeSha256"]
    changed = workspace.root / "chalicelib" / "__init__.py"
    changed.write_text(changed.read_text() + "# changed for the rehearsal's redeploy\n")
    workspace.make("deploy", stage.name, log)
    after = lam.get_function(FunctionName=stage.prefix)["Configuration"]["CodeSha256"]
    report.check("the redeploy replaced the functions' code", before != after)


def _destroy(
    workspace: Workspace,
    stage: DeployedStage,
    log: Path,
    before: set[destroy.Holding],
    report: StageReport,
) -> None:
    if stage.name == "dev":
        # A deploy that failed half-way leaves no record: destroy must find the stage anyway.
        chalice_record(workspace, stage).unlink()
        report.notes.append("dev destroyed without .chalice/deployed/dev.json")
    workspace.make("destroy", stage.name, log)
    emulator = workspace.emulator
    kept = destroy.kept(stage, emulator.client("cognito-idp"))
    after = account.holdings(emulator)
    report.check(
        f"after make destroy the account holds what it said it keeps: "
        f"{', '.join(str(item.holding) for item in kept)}",
        after - before == {item.holding for item in kept} and before <= after,
    )
    for item in kept:
        for command in item.removal:
            account.run_command(emulator, command)
    report.check("its printed commands remove what it kept", account.holdings(emulator) == before)


def rehearse(workspace: Workspace, name: str, log: Path) -> StageReport:
    """The whole Chalice path of stage `name`, its calls recorded into log."""
    stage, emulator, report = deployed_stage(name), workspace.emulator, StageReport(name)
    before = account.holdings(emulator)
    workspace.make("provision", name, log)
    pool = stage_pool(emulator, stage)
    layer = publish_layer(workspace, log)
    workspace.edit_config(_name_layer(layer, jwks_url(emulator, pool.pool_id), name))
    _run_on_emulator_architecture(workspace, stage, log, report)
    workspace.make("deploy", name, log)
    _check_deployed(emulator, stage, report)
    callers = tokens.callers(emulator, pool, stage)
    report.answers["first deploy"] = _requests(workspace, stage, callers).answers
    _redeploy(workspace, stage, log, report)
    second = _requests(workspace, stage, callers)
    report.answers["after the redeploy"] = list(second.answers)
    _negative_control(workspace, stage, second, report)
    before.add(destroy.Holding("layer", LAYER_NAME.format(arch=lambda_architecture())))
    _destroy(workspace, stage, log, before, report)
    return report
