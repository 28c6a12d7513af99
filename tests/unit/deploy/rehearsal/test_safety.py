"""The rehearsal reaches the emulator and nothing else: its clients' environment, the tap."""

import pytest

from tools.deploy.destroy import Command
from tools.deploy.rehearsal.account import cli_call
from tools.deploy.rehearsal.emulator import ACCOUNT, client_environment
from tools.deploy.rehearsal.tap import sitecustomize


def test_a_clients_environment_has_the_emulators_endpoint_and_fake_keys_only():
    mine = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "production",
        "AWS_SESSION_TOKEN": "real",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.eu-west-1.amazonaws.com",
        "AWS_ROLE_ARN": "arn:aws:iam::999999999999:role/admin",
    }
    env = client_environment("http://127.0.0.1:4999", mine)
    assert env["PATH"] == "/usr/bin"
    aws = {name: value for name, value in env.items() if name.startswith("AWS_")}
    assert aws["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert aws["AWS_ACCESS_KEY_ID"] == ACCOUNT
    for cleared in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ROLE_ARN",
    ):
        assert cleared not in aws
    assert aws["AWS_CONFIG_FILE"] == aws["AWS_SHARED_CREDENTIALS_FILE"] == "/dev/null"
    assert aws["AWS_EC2_METADATA_DISABLED"] == "true"


class Request:
    def __init__(self, url: str) -> None:
        self.url = url


def test_the_tap_refuses_a_call_that_would_leave_loopback():
    sitecustomize._stay_on_loopback(Request("http://127.0.0.1:4999/"))
    with pytest.raises(RuntimeError, match=r"refuses a call to lambda\.eu-west-1\.amazonaws\.com"):
        sitecustomize._stay_on_loopback(Request("https://lambda.eu-west-1.amazonaws.com/"))


@pytest.mark.parametrize(
    ("command", "call"),
    [
        (
            ("aws", "ssm", "delete-parameter", "--name", "/todo-api/dev/oidc"),
            ("ssm", "delete_parameter", {"Name": "/todo-api/dev/oidc"}),
        ),
        (
            (
                "aws",
                "dynamodb",
                "update-table",
                "--table-name",
                "t",
                "--no-deletion-protection-enabled",
            ),
            ("dynamodb", "update_table", {"TableName": "t", "DeletionProtectionEnabled": False}),
        ),
        (
            (
                "aws",
                "cognito-idp",
                "delete-user-pool-domain",
                "--domain",
                "d",
                "--user-pool-id",
                "p",
            ),
            ("cognito-idp", "delete_user_pool_domain", {"Domain": "d", "UserPoolId": "p"}),
        ),
    ],
)
def test_a_removal_command_runs_as_the_call_it_stands_for(command: Command, call):
    assert cli_call(command) == call
