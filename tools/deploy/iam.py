"""The IAM statements of a deployed stage's functions, for every path that deploys them.

Exactly the actions chalicelib declares it calls (store.IAM_ACTIONS, signing.IAM_ACTIONS,
identity.IAM_ACTIONS) on exactly the stage's table, secret and published user pool: the
table for the API handler alone, the secret for the authorizer only where it accepts
HS256 tokens, the user pool's parameter for the authorizer of a Cognito stage where the
deploy path publishes it there (`chalice deploy`; the template passes it by Ref), plus what
a function needs to log to its own log group and, on traced stages, to trace. The
statements are written here once; a Target names their resources as its deploy path
does: tools.deploy.policy by ARN, for the policy files `chalice deploy` attaches, and
tools.deploy.package.merge by Fn::GetAtt and Fn::Sub, in the packaged template.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib import identity, signing, store
from tools.deploy.stage import AUTHORIZER, DeployedStage

Statement = dict[str, Any]

LOG_ACTIONS = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})
CREATE_LOG_GROUP = "logs:CreateLogGroup"
TRACING_ACTIONS = frozenset({"xray:PutTelemetryRecords", "xray:PutTraceSegments"})


class Target(ABC):
    """How one deploy path names the resources a policy grants, and what it leaves out."""

    # The path's own name (function name or logical id) for the function serving the routes.
    api_handler: str
    # True where Lambda creates the log groups on first use, which takes a permission.
    creates_log_groups: bool
    # True where nothing else grants X-Ray's write actions to a traced stage's functions.
    grants_tracing: bool

    def __init__(self, stage: DeployedStage) -> None:
        self.stage = stage

    @property
    def parameter_path(self) -> str:
        """The secret's name as its ARN ends it: `parameter/<this>`, no leading slash."""
        return self.stage.secret_parameter.lstrip("/")

    @abstractmethod
    def table(self) -> Any:
        """The Resource of the statement that grants the table."""

    @abstractmethod
    def secret(self) -> Any:
        """The Resource of the statement that grants the signing secret."""

    @abstractmethod
    def log_groups(self, functions: Sequence[str]) -> Any:
        """The Resource of the statement that lets these functions write their logs."""

    def identity_settings(self) -> Any:
        """The Resource of the statement that grants the published user pool, or None
        where the deploy path hands the authorizer the pool's ids itself."""
        return None

    @property
    def identity_parameter(self) -> str:
        """The user pool parameter's name as its ARN ends it, no leading slash."""
        env = self.stage.function_environment(AUTHORIZER)
        return env["OIDC_SETTINGS_PARAMETER"].lstrip("/")


def _statement(sid: str, actions: Iterable[str], resource: Any) -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resource}


def authorizer_accepts_hs256(stage: DeployedStage) -> bool:
    """Whether the stage's authorizer takes HS256 tokens signed with the stage's secret."""
    if stage.identity != "cognito":
        return True
    env = stage.function_environment(AUTHORIZER)
    return env.get("ACCEPT_HS256_WITH_OIDC", "false").lower() == "true"


def statements(target: Target, functions: Sequence[str]) -> list[Statement]:
    """What these functions (one policy's, in the target's names) may do."""
    granted = []
    handler = target.api_handler in functions
    # Besides the API handler, a stage's one function is its authorizer.
    authorizer = any(function != target.api_handler for function in functions)
    if handler:
        granted.append(_statement("TodoTable", store.IAM_ACTIONS, target.table()))
    # The API handler keys list cursors with the secret; the authorizer verifies with it.
    if handler or (authorizer and authorizer_accepts_hs256(target.stage)):
        granted.append(_statement("SigningSecret", signing.IAM_ACTIONS, target.secret()))
    pool = target.identity_settings() if target.stage.identity == "cognito" else None
    if authorizer and pool is not None:
        granted.append(_statement("UserPoolSettings", identity.IAM_ACTIONS, pool))
    logs = LOG_ACTIONS | {CREATE_LOG_GROUP} if target.creates_log_groups else LOG_ACTIONS
    granted.append(_statement("FunctionLogs", logs, target.log_groups(functions)))
    if target.grants_tracing and target.stage.runtime.xray:
        # X-Ray's write actions take no resource but "*"; they carry no data.
        granted.append(_statement("Tracing", TRACING_ACTIONS, ["*"]))
    return granted


def policy_document(target: Target, functions: Sequence[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements(target, functions)}
