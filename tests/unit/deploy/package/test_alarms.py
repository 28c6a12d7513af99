"""The packaged alarms watch the metrics the app really emits (tools.deploy.package.alarms)."""

import json

from tools.deploy.package import alarms
from tools.deploy.stage import deployed_stage, load_stage

PROD = deployed_stage("prod")
# The test client runs the app with the local stage's environment: the alarms the
# packaging would make for that stage must name what the app emits there.
LOCAL = load_stage("local")
TEMPLATE = {"Resources": {alarms.API_HANDLER: {}, alarms.AUTHORIZER: {}}}


def emitted(capfd) -> set[tuple[str, str, frozenset]]:
    """(namespace, metric, dimensions with their values) of every EMF metric printed."""
    found = set()
    for line in capfd.readouterr().out.splitlines():
        document = json.loads(line)
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            for keys in directive["Dimensions"]:
                dimensions = frozenset((key, document[key]) for key in keys)
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dimensions))
    return found


def test_each_app_alarm_watches_a_metric_a_request_emits(client, auth_headers, capfd, monkeypatch):
    alice = auth_headers("alice")
    capfd.readouterr()
    client.http.get("/todos", headers=alice)

    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr("chalicelib.store.todo_store", broken)
    client.http.get("/todos", headers=alice)
    monkeypatch.setattr("chalicelib.tokens.verified_claims", broken)
    assert client.http.get("/todos", headers=alice).status_code == 403
    metrics = emitted(capfd)
    app_alarms = [a for a in alarms.alarms(LOCAL, TEMPLATE, "rest") if a.namespace[:4] != "AWS/"]
    assert len(app_alarms) == 4
    for alarm in app_alarms:
        wanted = (alarm.namespace, alarm.metric, frozenset(alarm.dimensions.items()))
        assert wanted in metrics, alarm.name


def test_an_alarm_resource_says_what_the_alarm_is():
    topic = {"Ref": alarms.TOPIC}
    (latency,) = [a for a in alarms.alarms(PROD, TEMPLATE, "rest") if a.metric == "Latency"]
    properties = latency.resource(PROD, topic)["Properties"]
    assert properties["ExtendedStatistic"] == "p99"
    assert "Statistic" not in properties
    assert (properties["Period"], properties["EvaluationPeriods"]) == (60, 5)
    assert (properties["DatapointsToAlarm"], properties["Threshold"]) == (3, 1000)
    assert properties["TreatMissingData"] == "notBreaching"
    assert properties["AlarmName"] == "todo-api-prod-latency-p99"


def test_without_the_authorizer_function_its_alarms_go_too():
    names = {a.name for a in alarms.alarms(PROD, {"Resources": {}}, "http")}
    assert not [name for name in names if name.startswith("authorizer")]
    assert "handler-errors" in names
