"""The benchmark's helpers (bench/): its events, baselines and arithmetic. No timing here:
speed and size are figures `make bench` prints, never assertions."""

import importlib.util
import json
import sys
import time
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace

import jwt
import pytest

from bench import cold_section, coldstart, events, instructions, lambda_env, warm, zipsize
from chalicelib import aws
from tests.support.gateway_events import policy_allows
from tools import PROJECT_DIR
from tools.deploy.stage import environment

BENCH = PROJECT_DIR / "bench"


LOCAL = environment("local")


CONTEXT = SimpleNamespace(function_name="bench", aws_request_id="1", memory_limit_in_mb="1024")


# The todo_api target swaps the store's client: each test puts this one back.
ORIGINAL_AWS_CLIENT = aws.client


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
    # As the bench's processes have it: the local stage's clients need an emulator there.
    monkeypatch.setenv("AWS_ENDPOINT_URL", warm.child_environment(LOCAL)["AWS_ENDPOINT_URL"])


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
import time:        40 |         40 |       secrets
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
    assert imports["secrets"].parent == "chalicelib.model"
    # A failed import tried twice: the first importer, both times.
    assert imports["org"] == coldstart.Imported("org", 15, "copy")
    assert imports["app"].parent is None


def test_extra_imports_blames_our_module_that_brought_them():
    ours = coldstart.parse_importtime(IMPORTTIME)
    baseline = {name: ours[name] for name in ("encodings", "chalice", "chalice.app", "app")}
    extra = coldstart.extra_imports(ours, baseline)
    assert extra["chalicelib.model"].micros == 240
    assert dict(extra["chalicelib.model"].brought) == {"secrets": 40}
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


@pytest.fixture
def peers(local_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(BENCH / "peers"))
    return BENCH / "peers"


def test_the_http_stub_answers_a_real_client_without_a_socket(peers: Path):
    import boto3
    import canned

    # This tier refuses any connection: an answer proves none was attempted.
    dynamodb = canned.stub_http(boto3.client("dynamodb", region_name="us-east-1"))
    key = {"ownerId": {"S": canned.OWNER}, "todoId": {"S": canned.TODO_ID}}
    assert dynamodb.get_item(TableName="t", Key=key)["Item"] == canned.ITEM
    assert len(dynamodb.query(TableName="t", KeyConditionExpression="k")["Items"]) == 10


@pytest.mark.parametrize("stub", ["client", "http"])
@pytest.mark.parametrize("peer", ["todo_api", "chalice_min", "bare_boto3"])
def test_each_warm_target_answers_each_route(peers: Path, peer: str, stub: str):
    import canned

    from bench import warm_child

    handler = warm_child._load(peer, stub)
    try:
        for route, event in warm.route_events().items():
            answer = handler(event, CONTEXT)
            assert answer["statusCode"] == (201 if route == "create" else 200), (route, answer)
            if route in ("get", "update"):
                assert canned.TODO_ID in answer["body"]
    finally:
        # The stubbed client must answer no other test: a fresh module and client next.
        sys.modules.pop(peer)
        aws.client = ORIGINAL_AWS_CLIENT
        aws.client.cache_clear()


# The request parameters whose values are the request's own (ids, times, text), not its shape.
_VALUE_FIELDS = frozenset({"S", "N", "BOOL", "TableName"})


def request_shape(value: object, field: str = "") -> object:
    """A DynamoDB request with its values replaced by their types: expressions, names of
    attributes and placeholders, options and nesting stay."""
    if isinstance(value, dict):
        return {name: request_shape(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [request_shape(item) for item in value]
    return type(value).__name__ if field in _VALUE_FIELDS else value


def requests_made(peer: str) -> dict[str, list[tuple[str, object]]]:
    """Each route's DynamoDB calls, as the peer makes them: operation and shape."""
    import canned

    calls: list[tuple[str, object]] = []

    class Recording(canned.FakeDynamoDB):
        def __getattribute__(self, name: str) -> object:
            method = super().__getattribute__(name)
            if name.startswith("_") or name == "exceptions":
                return method

            def record(**params: object) -> object:
                calls.append((name, request_shape(params)))
                return method(**params)

            return record

    module = importlib.import_module(peer)
    if hasattr(module, "set_dynamodb"):
        module.set_dynamodb(Recording())
    else:
        module.dynamodb = Recording()
    made: dict[str, list[tuple[str, object]]] = {}
    try:
        for route, event in warm.route_events().items():
            module.handler(event, CONTEXT)
            made[route], calls[:] = list(calls), []
    finally:
        sys.modules.pop(peer)
        aws.client = ORIGINAL_AWS_CLIENT
        aws.client.cache_clear()
    return made


@pytest.mark.parametrize("peer", ["chalice_min", "bare_boto3"])
def test_the_peers_make_the_same_dynamodb_requests_as_the_store(peers: Path, peer: str):
    ours = requests_made("todo_api")
    assert set(ours) == set(warm.ROUTES)
    assert all(len(calls) == 1 for calls in ours.values())
    assert requests_made(peer) == ours


def test_the_warm_table_divides_ours_by_the_chalice_app_and_the_bare_handler():
    # Two processes of three rounds each, for every target and route.
    own = {name: {r: [[20.0, 20.0, 20.0]] * 2 for r in warm.ROUTES} for name in warm.TARGETS}
    whole = {name: {r: [[100.0] * 3] * 2 for r in warm.ROUTES} for name in warm.TARGETS}
    own["ours"]["get"] = [[50.0, 50.0, 900.0], [40.0, 60.0, 50.0]]  # 2.5x in most rounds
    whole["ours"]["list"] = [[110.0] * 3] * 2
    assert warm.ratios(own, "ours", "chalice")["get"] == 2.5
    assert warm.ratios(whole, "ours", "bare")["list"] == pytest.approx(1.1)
    verdict = warm.verdict(own, whole)
    assert "ours/chalice 2.50 (budget 2.00): OVER" in verdict
    assert f"ours/bare 1.10 (budget {warm.WHOLE_REQUEST_BUDGET:.2f}): within" in verdict
    rows = {line.split()[0]: line.split() for line in warm.table(own, whole)[2:]}
    assert rows["get"][1] == "50.0"
    assert rows["get"][4] == "2.50"
    assert rows["list"][-1] == "1.10"


def test_a_ratio_pairs_the_batches_of_one_round():
    # Both targets slow down after round 1: paired, the rounds agree on 1.0 but for the
    # last, and the median ignores it; the ratio of the two medians would say 1.5.
    ours = [[10.0, 30.0, 30.0]]
    other = [[10.0, 30.0, 20.0]]
    assert warm.paired_ratio(ours, other) == 1.0
    assert warm.median(ours) / warm.median(other) == 1.5


def test_a_zipped_pyc_of_its_own_source_is_bytecode_not_dead_weight(tmp_path: Path):
    import py_compile

    source = tmp_path / "model.py"
    source.write_text("X = 1\n")
    compiled = py_compile.compile(
        str(source), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.write(source, "chalicelib/model.py")
        package.write(compiled, "chalicelib/__pycache__/" + Path(compiled).name)
    figures = zipsize.weigh(archive)
    assert figures.compiled == 1
    assert figures.bytecode == []


CACHEGRIND_SUMMARY = """==6310== I   refs:      1,513,976,587
==6310== I1  misses:       17,220,181
==6310== LLi misses:           42,096
==6310== D   refs:        658,292,007  (447,907,146 rd   + 210,384,861 wr)
==6310== D1  misses:       16,466,400  ( 14,710,088 rd   +   1,756,312 wr)
"""


def test_instruction_counts_come_from_cachegrinds_summary():
    assert instructions.parse_summary(CACHEGRIND_SUMMARY) == {
        "Ir": 1_513_976_587,
        "I1mr": 17_220_181,
        "D1mr": 16_466_400,
    }
    with pytest.raises(RuntimeError, match="D1mr"):
        instructions.parse_summary(CACHEGRIND_SUMMARY.replace("D1  misses", "D1 gone"))


def test_a_requests_count_is_the_difference_of_two_runs_divided():
    without = {"Ir": 1_000, "I1mr": 10, "D1mr": 20}
    with_requests = {"Ir": 5_000, "I1mr": 50, "D1mr": 40}
    assert instructions.per_request(without, with_requests, 4) == (1_000, 10, 5)


def test_the_instruction_table_divides_ours_by_the_bare_handler_and_the_chalice_app():
    counts = {
        ("ours", "get"): instructions.Counts(2_500_000, 44_000, 28_000),
        ("chalice", "get"): instructions.Counts(2_600_000, 43_000, 28_500),
        ("bare", "get"): instructions.Counts(2_000_000, 39_000, 26_000),
    }
    (row,) = instructions.table(counts, ["get"])[2:]
    assert row.split()[:7] == ["get", "2,500k", "2,600k", "2,000k", "1.250", "1.300", "0.962"]


def test_a_cold_starts_instruction_count_is_one_start_under_cachegrind_checked_as_any(
    monkeypatch: pytest.MonkeyPatch,
):
    started: list[tuple[str, ...]] = []
    answers = iter([{"status": "ok"}, {"status": "wrong"}])

    def run_once(process, env, importtime=False, wrapper=(), timeout=0):
        started.append(tuple(wrapper))
        payload = {"result": next(answers), "importable": {"cryptography": False, "moto": False}}
        return None, payload, CACHEGRIND_SUMMARY

    monkeypatch.setattr(coldstart, "run_once", run_once)
    process = coldstart.Process("ours", Path("/var/task"), "app.app", "the zip")
    case = coldstart.Case(
        key="c",
        title="health",
        ours=process,
        baseline=process,
        event={},
        environment=lambda _process: {},
        check=lambda result: None if result == {"status": "ok"} else "not ok",
    )
    assert coldstart.instruction_count(case, process, "/usr/bin/valgrind") == 1_513_976_587
    assert started[0][:2] == ("/usr/bin/valgrind", "--tool=cachegrind")
    # A start that answers wrongly counts nothing: its figure would mean nothing.
    with pytest.raises(coldstart.BenchError, match="not ok"):
        coldstart.instruction_count(case, process, "/usr/bin/valgrind")


def test_the_instruction_line_gives_both_counts_and_their_ratio_or_says_why_there_is_none():
    line = cold_section.instructions_line((206_300_000, 193_000_000))
    assert "ours 206.3M, baseline 193.0M, ours/baseline 1.069" in line
    assert "no valgrind" in cold_section.instructions_line(None)
