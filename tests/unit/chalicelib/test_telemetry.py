"""One JSON line per request, both its log line and its EMF metrics; X-Request-Id on every
answer; no secrets."""

import hashlib
import itertools
import json
import logging

import hypothesis
import pytest
from chalice import ChaliceUnhandledError, Response
from chalice.app import Request
from hypothesis import strategies as st

import app as app_module
from chalicelib import settings, telemetry
from chalicelib.errors import ServiceUnavailable, TodoApiError, TodoNotFound
from tests.support import emf
from tests.support.gateway_events import rest_event

SUBJECT = "alice@example.com"


REQUEST_FIELDS = {
    "level",
    "type",
    "requestId",
    "lambdaRequestId",
    "traceId",
    "stage",
    "route",
    "method",
    "status",
    "latencyMs",
    "principal",
    "coldStart",
}


# What makes the line the request's EMF document too (an error adds Code and Errors).
METRIC_MEMBERS = {
    "_aws",
    "Service",
    "Stage",
    "Requests",
    "Latency",
    "ColdStart",
    "DynamoDbThrottles",
}


TODO_ID = "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"


@pytest.fixture
def alice(auth_headers):
    return auth_headers(SUBJECT)


def output(capfd):
    """(request lines, EMF documents) printed since the last call: the same lines, as each
    request's log line is its EMF document; all of stdout must be those lines."""
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    requests = [line for line in lines if line.get("type") == "request"]
    documents = [line for line in lines if "_aws" in line]
    assert requests == documents == lines, "stdout holds something else"
    return requests, documents


def the_request_line(capfd):
    requests, _ = output(capfd)
    assert len(requests) == 1
    return requests[0]


def metric_values(documents, name, **dimensions):
    return [
        document[name]
        for document in documents
        if name in document and all(document.get(k) == v for k, v in dimensions.items())
    ]


class TestTheRequestLine:
    def test_a_request_prints_one_line_with_its_fields(self, client, alice, capfd):
        capfd.readouterr()
        response = client.http.post("/todos", headers=alice, body=b'{"text": "x"}')
        line = the_request_line(capfd)
        assert set(line) == REQUEST_FIELDS | METRIC_MEMBERS
        assert line["level"] == "INFO"
        assert line["requestId"] == response.headers["X-Request-Id"]
        assert line["route"] == "/todos"
        assert line["method"] == "POST"
        assert line["status"] == 201
        assert isinstance(line["latencyMs"], float)
        assert line["latencyMs"] >= 0
        assert line["principal"] == telemetry.principal_hash(SUBJECT)
        assert isinstance(line["coldStart"], bool)
        assert line["stage"]

    @pytest.mark.parametrize(
        ("method", "path", "route"),
        [
            ("get", "/todos", "/todos"),
            ("get", f"/todos/{TODO_ID}", "/todos/{todo_id}"),
            ("delete", f"/todos/{TODO_ID}", "/todos/{todo_id}"),
            ("get", "/health", "/health"),
        ],
    )
    def test_the_route_is_the_resource_path_not_the_url(
        self, client, alice, capfd, method, path, route
    ):
        capfd.readouterr()
        getattr(client.http, method)(path, headers=alice)
        line = the_request_line(capfd)
        assert line["route"] == route
        assert line["method"] == method.upper()

    def test_a_route_without_a_token_has_no_principal(self, client, capfd):
        capfd.readouterr()
        client.http.get("/health")
        assert the_request_line(capfd)["principal"] is None

    def test_a_client_error_carries_its_code(self, client, alice, capfd):
        capfd.readouterr()
        client.http.get(f"/todos/{TODO_ID}", headers=alice)
        line = the_request_line(capfd)
        assert line["status"] == 404
        assert line["code"] == "TodoNotFound"
        assert line["level"] == "INFO"

    def test_chalices_own_errors_carry_their_code(self, client, alice, capfd):
        capfd.readouterr()
        client.http.patch("/todos", headers=alice, body=b"{}")
        assert the_request_line(capfd)["code"] == "MethodNotAllowedError"


class TestErrorsAreLoggedWithContextButNoDetails:
    @pytest.mark.parametrize(
        ("kind", "reason"), [("throttle", "throttled"), ("connection", "unreachable")]
    )
    def test_a_503_says_why(self, client, alice, capfd, dynamodb_fault, kind, reason):
        dynamodb_fault(kind)
        capfd.readouterr()
        client.http.get("/todos", headers=alice)
        line = the_request_line(capfd)
        assert (line["status"], line["level"]) == (503, "ERROR")
        assert (line["code"], line["reason"]) == ("ServiceUnavailable", reason)

    def test_a_500_names_the_exception_and_where_but_not_its_message(
        self, client, alice, capfd, monkeypatch
    ):
        def broken_store():
            raise RuntimeError("secret internals")

        monkeypatch.setattr("chalicelib.store.todo_store", broken_store)
        capfd.readouterr()
        client.http.get("/todos", headers=alice)
        out = capfd.readouterr().out
        assert "secret internals" not in out
        line = json.loads(out.splitlines()[0])
        assert (line["status"], line["level"], line["code"]) == (
            500,
            "ERROR",
            "InternalServerError",
        )
        assert line["exception"] == "RuntimeError"
        assert any("app.py" in frame and "list_todos" in frame for frame in line["stack"])
        assert any("broken_store" in frame for frame in line["stack"])

    def test_chalices_traceback_is_replaced_by_the_line(self, client, alice, monkeypatch):
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        app_module.app.log.addHandler(handler)
        monkeypatch.setattr("chalicelib.store.todo_store", lambda: 1 / 0)
        try:
            client.http.get("/todos", headers=alice)
            assert records == []
            app_module.app.log.error("outside a request", exc_info=True)
            assert [record.getMessage() for record in records] == ["outside a request"]
        finally:
            app_module.app.log.removeHandler(handler)


def raise_unhandled():
    raise ChaliceUnhandledError("escapes the view")


def raise_runtime_error():
    raise RuntimeError("a bug")


@pytest.mark.parametrize(
    ("status", "method", "path", "body", "breakage"),
    [
        (200, "get", "/health", b"", None),
        (201, "post", "/todos", b'{"text": "x"}', None),
        (400, "post", "/todos", b"{bad", None),
        (404, "get", f"/todos/{TODO_ID}", b"", None),
        (405, "patch", "/todos", b"{}", None),
        (503, "get", "/todos", b"", "throttle"),
        (500, "get", "/todos", b"", raise_runtime_error),
        (500, "get", "/todos", b"", raise_unhandled),
    ],
)
def test_every_answer_carries_x_request_id(
    client,
    alice,
    capfd,
    monkeypatch,
    dynamodb_fault,
    status,
    method,
    path,
    body,
    breakage,
):
    if breakage == "throttle":
        dynamodb_fault("throttle")
    elif breakage is not None:
        monkeypatch.setattr("chalicelib.store.todo_store", breakage)
    capfd.readouterr()
    response = getattr(client.http, method)(path, headers=alice, body=body)
    assert response.status_code == status
    assert response.headers["X-Request-Id"] == the_request_line(capfd)["requestId"]
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    if status >= 400:
        assert set(response.json_body) == {"message", "code"}


def test_an_exception_escaping_the_view_is_the_apis_500(client, alice, capfd, monkeypatch):
    monkeypatch.setattr("chalicelib.store.todo_store", raise_unhandled)
    capfd.readouterr()
    response = client.http.get("/todos", headers=alice)
    assert response.status_code == 500
    assert response.json_body == {
        "message": "An internal server error occurred.",
        "code": "InternalServerError",
    }
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert b"escapes the view" not in response.body
    line = the_request_line(capfd)
    assert line["exception"] == "ChaliceUnhandledError"


def test_secrets_never_reach_any_output(client, token, capfd, caplog, monkeypatch):
    """Neither the sub, the token, a body, a header nor a query value, in any output."""
    bearer = token(SUBJECT)
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    diary = "my-private-diary-entry"
    secrets = (SUBJECT, bearer, bearer.split(".")[2], diary, "key-7f3a9", "cursor-c0ffee")
    records = []
    chalice_handler = logging.Handler()
    chalice_handler.emit = records.append
    app_module.app.log.addHandler(chalice_handler)
    try:
        # INFO everywhere: more than a deployed stage logs (root at WARNING, chalicelib INFO).
        with caplog.at_level(logging.INFO):
            client.http.post("/todos", headers=headers, body=json.dumps({"text": diary}))
            keyed = {**headers, "Idempotency-Key": "key-7f3a9"}
            client.http.post("/todos", headers=keyed, body=json.dumps({"text": diary}))
            client.http.post("/todos", headers=headers, body=f'{{"text": "{diary}", "x": 1}}')
            client.http.get("/todos?cursor=cursor-c0ffee", headers=headers)
            client.http.get("/todos", headers={"Authorization": f"Bearer {bearer[:-4]}AAAA"})
            # A failure whose exception message quotes the body.
            monkeypatch.setattr("chalicelib.store.todo_store", lambda: int(diary))
            client.http.post("/todos", headers=headers, body=json.dumps({"text": diary}))
    finally:
        app_module.app.log.removeHandler(chalice_handler)
    captured = capfd.readouterr()
    everything = "\n".join(
        [captured.out, captured.err, caplog.text, *(str(r.__dict__) for r in records)]
    )
    # Six requests, of which the forged token's never reached the API handler.
    assert everything.count('"type":"request"') == 5
    assert "rejected a bearer token" in caplog.text
    for secret in secrets:
        assert secret not in everything


class TestMetrics:
    def test_every_request_prints_valid_emf(self, client, alice, capfd):
        capfd.readouterr()
        client.http.post("/todos", headers=alice, body=b'{"text": "x"}')
        client.http.get(f"/todos/{TODO_ID}", headers=alice)
        client.http.post("/todos", headers=alice, body=b"{bad")
        _, documents = output(capfd)
        for document in documents:
            emf.validate(document)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                assert directive["Namespace"] == "TodoApi"
                assert directive["Dimensions"] in (
                    [["Service", "Stage"]],
                    [["Service", "Stage", "Code"]],
                )
        assert metric_values(documents, "Requests") == [1, 1, 1]
        assert all(isinstance(v, float) for v in metric_values(documents, "Latency"))
        assert metric_values(documents, "Errors", Code="TodoNotFound") == [1]
        assert metric_values(documents, "Errors", Code="InvalidRequest") == [1]
        assert {document["Service"] for document in documents} == {"todo-api"}

    @pytest.mark.parametrize(("kind", "throttles"), [("throttle", 1), ("connection", 0)])
    def test_only_a_throttle_counts_in_dynamodb_throttles(
        self, client, alice, capfd, dynamodb_fault, kind, throttles
    ):
        dynamodb_fault(kind)
        capfd.readouterr()
        client.http.post("/todos", headers=alice, body=b'{"text": "x"}')
        _, documents = output(capfd)
        assert metric_values(documents, "DynamoDbThrottles") == [throttles]
        assert metric_values(documents, "Errors", Code="ServiceUnavailable") == [1]

    def test_the_cold_start_counts_once(self, client, alice, capfd, monkeypatch):
        monkeypatch.setattr(telemetry, "_requests_served", itertools.count())
        capfd.readouterr()
        for _ in range(3):
            client.http.get("/health")
        requests, documents = output(capfd)
        assert [line["coldStart"] for line in requests] == [True, False, False]
        assert metric_values(documents, "ColdStart") == [1, 0, 0]

    def test_the_code_dimension_takes_only_the_apis_codes(self):
        assert {
            "TodoNotFound",
            "ServiceUnavailable",
            "InternalServerError",
        } <= telemetry.ERROR_CODES
        assert len(telemetry.ERROR_CODES) <= 15
        values = members_of(a_response_with_code("Not-a-code-of-ours"))
        assert (values["Code"], values["Errors"]) == ("Other", 1)

    def test_every_domain_error_has_a_known_code(self):
        for error_class in telemetry._error_classes(TodoApiError):
            assert error_class.code in telemetry.ERROR_CODES


def answered_request(
    request_id="r", lambda_request_id="l", latency_us=1000, request=None, response=None
):
    return telemetry._Answered(
        request=request,
        response=response or Response(body="{}", status_code=200),
        outcome=telemetry._Outcome(),
        request_id=request_id,
        lambda_request_id=lambda_request_id,
        latency_us=latency_us,
        cold_start=False,
    )


def members_of(answered):
    return json.loads("{" + telemetry.request_members(answered) + "}")


@pytest.mark.parametrize(
    ("latency_us", "log_ms", "metric_ms"),
    [
        (0, 0.0, 0.0),
        (1, 0.0, 0.001),
        (99, 0.0, 0.099),
        (100, 0.1, 0.1),
        (23_456, 23.4, 23.456),
        (1_000_000, 1000.0, 1000.0),
        (15_012_412, 15012.4, 15012.412),
    ],
)
def test_the_latency_is_milliseconds_to_a_tenth_in_the_log_and_a_thousandth_in_emf(
    latency_us, log_ms, metric_ms
):
    members = members_of(answered_request(latency_us=latency_us))
    assert (members["latencyMs"], members["Latency"]) == (log_ms, metric_ms)
    assert isinstance(members["latencyMs"], float)
    assert isinstance(members["Latency"], float)


@hypothesis.given(st.text(), st.one_of(st.none(), st.text()), st.text(), st.text())
def test_whatever_the_strings_the_members_are_the_json_modules_own(
    request_id, lambda_request_id, path, method
):
    request = Request(rest_event(method, path))
    members = members_of(answered_request(request_id, lambda_request_id, request=request))
    assert (members["requestId"], members["lambdaRequestId"]) == (request_id, lambda_request_id)
    assert (members["route"], members["method"]) == (path, method)
    text = telemetry.request_members(answered_request(request_id, lambda_request_id))
    assert text.isascii()
    assert "\n" not in text


def a_response_with_code(code):
    return answered_request(response=Response(body={"message": "m", "code": code}, status_code=418))


def test_the_namespace_and_stage_are_settings(monkeypatch):
    monkeypatch.delenv("METRICS_NAMESPACE", raising=False)
    monkeypatch.delenv("STAGE", raising=False)
    assert settings.telemetry_settings() == ("TodoApi", "unknown")
    settings.forget_kept()
    monkeypatch.setenv("METRICS_NAMESPACE", "Acme/Todo")
    monkeypatch.setenv("STAGE", "prod")
    assert settings.telemetry_settings() == ("Acme/Todo", "prod")


def test_the_principal_is_a_stable_pseudonym():
    pseudonym = telemetry.principal_hash(SUBJECT)
    assert len(pseudonym) == 16
    assert int(pseudonym, 16) >= 0
    assert pseudonym == telemetry.principal_hash(SUBJECT)
    assert pseudonym != telemetry.principal_hash("bob@example.com")
    expected = hashlib.sha256(b"todo-api/principal/v1\0" + SUBJECT.encode()).hexdigest()[:16]
    assert pseudonym == expected
    assert telemetry.principal_hash("\ud800")  # a lone surrogate a JWT can carry


def test_record_error_outside_a_request_does_nothing():
    telemetry.record_error(TodoNotFound("x"))
    telemetry.record_error(ServiceUnavailable("throttled"))
