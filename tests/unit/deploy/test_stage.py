"""tools.deploy.stage: each stage of .chalice/config.json, read once, as Chalice reads it."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from tools.deploy import stage as stage_module
from tools.deploy.stage import (
    API_HANDLER,
    DELETION_PROTECTION,
    Runtime,
    StageError,
    deployed_stage,
    load_stage,
    tag_list,
)

CONFIG = json.loads(stage_module.CONFIG_PATH.read_text())
DEPLOYED_ENV = {"TABLE_NAME": "notes-prod", "JWT_SECRET_PARAMETER": "/notes/prod/jwt-secret"}

WriteConfig = Callable[[dict[str, Any]], None]


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> WriteConfig:
    """Makes the tools read the given config.json instead of the project's."""

    def write(config: dict[str, Any]) -> None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps({"version": "2.0", **config}))
        monkeypatch.setattr(stage_module, "CONFIG_PATH", path)

    return write


def test_the_deployed_stages_are_those_with_a_deletion_protection_decision():
    deployed = {name for name in CONFIG["stages"] if load_stage(name).is_deployed}
    assert deployed == set(DELETION_PROTECTION) == {"dev", "prod"}


def test_prod_alone_is_deletion_protected():
    assert deployed_stage("prod").deletion_protection is True
    assert deployed_stage("dev").deletion_protection is False


def test_the_local_stage_is_refused_where_a_deployed_one_is_needed():
    assert not load_stage("local").is_deployed
    with pytest.raises(StageError, match=r"not a deployed stage: .*`make run`"):
        deployed_stage("local")


def test_an_unknown_stage_is_refused_naming_the_known_ones():
    with pytest.raises(StageError, match=r"unknown stage 'qa'.*\['dev', 'local', 'prod'\]"):
        load_stage("qa")


def test_app_name_and_tags_come_from_the_config_and_name_the_resources(config_file):
    config_file(
        {
            "app_name": "notes",
            "tags": {"team": "web"},
            "stages": {"prod": {"tags": {"stage": "prod"}, "environment_variables": DEPLOYED_ENV}},
        }
    )
    stage = deployed_stage("prod")
    assert stage.app_name == "notes"
    assert stage.tags == {"team": "web", "stage": "prod"}
    assert stage.function_name(API_HANDLER) == "notes-prod"
    assert stage.function_name("jwt_auth") == "notes-prod-jwt_auth"
    assert (stage.table_name, stage.secret_parameter) == ("notes-prod", "/notes/prod/jwt-secret")


def test_tags_go_to_aws_as_key_value_pairs_in_key_order():
    assert tag_list({"stage": "prod", "project": "notes"}) == [
        {"Key": "project", "Value": "notes"},
        {"Key": "stage", "Value": "prod"},
    ]


def test_a_stage_without_a_deletion_protection_decision_is_not_deployed(config_file):
    config_file({"app_name": "notes", "stages": {"qa": {"environment_variables": DEPLOYED_ENV}}})
    assert not load_stage("qa").is_deployed
    with pytest.raises(StageError, match=r"tools\.deploy\.stage\.DELETION_PROTECTION"):
        deployed_stage("qa")


def test_a_stage_that_keeps_its_secret_in_its_config_is_not_deployed(config_file):
    env = {"TABLE_NAME": "notes-prod", "JWT_SECRET": "in the file"}
    config_file({"app_name": "notes", "stages": {"prod": {"environment_variables": env}}})
    with pytest.raises(StageError, match="JWT_SECRET_PARAMETER"):
        deployed_stage("prod")


def test_the_stage_environment_overrides_the_top_level_one(config_file):
    config_file(
        {
            "app_name": "notes",
            "environment_variables": {"JWT_AUDIENCE": "notes", "STAGE": "top"},
            "stages": {"prod": {"environment_variables": {**DEPLOYED_ENV, "STAGE": "prod"}}},
        }
    )
    assert load_stage("prod").environment == {
        **DEPLOYED_ENV,
        "JWT_AUDIENCE": "notes",
        "STAGE": "prod",
    }


def test_runtime_settings_fall_back_to_the_top_level_then_to_chalices_defaults(config_file):
    config_file(
        {
            "app_name": "notes",
            "lambda_timeout": 30,
            "lambda_memory_size": 512,
            "stages": {"prod": {"lambda_memory_size": 256, "environment_variables": DEPLOYED_ENV}},
        }
    )
    assert load_stage("prod").runtime == Runtime(
        memory_mb=256,
        timeout_seconds=30,
        architecture="x86_64",
        xray=False,
        log_retention_days=None,
        reserved_concurrency=None,
    )


def test_prod_runs_with_the_settings_of_its_config_block():
    own = CONFIG["stages"]["prod"]
    assert deployed_stage("prod").runtime == Runtime(
        memory_mb=own["lambda_memory_size"],
        timeout_seconds=CONFIG["lambda_timeout"],  # every stage's, the local one's too
        architecture=own["lambda_architecture"],
        xray=own["xray"],
        log_retention_days=own["log_retention_in_days"],
        reserved_concurrency=own["reserved_concurrency"],
    )


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_api_handler_has_the_stage_policy_file_and_other_functions_their_own(name):
    own = CONFIG["stages"][name]
    assert deployed_stage(name).policy_files == {
        API_HANDLER: own["iam_policy_file"],
        "jwt_auth": own["lambda_functions"]["jwt_auth"]["iam_policy_file"],
    }


def test_a_stage_names_who_issues_its_tokens_the_stage_secret_by_default(config_file):
    config_file(
        {
            "app_name": "notes",
            "stages": {
                "prod": {"environment_variables": DEPLOYED_ENV},
                "dev": {"identity": "cognito", "environment_variables": DEPLOYED_ENV},
            },
        }
    )
    assert load_stage("prod").identity == "secret"
    assert load_stage("dev").identity == "cognito"


def test_an_unknown_identity_is_refused_naming_the_known_ones(config_file):
    stages = {"prod": {"identity": "auth0", "environment_variables": DEPLOYED_ENV}}
    config_file({"app_name": "notes", "stages": stages})
    with pytest.raises(StageError, match=r"identity 'auth0' is not one of \['secret', 'cognito'\]"):
        load_stage("prod")


def test_a_functions_environment_is_the_stages_then_its_own(config_file):
    functions = {"jwt_auth": {"environment_variables": {"STAGE": "auth", "EXTRA": "1"}}}
    stages = {
        "prod": {
            "environment_variables": {**DEPLOYED_ENV, "STAGE": "prod"},
            "lambda_functions": functions,
        }
    }
    config_file({"app_name": "notes", "stages": stages})
    stage = load_stage("prod")
    assert stage.function_environment("jwt_auth") == {**DEPLOYED_ENV, "STAGE": "auth", "EXTRA": "1"}
    assert stage.function_environment(API_HANDLER) == stage.environment
    assert "EXTRA" not in stage.environment


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_deployed_stages_have_a_user_pool_that_only_their_authorizer_is_told_of(name):
    stage = deployed_stage(name)
    assert stage.identity == "cognito"
    assert stage.function_environment("jwt_auth")["OIDC_SETTINGS_PARAMETER"] == (
        f"/todo-api/{name}/oidc"
    )
    assert not [variable for variable in stage.environment if variable.startswith("OIDC_")]


def test_chalice_deploy_of_a_cognito_stage_needs_the_authorizers_layer(config_file):
    layered = {"jwt_auth": {"layers": ["arn:aws:lambda:us-east-1:123456789012:layer:c:1"]}}
    stages = {
        "prod": {"identity": "cognito", "environment_variables": DEPLOYED_ENV},
        "dev": {
            "identity": "cognito",
            "environment_variables": DEPLOYED_ENV,
            "lambda_functions": layered,
        },
        "plain": {"environment_variables": DEPLOYED_ENV},
    }
    config_file({"app_name": "notes", "stages": stages})
    protection = {"prod": True, "dev": False, "plain": False}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stage_module, "DELETION_PROTECTION", protection)
        with pytest.raises(StageError, match="cryptography layer"):
            stage_module.check_chalice_deploy("prod")
        stage_module.check_chalice_deploy("dev")
        stage_module.check_chalice_deploy("plain")
