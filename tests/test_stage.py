"""tools.stage: each stage of .chalice/config.json, read once, as Chalice reads it."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from tools import stage as stage_module
from tools.stage import (
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
    with pytest.raises(StageError, match=r"tools\.stage\.DELETION_PROTECTION"):
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
        timeout_seconds=own["lambda_timeout"],
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
