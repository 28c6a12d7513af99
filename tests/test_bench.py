"""The benchmark's helpers (bench/): its events, baselines and arithmetic. No timing here:
speed and size are figures `make bench` prints, never assertions."""

import importlib.util
import json
import time
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace

import jwt
import pytest

from bench import coldstart, events, lambda_env, zipsize
from tests.gateway_events import policy_allows
from tools.stage import environment

BENCH = Path(__file__).resolve().parent.parent / "bench"
LOCAL = environment("local")
CONTEXT = SimpleNamespace(function_name="bench", aws_request_id="1", memory_limit_in_mb="1024")


def load_baseline(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"baseline_{name}", BENCH / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)


def test_percentile_interpolates_between_ranks():
    values = [float(n) for n in range(10, 0, -1)]
    assert coldstart.percentile(values, 90) == pytest.approx(9.1)
    assert coldstart.percentile(values, 50) == pytest.approx(5.5)
    assert coldstart.percentile([3.0], 90) == 3.0
    with pytest.raises(ValueError, match="no values"):
        coldstart.percentile([], 90)


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 | encodings
import time:        10 |         10 |         org
import time:        20 |         30 |       copy
import time:       300 |        330 |     chalice.app
import time:        50 |        380 |   chalice
import time:        40 |         40 |       uuid6
import time:         5 |          5 |       org
import time:       200 |        245 |     chalicelib.model
import time:        30 |        275 |   chalicelib.store
import time:        60 |        715 | app
"""


def test_parse_importtime_finds_each_modules_first_importer():
    imports = coldstart.parse_importtime(IMPORTTIME)
    assert imports["encodings"] == coldstart.Imported("encodings", 100, None)
    assert imports["chalice.app"].parent == "chalice"
    assert imports["chalicelib.model"].parent == "chalicelib.store"
    assert imports["uuid6"].parent == "chalicelib.model"
    # A failed import tried twice: the first importer, both times.
    assert imports["org"] == coldstart.Imported("org", 15, "copy")
    assert imports["app"].parent is None


def test_extra_imports_blames_our_module_that_brought_them():
    ours = coldstart.parse_importtime(IMPORTTIME)
    baseline = {name: ours[name] for name in ("encodings", "chalice", "chalice.app", "app")}
    extra = coldstart.extra_imports(ours, baseline)
    assert extra["chalicelib.model"].micros == 240
    assert dict(extra["chalicelib.model"].brought) == {"uuid6": 40}
    assert extra["chalicelib.store"].micros == 30
    # Brought in by a package both import: blamed on the app that imported that package.
    assert extra["app"].micros == 35
    assert dict(extra["app"].brought) == {"copy": 20, "org": 15}


def test_proxy_event_is_one_chalice_answers(local_env: None):
    baseline = load_baseline("baseline_health")
    event = events.proxy_event("GET", "/health")
    answer = baseline.app(event, CONTEXT)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}

    from app import app

    answer = app(event, CONTEXT)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}


def test_proxy_event_carries_path_parameters_and_principal():
    event = events.proxy_event("GET", "/todos/{todo_id}", {"todo_id": "x1"}, principal_id="bob")
    assert event["path"] == "/todos/x1"
    assert event["requestContext"]["path"] == "/api/todos/x1"
    assert event["requestContext"]["resourcePath"] == "/todos/{todo_id}"
    assert event["pathParameters"] == {"todo_id": "x1"}
    assert event["requestContext"]["authorizer"]["principalId"] == "bob"


@pytest.mark.parametrize(
    ("claims", "allowed"),
    [
        ({}, True),
        ({"aud": "someone-else"}, False),
        ({"iss": "someone-else"}, False),
        ({"exp": 1}, False),
        ({"exp": int(time.time()) + 10 * 365 * 86_400}, False),
        ({"sub": None}, False),
    ],
)
def test_baseline_authorizer_decides_as_ours(
    local_env: None, claims: dict[str, object], allowed: bool
):
    payload = {
        "sub": "alice",
        "iss": LOCAL["JWT_ISSUER"],
        "aud": LOCAL["JWT_AUDIENCE"],
        "exp": int(time.time()) + 3600,
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    token = jwt.encode(payload, LOCAL["JWT_SECRET"], algorithm="HS256")
    event = events.authorizer_event(token, "GET", "/todos")

    from chalicelib.authorizer import jwt_auth

    for authorizer in (load_baseline("baseline_authorizer").jwt_auth, jwt_auth):
        policy = authorizer(event, CONTEXT)
        # A denial is an explicit Deny of the method, or an Allow that does not cover it.
        assert policy_allows(policy, event["methodArn"]) is allowed
        assert policy["principalId"] == ("alice" if allowed else "unauthenticated")


def test_runtime_site_holds_only_what_lambda_provides(tmp_path: Path):
    site = lambda_env.runtime_site(tmp_path / "runtime")
    assert sorted(path.name for path in site.iterdir()) == sorted(lambda_env.RUNTIME_PACKAGES)
    assert not (site / "cryptography").exists()


def test_child_environment_is_built_from_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    env = lambda_env.child_environment(
        tmp_path / "task",
        tmp_path / "runtime",
        tmp_path,
        "http://127.0.0.1:1",
        LOCAL,
        "app.app",
        {"x": 1},
    )
    assert "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["PYTHONPATH"].split(":") == [str(tmp_path / "task"), str(tmp_path / "runtime")]
    assert json.loads(env["BENCH_EVENT"]) == {"x": 1}


def test_weigh_counts_files_and_flags_what_does_not_belong(tmp_path: Path):
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("app.py", "app = 1\n" * 100)
        package.writestr("chalicelib/__init__.py", "")
        package.writestr("chalicelib/__pycache__/model.cpython-311.pyc", b"\0" * 64)
        package.writestr("boto3/__init__.py", "")
    figures = zipsize.weigh(archive)
    assert figures.size == archive.stat().st_size
    assert figures.files == 4
    assert figures.unwanted == ["boto3"]
    assert figures.bytecode == ["chalicelib/__pycache__/model.cpython-311.pyc"]
    assert {name for name, _ in figures.parts} == {"app.py", "chalicelib", "boto3"}
