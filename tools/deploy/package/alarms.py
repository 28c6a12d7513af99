"""The packaged stage's alarms, its SNS topic and its dashboard, as CloudFormation.

The app's own metrics are named as chalicelib.telemetry emits them
(tests/unit/deploy/package/test_alarms.py checks the names and dimensions against what a
request really prints); the AWS metrics cover what the app cannot see: the function crashing
or timing out (API Gateway 5XX, Lambda Errors), the authorizer failing, Lambda throttling.
The canary (tools.deploy.package.release) rolls back when any of them fires. Thresholds are
for prod's traffic; docs/operations.md explains each one.
"""

import json
from dataclasses import dataclass
from typing import Any

from tools.deploy.stage import Stage

TOPIC = "AlarmTopic"
DASHBOARD = "Dashboard"
API_HANDLER = "APIHandler"
AUTHORIZER = "JwtAuth"
MINUTE = 60


@dataclass(frozen=True)
class Alarm:
    """One CloudWatch alarm: `datapoints` breaching minutes out of `minutes` fire it."""

    name: str
    why: str
    namespace: str
    metric: str
    dimensions: dict[str, Any]
    statistic: str
    threshold: float
    datapoints: int = 1
    minutes: int = 1
    comparison: str = "GreaterThanOrEqualToThreshold"
    # Whether a canary rolls back on it (tools.deploy.package.release).
    canary: bool = True

    def resource(self, stage: Stage, topic: dict[str, Any]) -> dict[str, Any]:
        statistic = (
            {"ExtendedStatistic": self.statistic}
            if self.statistic.startswith("p")
            else {"Statistic": self.statistic}
        )
        return {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": f"{stage.prefix}-{self.name}",
                "AlarmDescription": self.why,
                "Namespace": self.namespace,
                "MetricName": self.metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
                **statistic,
                "Period": MINUTE,
                "EvaluationPeriods": self.minutes,
                "DatapointsToAlarm": self.datapoints,
                "Threshold": self.threshold,
                "ComparisonOperator": self.comparison,
                # No data is no failure: Errors has no data points while nothing fails.
                "TreatMissingData": "notBreaching",
                "AlarmActions": [topic],
                "OKActions": [topic],
            },
        }


def app_dimensions(stage: Stage) -> dict[str, str]:
    """The dimensions chalicelib.telemetry gives every metric: the app's name and stage."""
    return {"Service": stage.app_name, "Stage": stage.environment["STAGE"]}


def app_namespace(stage: Stage) -> str:
    return stage.environment.get("METRICS_NAMESPACE", "TodoApi")


def _gateway_5xx(stage: Stage, api: str, api_id: dict[str, Any]) -> Alarm:
    # 5XXError is 0 or 1 per request, so its Average is the share of requests that failed.
    dimensions: dict[str, Any]
    if api == "rest":
        metric, dimensions = "5XXError", {"ApiName": stage.app_name, "Stage": "api"}
        watched = True
    else:
        # Only the API's id names an HTTP API's metrics, and the API names the alias the
        # canary moves: watching it would be a dependency cycle. The canary still sees a
        # crash or a timeout through the handler's Errors.
        metric, dimensions = "5xx", {"ApiId": api_id, "Stage": "api"}
        watched = False
    return Alarm(
        "gateway-5xx-rate",
        "More than 1% of requests got a 5XX from API Gateway (502: the function crashed, "
        "504: it timed out, 500: the app failed) in 2 of 3 minutes.",
        "AWS/ApiGateway",
        metric,
        dimensions,
        "Average",
        0.01,
        datapoints=2,
        minutes=3,
        comparison="GreaterThanThreshold",
        canary=watched,
    )


def _lambda(function: str, metric: str, why: str) -> Alarm:
    name = "authorizer" if function == AUTHORIZER else "handler"
    return Alarm(
        f"{name}-{metric.lower()}",
        why,
        "AWS/Lambda",
        metric,
        {"FunctionName": {"Ref": function}},
        "Sum",
        1,
    )


def alarms(stage: Stage, template: dict[str, Any], api: str) -> list[Alarm]:
    """The stage's alarms: the app's metrics, then API Gateway's and Lambda's."""
    namespace, dimensions = app_namespace(stage), app_dimensions(stage)
    api_id = {"Ref": "RestAPI" if api == "rest" else "HttpAPI"}
    found = [
        Alarm(
            "app-errors",
            "The app answered 500 InternalServerError: a bug; its request line has "
            "`exception` and `stack`.",
            namespace,
            "Errors",
            {**dimensions, "Code": "InternalServerError"},
            "Sum",
            1,
        ),
        Alarm(
            "latency-p99",
            "p99 of the app's latency above 1 s in 3 of 5 minutes: one request is one "
            "DynamoDB call, so seconds mean retries against a struggling table.",
            namespace,
            "Latency",
            dimensions,
            "p99",
            1000,
            datapoints=3,
            minutes=5,
            comparison="GreaterThanThreshold",
        ),
        Alarm(
            "dynamodb-throttles",
            "DynamoDB throttled the app's requests in 3 of 5 minutes (a hot owner, or "
            "traffic above twice its previous peak).",
            namespace,
            "DynamoDbThrottles",
            dimensions,
            "Sum",
            1,
            datapoints=3,
            minutes=5,
        ),
        _gateway_5xx(stage, api, api_id),
        _lambda(API_HANDLER, "Errors", "The API handler crashed or timed out."),
        _lambda(API_HANDLER, "Throttles", "Lambda throttled the API handler."),
    ]
    if AUTHORIZER in template["Resources"]:
        found += [
            Alarm(
                "authorizer-failures",
                "The authorizer could not verify tokens (a missing setting, its secret or "
                "keys unreadable) and denied them: callers get 403s; its ERROR lines say why.",
                namespace,
                "AuthorizerFailures",
                {"Stage": dimensions["Stage"]},
                "Sum",
                1,
            ),
            _lambda(AUTHORIZER, "Errors", "The authorizer crashed or timed out: callers get 500s."),
            _lambda(AUTHORIZER, "Throttles", "Lambda throttled the authorizer."),
        ]
    return found


def logical_id(alarm: Alarm) -> str:
    return "".join(part.capitalize() for part in alarm.name.split("-")) + "Alarm"


def _topic(stage: Stage) -> dict[str, Any]:
    return {
        "Type": "AWS::SNS::Topic",
        "Properties": {
            "TopicName": f"{stage.prefix}-alarms",
            # The AWS managed key: alarm messages name resources, never a caller's data.
            "KmsMasterKeyId": "alias/aws/sns",
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(stage.tags.items())],
        },
    }


def _widget(alarm: Alarm, x: int, y: int) -> dict[str, Any]:
    dimensions: list[Any] = []
    for key, value in alarm.dimensions.items():
        # A ${...} placeholder, filled in by Fn::Sub with the resource's name.
        dimensions += [key, f"${{{value['Ref']}}}" if isinstance(value, dict) else value]
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": alarm.name,
            "region": "${AWS::Region}",
            "metrics": [[alarm.namespace, alarm.metric, *dimensions]],
            "stat": alarm.statistic,
            "period": MINUTE,
            "annotations": {"horizontal": [{"value": alarm.threshold, "label": "alarm"}]},
        },
    }


def _dashboard(stage: Stage, found: list[Alarm]) -> dict[str, Any]:
    widgets = [_widget(alarm, 12 * (i % 2), 6 * (i // 2)) for i, alarm in enumerate(found)]
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": stage.prefix,
            "DashboardBody": {"Fn::Sub": json.dumps({"widgets": widgets})},
        },
    }


def monitoring(
    stage: Stage, template: dict[str, Any], api: str
) -> tuple[dict[str, Any], list[str]]:
    """The topic, one resource per alarm and the dashboard, by logical id; and the
    logical ids of the alarms a canary watches."""
    found = alarms(stage, template, api)
    topic = {"Ref": TOPIC}
    resources = {TOPIC: _topic(stage)}
    resources |= {logical_id(alarm): alarm.resource(stage, topic) for alarm in found}
    resources[DASHBOARD] = _dashboard(stage, found)
    return resources, [logical_id(alarm) for alarm in found if alarm.canary]
