"""tools.deploy.provision against moto: a deployed stage's table and secret, idempotently."""

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.store import TTL_ATTRIBUTE
from tools.deploy.provision import (
    ROTATED,
    ProvisionError,
    enable_pitr,
    main,
    provision,
    provision_secret,
    provision_table,
)
from tools.deploy.stage import StageError, deployed_stage, environment
from tools.deploy.table import ATTRIBUTES, KEY_SCHEMA, ensure_table

# moto's account
ACCOUNT = "123456789012"

PROD = environment("prod")
DEV = environment("dev")
PROD_STAGE = deployed_stage("prod")
DEV_STAGE = deployed_stage("dev")


def no_sleep(_seconds):
    pass


@pytest.fixture
def ddb(mocked_aws):
    return boto3.client("dynamodb")


@pytest.fixture
def ssm(mocked_aws):
    return boto3.client("ssm")


def run(ddb, ssm, stage, **options):
    idp = boto3.client("cognito-idp")
    return list(provision(ddb, ssm, stage, sleep=no_sleep, idp=idp, account=ACCOUNT, **options))


def record_calls(client):
    """The names of the operations the client calls from now on."""
    calls = []
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"before-call.{service}.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def secret_value(ssm, name):
    return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def table_tags(ddb, table_name):
    arn = ddb.describe_table(TableName=table_name)["Table"]["TableArn"]
    return {tag["Key"]: tag["Value"] for tag in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}


def pitr_status(ddb, table_name):
    backups = ddb.describe_continuous_backups(TableName=table_name)
    description = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    return description["PointInTimeRecoveryStatus"]


# --- the table ---------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "protected"), [("prod", True), ("dev", False)])
def test_a_new_table_gets_every_setting(ddb, ssm, stage, protected):
    env = environment(stage)
    lines = run(ddb, ssm, stage)

    assert lines[0].startswith(f"table {env['TABLE_NAME']}: created")
    table = ddb.describe_table(TableName=env["TABLE_NAME"])["Table"]
    assert table["KeySchema"] == KEY_SCHEMA
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(ATTRIBUTES, key=str)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["DeletionProtectionEnabled"] is protected
    assert pitr_status(ddb, env["TABLE_NAME"]) == "ENABLED"
    ttl = ddb.describe_time_to_live(TableName=env["TABLE_NAME"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": TTL_ATTRIBUTE}
    assert table_tags(ddb, env["TABLE_NAME"]) == {"project": "todo-api", "stage": stage}


def test_prod_refuses_deletion_and_dev_allows_it(ddb, ssm):
    run(ddb, ssm, "prod")
    run(ddb, ssm, "dev")

    with pytest.raises(ddb.exceptions.ClientError, match="DeletionProtectionEnabled"):
        ddb.delete_table(TableName=PROD["TABLE_NAME"])
    ddb.delete_table(TableName=DEV["TABLE_NAME"])
    assert ddb.list_tables()["TableNames"] == [PROD["TABLE_NAME"]]


def test_a_second_run_only_reads(ddb, ssm):
    first = run(ddb, ssm, "prod")
    dynamodb_calls, ssm_calls = record_calls(ddb), record_calls(ssm)

    lines = run(ddb, ssm, "prod")

    assert lines[:2] == [
        f"table {PROD['TABLE_NAME']}: unchanged",
        f"secret {PROD['JWT_SECRET_PARAMETER']}: unchanged",
    ]
    # The user pool's lines (tests/unit/deploy/test_user_pool.py): the same ids, nothing new.
    assert lines[2:] == [line.replace("created", "unchanged") for line in first[2:]]
    assert all(line.endswith(("unchanged", ")")) for line in lines)
    assert dynamodb_calls
    assert all(call.startswith(("Describe", "List")) for call in dynamodb_calls), dynamodb_calls
    # The secret's metadata, and the published user pool's value (not the secret's).
    assert ssm_calls == ["DescribeParameters", "GetParameter"]


def test_an_existing_table_is_brought_to_the_wanted_settings_in_place(ddb):
    # As `make run` and the tests make it: no PITR, no protection, no tags.
    ensure_table(ddb, PROD["TABLE_NAME"])
    key = {"ownerId": {"S": "alice"}, "todoId": {"S": "t1"}}
    ddb.put_item(TableName=PROD["TABLE_NAME"], Item=key)
    assert pitr_status(ddb, PROD["TABLE_NAME"]) == "DISABLED"

    line = provision_table(ddb, PROD_STAGE, no_sleep)

    assert line == (
        f"table {PROD['TABLE_NAME']}: updated point-in-time recovery, deletion protection, "
        "tags project=todo-api, stage=prod"
    )
    assert pitr_status(ddb, PROD["TABLE_NAME"]) == "ENABLED"
    assert ddb.describe_table(TableName=PROD["TABLE_NAME"])["Table"]["DeletionProtectionEnabled"]
    assert table_tags(ddb, PROD["TABLE_NAME"]) == {"project": "todo-api", "stage": "prod"}
    assert "Item" in ddb.get_item(TableName=PROD["TABLE_NAME"], Key=key), "table was recreated"


def test_pitr_alone_is_turned_back_on(ddb, ssm):
    run(ddb, ssm, "dev")
    ddb.update_continuous_backups(
        TableName=DEV["TABLE_NAME"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )

    line = provision_table(ddb, DEV_STAGE, no_sleep)

    assert line == f"table {DEV['TABLE_NAME']}: updated point-in-time recovery"
    assert pitr_status(ddb, DEV["TABLE_NAME"]) == "ENABLED"


def test_ttl_is_turned_on_when_off(ddb, ssm):
    run(ddb, ssm, "dev")
    ddb.update_time_to_live(
        TableName=DEV["TABLE_NAME"],
        TimeToLiveSpecification={"Enabled": False, "AttributeName": TTL_ATTRIBUTE},
    )

    line = provision_table(ddb, DEV_STAGE, no_sleep)

    assert line == f"table {DEV['TABLE_NAME']}: updated TTL on {TTL_ATTRIBUTE}"
    ttl = ddb.describe_time_to_live(TableName=DEV["TABLE_NAME"])["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_ttl_on_another_attribute_is_left_to_a_person(ddb, ssm):
    run(ddb, ssm, "dev")
    ddb.update_time_to_live(
        TableName=DEV["TABLE_NAME"],
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "purgeAt"},
    )

    with pytest.raises(ProvisionError, match="purgeAt"):
        provision_table(ddb, DEV_STAGE, no_sleep)


def test_deletion_protection_on_dev_is_never_turned_off(ddb, ssm):
    run(ddb, ssm, "dev")
    ddb.update_table(TableName=DEV["TABLE_NAME"], DeletionProtectionEnabled=True)

    line = provision_table(ddb, DEV_STAGE, no_sleep)

    assert line == f"table {DEV['TABLE_NAME']}: unchanged"
    assert ddb.describe_table(TableName=DEV["TABLE_NAME"])["Table"]["DeletionProtectionEnabled"]


def test_a_table_with_other_keys_is_refused(ddb):
    ddb.create_table(
        TableName=PROD["TABLE_NAME"],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    with pytest.raises(ProvisionError, match="key schema"):
        provision_table(ddb, PROD_STAGE, no_sleep)


def test_pitr_on_a_brand_new_table_is_retried_until_backups_are_ready(ddb):
    # AWS may refuse PITR for a table created moments ago; moto never does, so stub it.
    sleeps = []
    with Stubber(ddb) as stub:
        for _ in range(2):
            stub.add_client_error(
                "update_continuous_backups", "ContinuousBackupsUnavailableException"
            )
        stub.add_response("update_continuous_backups", {})
        enable_pitr(ddb, "new-table", sleeps.append)
        stub.assert_no_pending_responses()
    assert len(sleeps) == 2


# --- the signing secret --------------------------------------------------------------------


def test_the_secret_is_a_new_long_secure_string(ssm):
    name = PROD["JWT_SECRET_PARAMETER"]

    assert provision_secret(ssm, PROD_STAGE) == f"secret {name}: created (SecureString)"

    parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert len(parameter["Value"]) >= 64
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == {"project": "todo-api", "stage": "prod"}


def test_each_stage_gets_its_own_random_secret(ddb, ssm):
    run(ddb, ssm, "prod", secret_only=True)
    run(ddb, ssm, "dev", secret_only=True)
    assert secret_value(ssm, PROD["JWT_SECRET_PARAMETER"]) != secret_value(
        ssm, DEV["JWT_SECRET_PARAMETER"]
    )


def test_an_existing_secret_is_never_overwritten(ddb, ssm):
    name = PROD["JWT_SECRET_PARAMETER"]
    ssm.put_parameter(Name=name, Value="x" * 64, Type="SecureString")

    lines = run(ddb, ssm, "prod")

    assert f"secret {name}: unchanged" in lines
    assert secret_value(ssm, name) == "x" * 64
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 1


def test_rotate_secret_replaces_it(ddb, ssm):
    name = PROD["JWT_SECRET_PARAMETER"]
    run(ddb, ssm, "prod", secret_only=True)
    before = secret_value(ssm, name)

    lines = run(ddb, ssm, "prod", secret_only=True, rotate_secret=True)

    assert lines == [f"secret {name}: {ROTATED}"]
    assert "keep the old one until recycled" in ROTATED
    after = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert after["Type"] == "SecureString"
    assert len(after["Value"]) >= 64
    assert after["Value"] != before


def test_a_plain_string_parameter_is_refused_not_replaced(ssm):
    name = PROD["JWT_SECRET_PARAMETER"]
    ssm.put_parameter(Name=name, Value="plain", Type="String")

    for rotate in (False, True):
        with pytest.raises(ProvisionError, match="not a SecureString"):
            provision_secret(ssm, PROD_STAGE, rotate=rotate)
    assert secret_value(ssm, name) == "plain"


def test_secret_only_creates_no_table(ddb, ssm):
    lines = run(ddb, ssm, "prod", secret_only=True)

    assert lines == [f"secret {PROD['JWT_SECRET_PARAMETER']}: created (SecureString)"]
    assert ddb.list_tables()["TableNames"] == []


def test_the_local_stage_is_refused(ddb, ssm):
    with pytest.raises(StageError, match="local"):
        run(ddb, ssm, "local")
    assert ddb.list_tables()["TableNames"] == []
    assert ssm.describe_parameters()["Parameters"] == []


# --- the command -------------------------------------------------------------------------


def test_main_provisions_a_stage_end_to_end_and_never_prints_the_secret(
    mocked_aws, monkeypatch, capsys
):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    assert main(["--stage", "prod"]) == 0
    first = capsys.readouterr()
    assert main(["--stage", "prod", "--rotate-secret"]) == 0
    second = capsys.readouterr()

    assert first.out.splitlines()[:3] == [
        "provisioning stage prod in eu-west-1",
        f"table {PROD['TABLE_NAME']}: created (on-demand, KMS encryption, point-in-time "
        f"recovery, TTL on {TTL_ATTRIBUTE}, deletion protection on)",
        f"secret {PROD['JWT_SECRET_PARAMETER']}: created (SecureString)",
    ]
    assert first.out.splitlines()[3].startswith("user pool todo-api-prod-users: created")
    parameter = PROD_STAGE.function_environment("jwt_auth")["OIDC_SETTINGS_PARAMETER"]
    assert first.out.splitlines()[-1] == f"parameter {parameter}: created"
    assert second.out.splitlines()[1] == f"table {PROD['TABLE_NAME']}: unchanged"
    ssm = boto3.client("ssm", region_name="eu-west-1")
    value = secret_value(ssm, PROD["JWT_SECRET_PARAMETER"])
    history = ssm.get_parameter_history(Name=PROD["JWT_SECRET_PARAMETER"], WithDecryption=True)[
        "Parameters"
    ]
    assert len(history) == 2
    for output in (first, second):
        for version in history:
            assert version["Value"] not in output.out + output.err
    assert value == history[-1]["Value"]
    dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
    assert dynamodb.describe_table(TableName=PROD["TABLE_NAME"])["Table"]["TableStatus"]


def test_main_refuses_local_before_calling_aws(mocked_aws, capsys):
    assert main(["--stage", "local"]) == 1
    captured = capsys.readouterr()
    assert "make run" in captured.err
    assert captured.out == ""
    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


def test_main_help_mentions_that_containers_keep_the_old_secret(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "keep the old secret until they are recycled" in " ".join(
        capsys.readouterr().out.split()
    )
