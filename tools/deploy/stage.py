"""The stages of .chalice/config.json, as the commands run outside Chalice see them.

One model for tools.deploy.policy, tools.deploy.package and tools.deploy.provision:
`load_stage(name)` for any stage, `deployed_stage(name)` for the commands that only deployed
stages may run. Values are read as Chalice reads them (the stage's own, then the file's top
level, then Chalice's default), so that what the tools build matches what Chalice deploys.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from chalice.constants import (
    DEFAULT_LAMBDA_ARCHITECTURE,
    DEFAULT_LAMBDA_MEMORY_SIZE,
    DEFAULT_LAMBDA_TIMEOUT,
)

from tools import PROJECT_DIR

CONFIG_PATH = PROJECT_DIR / ".chalice" / "config.json"
# Chalice's name for the function that serves the routes. Its stage-level settings
# (iam_policy_file) are this function's; other functions have theirs in lambda_functions.
API_HANDLER = "api_handler"
# Chalice's name for the authorizer's function (chalicelib.authorizer.jwt_auth).
AUTHORIZER = "jwt_auth"
# Every function of a deployed stage, by Chalice's names.
FUNCTIONS = (API_HANDLER, AUTHORIZER)

# Who issues a stage's tokens (the stage setting "identity"): "secret", HS256 tokens
# signed with the stage's own secret (the default), or "cognito", the stage's Amazon
# Cognito user pool, made by tools.deploy.user_pool (see docs/deploy.md).
IDENTITIES = ("secret", "cognito")

# Each deployed stage must be listed here, so that a new one is a deliberate decision.
# True: its table is created with deletion protection, and protection is turned on again
# if someone turned it off. False: created without it. No tool ever turns it off:
# lowering a table's protection is a decision for a person, not a side effect.
DELETION_PROTECTION: dict[str, bool] = {
    # prod holds the users' todos: deleting its table (a stray `delete-table`, a
    # CloudFormation stack replacement) must first take the explicit step of turning
    # protection off. Point-in-time recovery restores data, not a deleted table's name.
    "prod": True,
    # dev holds throwaway data and is torn down and rebuilt freely; protection there would
    # only stand in the way. Point-in-time recovery still covers a bad deploy.
    "dev": False,
}


class StageError(SystemExit):
    """A stage config.json does not define, or that a command for deployed stages refuses.

    A SystemExit, so that a command that does not catch it ends with its message.
    """


@dataclass(frozen=True)
class Runtime:
    """The stage's Lambda settings; None where Chalice leaves the setting out."""

    memory_mb: int
    timeout_seconds: int
    architecture: str
    xray: bool
    # None: Chalice makes no log group, and Lambda's group keeps its logs forever.
    log_retention_days: int | None
    # None: the functions share the account's unreserved concurrency.
    reserved_concurrency: int | None


# CodeDeploy's predefined configurations for Lambda (SAM's DeploymentPreference Type).
DEPLOYMENTS = frozenset(
    {"AllAtOnce"}
    | {f"Canary10Percent{m}Minutes" for m in (5, 10, 15, 30)}
    | {f"Linear10PercentEvery{m}Minute{'s' * (m > 1)}" for m in (1, 2, 3, 10)}
)


@dataclass(frozen=True)
class Release:
    """The stage's "release" settings: what only the packaged template builds.

    `chalice deploy` ignores them (Chalice publishes no versions, aliases or edge
    resources); tools.deploy.package's release, alarms and edge read them. The defaults
    are a cheap stage: all at once, no provisioned concurrency, no WAF, no API keys.
    """

    # How traffic moves to a new version: one of DEPLOYMENTS.
    deployment: str = "AllAtOnce"
    # Environments kept initialized on each function's alias; 0: none, billed only per use.
    provisioned_concurrency: int = 0
    # A web ACL (AWS managed rules, a per-address rate limit) on the REST API's stage.
    waf: bool = False
    # Requests one address may make in 5 minutes before the WAF blocks it.
    waf_rate_limit: int = 1000
    # The /todos routes require an API key besides the bearer token, under a usage plan.
    api_keys: bool = False
    # The usage plan's per-key steady rate (requests/s), burst and daily quota.
    api_key_rate: float = 10.0
    api_key_burst: int = 20
    api_key_daily_quota: int = 10000

    def __post_init__(self) -> None:
        if self.deployment not in DEPLOYMENTS:
            raise StageError(
                f"release.deployment {self.deployment!r} is not one of {sorted(DEPLOYMENTS)}"
            )
        if self.provisioned_concurrency < 0 or self.waf_rate_limit < 10:
            raise StageError("release: provisioned_concurrency >= 0 and waf_rate_limit >= 10")

    @classmethod
    def from_config(cls, settings: dict[str, Any]) -> "Release":
        unknown = set(settings) - set(cls.__dataclass_fields__)
        if unknown:
            raise StageError(f"unknown release settings {sorted(unknown)}")
        return cls(**settings)


@dataclass(frozen=True)
class Stage:
    """Any stage: what Chalice gives its functions, and what they are called."""

    is_deployed: ClassVar[bool] = False

    name: str
    app_name: str
    # The environment Chalice gives the functions: the file's top level, then the stage's.
    environment: dict[str, str]
    table_name: str
    tags: dict[str, str]
    runtime: Runtime
    # Per function, its iam_policy_file (a name in .chalice/), where the stage sets one.
    policy_files: dict[str, str]
    release: Release
    # Who issues the stage's tokens: one of IDENTITIES.
    identity: str
    # The stage's "cognito" setting as written (tools.deploy.user_pool reads it), or empty.
    cognito: dict[str, Any]
    # Per function, the environment_variables it adds to the stage's (lambda_functions).
    function_variables: dict[str, dict[str, str]]

    @property
    def prefix(self) -> str:
        """What Chalice names the stage's resources after: `<app>-<stage>`."""
        return f"{self.app_name}-{self.name}"

    def function_name(self, function: str) -> str:
        """The Lambda function `chalice deploy` makes: the API handler after the stage alone."""
        return self.prefix if function == API_HANDLER else f"{self.prefix}-{function}"

    def role_name(self, function: str) -> str:
        """The IAM role `chalice deploy` makes for a function with a policy file of its own."""
        return f"{self.prefix}-{function}"

    def chalice_log_group(self, function: str) -> str:
        """The log group `chalice deploy` makes for a function: after the function's Chalice
        name, so not the API handler's real one (aws/chalice#2079, tools.deploy.log_groups)."""
        return f"/aws/lambda/{self.prefix}-{function}"

    def log_group(self, function: str) -> str:
        """The log group Lambda writes the function's logs to."""
        return f"/aws/lambda/{self.function_name(function)}"

    def function_environment(self, function: str) -> dict[str, str]:
        """The environment Chalice gives this one function: the stage's, then its own."""
        return {**self.environment, **self.function_variables.get(function, {})}


@dataclass(frozen=True)
class DeployedStage(Stage):
    """A stage deployed to AWS: its signing secret is in SSM, not in its config."""

    is_deployed: ClassVar[bool] = True

    secret_parameter: str
    deletion_protection: bool


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as most AWS APIs and CloudFormation take them."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def _config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(CONFIG_PATH.read_text())
    return config


def _runtime(setting: Callable[[str, Any], Any]) -> Runtime:
    return Runtime(
        memory_mb=int(setting("lambda_memory_size", DEFAULT_LAMBDA_MEMORY_SIZE)),
        timeout_seconds=int(setting("lambda_timeout", DEFAULT_LAMBDA_TIMEOUT)),
        architecture=str(setting("lambda_architecture", DEFAULT_LAMBDA_ARCHITECTURE)),
        xray=bool(setting("xray", False)),
        log_retention_days=setting("log_retention_in_days", None),
        reserved_concurrency=setting("reserved_concurrency", None),
    )


def _policy_files(stage: dict[str, Any]) -> dict[str, str]:
    files = {API_HANDLER: stage["iam_policy_file"]} if "iam_policy_file" in stage else {}
    for function, settings in stage.get("lambda_functions", {}).items():
        if "iam_policy_file" in settings:
            files[function] = settings["iam_policy_file"]
    return files


def _identity(name: str, own: dict[str, Any]) -> str:
    identity = own.get("identity", IDENTITIES[0])
    if identity not in IDENTITIES:
        raise StageError(f"stage {name!r}: identity {identity!r} is not one of {list(IDENTITIES)}")
    return str(identity)


def load_stage(name: str) -> Stage:
    """The stage as config.json defines it: a DeployedStage where it is one."""
    config = _config()
    stages = config["stages"]
    if name not in stages:
        raise StageError(f"unknown stage {name!r}; .chalice/config.json has {sorted(stages)}")
    own = stages[name]

    def setting(key: str, default: Any) -> Any:
        return own.get(key, config.get(key, default))

    environment = {
        **config.get("environment_variables", {}),
        **own.get("environment_variables", {}),
    }
    stage = Stage(
        name=name,
        app_name=config["app_name"],
        environment=environment,
        table_name=environment["TABLE_NAME"],
        tags={**config.get("tags", {}), **own.get("tags", {})},
        runtime=_runtime(setting),
        policy_files=_policy_files(own),
        release=Release.from_config(own.get("release", {})),
        identity=_identity(name, own),
        cognito=dict(own.get("cognito", {})),
        function_variables={
            function: dict(settings.get("environment_variables", {}))
            for function, settings in own.get("lambda_functions", {}).items()
        },
    )
    if "JWT_SECRET_PARAMETER" not in environment or name not in DELETION_PROTECTION:
        return stage
    return DeployedStage(
        **vars(stage),
        secret_parameter=environment["JWT_SECRET_PARAMETER"],
        deletion_protection=DELETION_PROTECTION[name],
    )


def deployed_stage(name: str) -> DeployedStage:
    """The stage, which must be a deployed one: the local stage lives on this machine."""
    stage = load_stage(name)
    if not isinstance(stage, DeployedStage):
        raise StageError(
            f"stage {name!r} is not a deployed stage: the local stage's table is made by "
            "`make run` and its secret is in .chalice/config.json; a deployed stage needs "
            "JWT_SECRET_PARAMETER in its config and an entry in "
            "tools.deploy.stage.DELETION_PROTECTION"
        )
    return stage


def environment(name: str) -> dict[str, str]:
    """The environment Chalice gives the stage's functions (global, then stage)."""
    return load_stage(name).environment


def check_chalice_deploy(name: str) -> None:
    """Refuses a `chalice deploy` of a stage whose authorizer could not verify its tokens.

    A Cognito stage's tokens are RS256: its authorizer needs the cryptography layer
    (`make layer`), which only the stage's config can name for Chalice (the packaged
    template takes it as a parameter instead). Without it every request would be a 500.
    """
    stage = deployed_stage(name)
    own = _config()["stages"][name]
    function = own.get("lambda_functions", {}).get(AUTHORIZER, {})
    if stage.identity == "cognito" and not (function.get("layers") or own.get("layers")):
        raise StageError(
            f"stage {name!r} signs in with Cognito (RS256), so its authorizer needs the "
            "cryptography layer: `make layer ARCH=...`, publish it (docs/deploy.md), and put "
            f"its version ARN in .chalice/config.json as stages.{name}.lambda_functions."
            f'{AUTHORIZER}.layers = ["arn:aws:lambda:..."]'
        )


def layers(name: str) -> list[str]:
    """The layer version ARNs the stage's config names, for any of its functions."""
    own = _config()["stages"][name]
    named = list(own.get("layers", []))
    for function in own.get("lambda_functions", {}).values():
        named += function.get("layers", [])
    return named
