"""tools.deploy.rehearsal.bridges: each bridge does its work, and each is still needed.

Every test asks the bridged emulator and the bare one (MiniStack as requirements-emulator.txt
pins it) the same thing. When an upgrade closes a gap, the bare emulator's test fails:
remove that bridge. When an upgrade moves what a bridge patches, the bridged one's does.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tools.deploy.rehearsal import emulator as emulator_module
from tools.deploy.rehearsal.emulator import LAMBDA_VENV, Emulator

FUNCTION_URI = (
    "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:eu-west-1:123456789012:function:f/invocations"
)


def swagger(*paths: str) -> bytes:
    """A Swagger document as Chalice writes one: a token authorizer and proxy integrations."""
    scheme = {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FUNCTION_URI},
    }
    operation = {
        "security": [{"jwt_auth": []}],
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": FUNCTION_URI,
        },
    }
    document = {
        "swagger": "2.0",
        "info": {"title": "todo-api", "version": "1.0"},
        "securityDefinitions": {"jwt_auth": scheme},
        "paths": {path: {"get": operation} for path in paths},
    }
    return json.dumps(document).encode()


@pytest.fixture(scope="module")
def bridged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with emulator_module.running(tmp_path_factory.mktemp("bridged")) as running:
        yield running


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with emulator_module.running(tmp_path_factory.mktemp("bare"), bridged=False) as running:
        yield running


def paths(gateway: Any, api: str) -> dict[str, list[str]]:
    items = gateway.get_resources(restApiId=api)["items"]
    return {item["path"]: sorted(item.get("resourceMethods", {})) for item in items}


def test_import_rest_api_imports_the_document(bridged, bare):
    gateway = bridged.client("apigateway")
    api = gateway.import_rest_api(body=swagger("/todos", "/todos/{id}"))
    assert api["name"] == "todo-api"
    assert paths(gateway, api["id"]) == {"/": [], "/todos": ["GET"], "/todos/{id}": ["GET"]}
    assert [a["type"] for a in gateway.get_authorizers(restApiId=api["id"])["items"]] == ["TOKEN"]
    # The gap: MiniStack makes an API of the document's top level, without its paths.
    unbridged = bare.client("apigateway")
    empty = unbridged.import_rest_api(body=swagger("/todos"))
    assert paths(unbridged, empty["id"]) == {"/": []}


def test_put_rest_api_overwrites_the_apis_paths(bridged, bare):
    gateway = bridged.client("apigateway")
    api = gateway.import_rest_api(body=swagger("/todos", "/old"))["id"]
    gateway.put_rest_api(restApiId=api, mode="overwrite", body=swagger("/todos", "/new"))
    assert paths(gateway, api) == {"/": [], "/todos": ["GET"], "/new": ["GET"]}
    assert len(gateway.get_authorizers(restApiId=api)["items"]) == 1
    # The gap: no route for PutRestApi at all.
    unbridged = bare.client("apigateway")
    created = unbridged.create_rest_api(name="todo-api")["id"]
    with pytest.raises(ClientError, match="NotFoundException"):
        unbridged.put_rest_api(restApiId=created, mode="overwrite", body=swagger("/todos"))


def test_an_empty_minimum_compression_size_is_unset(bridged, bare):
    """Chalice sends "" to leave compression off; AWS answers without the field."""
    unset = [{"op": "replace", "path": "/minimumCompressionSize", "value": ""}]
    gateway = bridged.client("apigateway")
    api = gateway.create_rest_api(name="todo-api")["id"]
    assert "minimumCompressionSize" not in gateway.update_rest_api(
        restApiId=api, patchOperations=unset
    )
    # The gap: MiniStack answers "" in an integer field, which botocore cannot read.
    unbridged = bare.client("apigateway")
    created = unbridged.create_rest_api(name="todo-api")["id"]
    with pytest.raises(ValueError, match="invalid literal for int"):
        unbridged.update_rest_api(restApiId=created, patchOperations=unset)


HANDLER = """
import importlib.util, sys
def handler(event, context):
    found = importlib.util.find_spec("cryptography")
    return {"python": sys.executable, "cryptography": bool(found)}
"""


def zip_of(name: str, text: str) -> bytes:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(name, text)
    return code.getvalue()


def run_function(emulator: Emulator) -> dict[str, Any]:
    """What a python3.13 function sees of its Python: its executable, and cryptography."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    role = emulator.client("iam").create_role(
        RoleName="probe", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    lam = emulator.client("lambda")
    lam.create_function(
        FunctionName="probe",
        Runtime="python3.13",
        Handler="index.handler",
        Role=role,
        Code={"ZipFile": zip_of("index.py", HANDLER)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="probe", WaiterConfig={"Delay": 1})
    answer: dict[str, Any] = json.loads(lam.invoke(FunctionName="probe")["Payload"].read())
    return answer


def test_functions_run_on_what_the_lambda_runtime_holds(bridged, bare):
    ran = run_function(bridged)
    assert ran == {"python": str(LAMBDA_VENV / "bin" / "python"), "cryptography": False}
    # The gap: on the emulator's own Python, a function imports the emulator's packages.
    unbridged = run_function(bare)
    assert unbridged == {
        "python": str(emulator_module.EMULATOR_VENV / "bin" / "python"),
        "cryptography": True,
    }


READER = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Resource": "*",
            "Action": ["lambda:GetLayerVersion", "lambda:GetFunctionConcurrency"],
        }
    ],
}


def reads(emulator: Emulator) -> list[str]:
    """How a user allowed lambda:GetLayerVersion and GetFunctionConcurrency fares with them."""
    layer = emulator.client("lambda").publish_layer_version(
        LayerName="l", Content={"ZipFile": zip_of("python/m.py", "")}
    )["LayerVersionArn"]
    keys = emulator.user("reader", READER)
    reader = emulator.session(keys).client("lambda", endpoint_url=emulator.endpoint)
    return [
        outcome(lambda: reader.get_layer_version_by_arn(Arn=layer)),
        outcome(lambda: reader.get_function_concurrency(FunctionName="none")),
    ]


def outcome(call: Any) -> str:
    try:
        call()
    except ClientError as error:
        denied = error.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")
        return "denied" if denied else "allowed"
    return "allowed"


def test_lambda_reads_are_authorized_as_aws_authorizes_them(bridged, bare):
    assert reads(bridged) == ["allowed", "allowed"]
    # The gap: MiniStack wants lambda:ListLayers and lambda:PutFunctionConcurrency for them.
    assert reads(bare) == ["denied", "denied"]
