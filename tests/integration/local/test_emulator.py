"""tools/local/emulator.py: moto's server as `make run` starts it, on a free loopback port.

boto3 (the API, the stand-in for the hosted UI, the authorizer's JWKS fetch) reaches it;
a web page does not, whatever its origin or the name it calls the port by.
"""

import boto3
import pytest

from tests.support.stack import loopback_session
from tools.local.emulator import Emulator

SCAN = {
    "X-Amz-Target": "DynamoDB_20120810.Scan",
    "Content-Type": "application/x-amz-json-1.0",
    # A page may send any Authorization it likes: moto checks no signature.
    "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


@pytest.fixture(scope="module")
def emulator():
    started = Emulator()
    started.start()
    yield started
    started.stop()


def client(emulator, service):
    return boto3.client(
        service,
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_boto3_reaches_dynamodb_and_cognito(emulator):
    assert "TableNames" in client(emulator, "dynamodb").list_tables()
    assert "UserPools" in client(emulator, "cognito-idp").list_user_pools(MaxResults=1)


@pytest.mark.parametrize(
    "browser",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        # A same-origin or no-cors request carries no Origin; these tell a browser still.
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        {"Sec-Fetch-Mode": "navigate"},
    ],
)
def test_a_browsers_request_is_refused_and_allowed_no_origin(emulator, browser):
    with loopback_session() as session:
        answer = session.post(emulator.endpoint, headers={**SCAN, **browser}, data="{}", timeout=5)
    assert answer.status_code == 403
    assert answer.json()["code"] == "BrowserRefused"
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


def test_a_preflight_is_refused_so_the_browser_never_sends_the_request(emulator):
    with loopback_session() as session:
        answer = session.options(
            emulator.endpoint,
            headers={
                "Origin": "https://attacker.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-amz-target,content-type,authorization",
            },
            timeout=5,
        )
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers


@pytest.mark.parametrize(
    "host", ["attacker.example:{port}", "127.0.0.1.nip.io:{port}", "127.0.0.1:1", ""]
)
def test_a_request_for_another_host_is_refused_so_dns_rebinding_reads_nothing(emulator, host):
    port = emulator.endpoint.rsplit(":", 1)[1]
    with loopback_session() as session:
        answer = session.post(
            emulator.endpoint,
            headers={**SCAN, "Host": host.format(port=port)},
            data="{}",
            timeout=5,
        )
    assert answer.status_code == 403
    assert answer.json()["code"] == "UnknownHost"


def test_an_answer_to_boto3_carries_no_cors_headers(emulator):
    answer = client(emulator, "dynamodb").list_tables()
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert not [name for name in headers if name.startswith("access-control-")]
