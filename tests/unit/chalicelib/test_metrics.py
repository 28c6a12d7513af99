"""EMF lines are what the specification asks for, with the members beside the metadata,
and each is one line on stdout."""

import json
import time

import jsonschema
import pytest

from chalicelib import metrics
from chalicelib.metrics import MetricSet
from tests.support import emf

REQUESTS = MetricSet(("Service", "Stage"), (("Requests", "Count"), ("Latency", "Milliseconds")))
ERRORS = MetricSet(("Service", "Stage", "Code"), (("Errors", "Count"),))
MEMBERS = {"Service": "todo-api", "Stage": "test", "Requests": 1, "Latency": 12.5}


def a_document(members=MEMBERS, sets=(REQUESTS,), **options):
    text = metrics.line(metrics.members(members), metrics.template("TodoApi", sets), **options)
    assert text.endswith("}\n")
    assert text.count("\n") == 1
    return json.loads(text)


def test_a_line_is_valid_emf_with_the_members_at_the_top_level():
    document = a_document()
    emf.validate(document)
    assert document["_aws"]["CloudWatchMetrics"] == [
        {
            "Namespace": "TodoApi",
            "Dimensions": [["Service", "Stage"]],
            "Metrics": [
                {"Name": "Requests", "Unit": "Count"},
                {"Name": "Latency", "Unit": "Milliseconds"},
            ],
        }
    ]
    assert {name: document[name] for name in MEMBERS} == MEMBERS


def test_other_members_stay_as_log_fields_beside_the_metrics():
    members = {"type": "request", "note": 'quotes " and \\ and }', **MEMBERS}
    document = a_document(members)
    emf.validate(document)
    assert set(document) == set(members) | {"_aws"}
    assert document["note"] == 'quotes " and \\ and }'


def test_two_sets_are_two_directives_of_one_document():
    document = a_document({**MEMBERS, "Code": "TodoNotFound", "Errors": 1}, (REQUESTS, ERRORS))
    emf.validate(document)
    directives = document["_aws"]["CloudWatchMetrics"]
    assert [d["Dimensions"] for d in directives] == [
        [["Service", "Stage"]],
        [["Service", "Stage", "Code"]],
    ]
    assert directives[1]["Metrics"] == [{"Name": "Errors", "Unit": "Count"}]


def test_a_line_without_other_members_is_still_one_json_object():
    assert set(a_document({}, ())) == {"_aws"}


def test_fixed_members_come_from_the_template_beside_the_lines_own():
    fixed = {"Service": "todo-api", "Stage": 'a "quoted" \\ stage'}
    shape = metrics.template("TodoApi", (REQUESTS,), fixed)
    document = json.loads(metrics.line(metrics.members({"Requests": 1, "Latency": 12.5}), shape))
    emf.validate(document)
    assert document == {**MEMBERS, "Stage": fixed["Stage"], "_aws": document["_aws"]}


def test_a_line_of_fixed_members_alone_is_still_one_json_object():
    shape = metrics.template("TodoApi", (), {"type": "request"})
    assert json.loads(metrics.line(metrics.members({}), shape)).keys() == {"type", "_aws"}


def test_the_timestamp_is_now_in_epoch_milliseconds_unless_given():
    before = int(time.time() * 1000)
    stamped = a_document()["_aws"]["Timestamp"]
    assert before <= stamped <= int(time.time() * 1000)
    assert a_document(timestamp_ms=1_700_000_000_000)["_aws"]["Timestamp"] == 1_700_000_000_000


def test_emit_writes_the_text_in_one_go(capsys):
    text = metrics.line(metrics.members(MEMBERS), metrics.template("TodoApi", (REQUESTS,)))
    metrics.emit(text)
    assert capsys.readouterr().out == text


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("Stage"),
        lambda d: d.update(Requests="one"),
        lambda d: d.update(Latency=float("nan")),
        lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].update(Unit="Requests"),
        lambda d: d["_aws"]["CloudWatchMetrics"][0].update(Namespace="Todo Api!"),
        lambda d: d["_aws"].pop("Timestamp"),
        lambda d: d["_aws"].update(Timestamp=0),
        lambda d: d["_aws"]["CloudWatchMetrics"][0].pop("Dimensions"),
    ],
)
def test_the_validator_catches_what_cloudwatch_would_reject(break_it):
    document = a_document()
    break_it(document)
    with pytest.raises((AssertionError, jsonschema.ValidationError)):
        emf.validate(document)
