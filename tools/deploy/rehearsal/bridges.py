"""Where MiniStack falls short of AWS for this project, bridged inside the emulator.

Run by the emulator's own Python (`python bridges.py LAMBDA_PYTHON`, from .venv-emulator:
the standard library and MiniStack only), it patches MiniStack and then serves as
`python -m ministack` would. Each bridge is as small as the gap, and
tests/integration/deploy/rehearsal/test_bridges.py checks each against the bare emulator
too, so that an upgrade that closes a gap (or moves what a bridge patches) fails a test:

- `ImportRestApi` (POST /restapis?mode=import), which `chalice deploy` creates its API
  with, is not wired to MiniStack's Swagger importer (only its CloudFormation uses it):
  the bare emulator makes an empty API of the document;
- `PutRestApi` (PUT /restapis/{id}, mode overwrite), which a redeploy sends, has no route;
- `UpdateRestApi` stores Chalice's `minimumCompressionSize ""` (AWS: unset) and returns it
  in an integer field, which botocore cannot parse;
- with IAM enforced, it authorizes Lambda's GetLayerVersion(ByArn) as lambda:ListLayers and
  GetFunctionConcurrency as lambda:PutFunctionConcurrency: the policy AWS needs would be
  refused, and one AWS refuses accepted;
- functions run on the emulator's own Python, with its packages (cryptography among them)
  importable: they run on LAMBDA_PYTHON instead, whose environment holds what
  the Lambda runtime holds, so that a function lacks what its zip and layers do not bring.
"""

import json
import sys
from typing import Any

# MiniStack is installed in the emulator's virtualenv only.
from ministack.core import iam_actions, lambda_runtime  # type: ignore[import-not-found]
from ministack.services import apigateway_v1 as v1  # type: ignore[import-not-found]

Response = tuple[int, dict[str, str], bytes]

_unbridged_handle = v1.handle_request
_unbridged_runtime = lambda_runtime._detect_runtime_binary
_unbridged_action = iam_actions.extract_iam_action


def _import_paths(api_id: str, spec: dict[str, Any]) -> None:
    """The document's authorizers and paths, into an API that has only its root."""
    schemes = v1._import_security_schemes(api_id, spec)
    for path, item in (spec.get("paths") or {}).items():
        v1._import_path_item(api_id, path, item, schemes, spec.get("security"))


def _overwrite(api_id: str, spec: dict[str, Any]) -> Response:
    """PutRestApi in mode overwrite: the API keeps its id and root, and nothing else."""
    if v1.find_api_scope(api_id) is None:
        return v1._v1_error("NotFoundException", "Invalid API identifier specified", 404)  # type: ignore[no-any-return]
    resources = v1._resources[api_id]
    root = next(rid for rid, resource in resources.items() if resource.get("path") == "/")
    v1._resources[api_id] = {root: {**resources[root], "resourceMethods": {}}}
    v1._authorizers_v1[api_id] = {}
    _import_paths(api_id, spec)
    return v1._get_rest_api(api_id)  # type: ignore[no-any-return]


async def handle_request(
    method: str, path: str, headers: dict[str, str], body: bytes, query_params: dict[str, Any]
) -> Response:
    parts = [part for part in path.strip("/").split("/") if part]
    if parts == ["restapis"] and method == "POST" and v1._qp(query_params, "mode") == "import":
        # The importer CloudFormation uses: the API named after the document's title.
        api_id = v1._import_rest_api(json.loads(body))
        _, response_headers, answer = v1._get_rest_api(api_id)
        return 201, response_headers, answer
    if len(parts) == 2 and parts[0] == "restapis" and method == "PUT":
        return _overwrite(parts[1], json.loads(body))
    response: Response = await _unbridged_handle(method, path, headers, body, query_params)
    api = v1._rest_apis.get(parts[1]) if len(parts) == 2 and method == "PATCH" else None
    if api is not None and api.get("minimumCompressionSize") == "":
        api["minimumCompressionSize"] = None
        return v1._get_rest_api(parts[1])  # type: ignore[no-any-return]
    return response


def _lambda_read(method: str, path: str, query_params: dict[str, Any]) -> str | None:
    """AWS's action for the Lambda reads MiniStack authorizes as another, or None."""
    parts = [part for part in path.split("/") if part]
    by_arn = v1._qp(query_params, "find") == "LayerVersion"
    if method == "GET" and parts[1:2] == ["layers"] and (by_arn or parts[3:4] == ["versions"]):
        return "lambda:GetLayerVersion" if by_arn or len(parts) == 5 else None
    if method == "GET" and "functions" in parts and parts[-1] == "concurrency":
        return "lambda:GetFunctionConcurrency"
    return None


def extract_iam_action(
    service: str, method: str, path: str, headers: dict[str, str], body: bytes, query: Any
) -> str | None:
    read = _lambda_read(method, path, query) if service == "lambda" else None
    action: str | None = read or _unbridged_action(service, method, path, headers, body, query)
    return action


def install(lambda_python: str) -> None:
    def runtime_binary(runtime: str) -> tuple[str, str]:
        binary, script = _unbridged_runtime(runtime)
        return (lambda_python if runtime.startswith("python") else binary), script

    v1.handle_request = handle_request
    iam_actions.extract_iam_action = extract_iam_action
    lambda_runtime._detect_runtime_binary = runtime_binary


if __name__ == "__main__":
    install(sys.argv.pop(1))
    from ministack.app import main  # type: ignore[import-not-found]

    main()
