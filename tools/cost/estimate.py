"""A month of a stage's traffic, priced line by line: the model behind `make cost`.

What the code cannot tell (traffic, durations, how often a token comes back within the
authorizer's cache window) is an input with a stated default. Lambda's GB of memory is
1,024 MB.
"""

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tools.cost.prices import Price, PriceList
from tools.cost.usage import (
    BYTES_PER_GB,
    BYTES_PER_KB,
    DEFAULT_PAGE_ITEMS,
    HEADER_BYTES,
    HTTP_METERING_BYTES,
    LAMBDA_IDS,
    MONTH_SECONDS,
    OPERATIONS,
    RequestIds,
    access_log_bytes,
    app_log_bytes,
    body_bytes,
    perform,
    platform_log_bytes,
    traces_recorded,
)
from tools.deploy.package import alarms, edge, http_api
from tools.deploy.stage import DeployedStage, Stage

APIS = ("rest", "http")
AUTHORIZERS = ("lambda", "jwt")
ARCHITECTURES = ("x86_64", "arm64")

# The default traffic profile of `make cost` with no variables.
DEFAULT_STAGE = "prod"
DEFAULT_REQUESTS = 10_000_000
DEFAULT_MIX = "get=40,list=40,create=5,idempotent_create=5,update=8,delete=2"
# Billed milliseconds per run, cold starts' billed INIT included, averaged. Assumed, not
# measured: nothing offline runs like Lambda. A warm request is one DynamoDB round trip.
DEFAULT_DURATION_MS = 30.0
DEFAULT_AUTHORIZER_MS = 10.0
# API Gateway caches the authorizer's policy per token for 300 s (REST: API Gateway's
# default, since Chalice sets no TTL; HTTP: ReauthorizeEvery 300), so the authorizer
# runs once per token and window: a client in use sending a request every 30 s.
AUTHORIZER_CACHE_SECONDS = 300
DEFAULT_REQUESTS_PER_TOKEN_WINDOW = 10.0


@dataclass(frozen=True)
class Inputs:
    stage: Stage
    requests: int
    memory_mb: int
    architecture: str
    duration_ms: float
    authorizer_ms: float
    # Each operation's share of requests; the shares sum to 1.
    mix: dict[str, float]
    free_tier: bool
    # None: each operation's own response, as the code answers it.
    response_kb: float | None
    requests_per_token_window: float
    page_items: int
    transfer_free_gb: float
    # None: derived from the stage (see authorizer_for).
    authorizer: str | None = None


def inputs_for(stage: Stage, **given: Any) -> Inputs:
    """The stage's own settings and the default profile, with what was given instead."""
    defaults: dict[str, Any] = {
        "requests": DEFAULT_REQUESTS,
        "memory_mb": stage.runtime.memory_mb,
        "architecture": stage.runtime.architecture,
        "duration_ms": DEFAULT_DURATION_MS,
        "authorizer_ms": DEFAULT_AUTHORIZER_MS,
        "mix": parse_mix(DEFAULT_MIX),
        "free_tier": False,
        "response_kb": None,
        "requests_per_token_window": DEFAULT_REQUESTS_PER_TOKEN_WINDOW,
        "page_items": DEFAULT_PAGE_ITEMS,
        "transfer_free_gb": 0.0,
    }
    chosen = {name: value for name, value in given.items() if value is not None}
    return Inputs(stage=stage, **{**defaults, **chosen})


def authorizer_for(api: str, inputs: Inputs) -> str:
    """REST: always the Lambda authorizer. HTTP: the one tools.deploy.package.http_api packages (API
    Gateway's JWT authorizer on a Cognito stage), unless AUTHORIZER says otherwise."""
    if api == "rest":
        return "lambda"
    if inputs.authorizer is not None:
        return inputs.authorizer
    stage = inputs.stage
    jwt = isinstance(stage, DeployedStage) and http_api.uses_jwt_authorizer(stage)
    return "jwt" if jwt else "lambda"


class PerRequest(NamedTuple):
    """What one request costs in each unit: of an operation, or of the mix on average."""

    read_units: float
    write_units: float
    response_bytes: float
    # Requests API Gateway meters for it: HTTP APIs count each 512 KB.
    metered: float
    app_log_bytes: float
    access_log_bytes: float


def one_request(operation: str, inputs: Inputs, api: str) -> PerRequest:
    performed = perform(operation, inputs.page_items)
    body = body_bytes(performed.body)
    given = inputs.response_kb
    response = given * BYTES_PER_KB if given is not None else body + HEADER_BYTES
    ids = LAMBDA_IDS[api]
    return PerRequest(
        *performed.units,
        response_bytes=response,
        metered=max(1, math.ceil(response / HTTP_METERING_BYTES)) if api == "http" else 1,
        app_log_bytes=app_log_bytes(operation, inputs.stage, ids, performed.body),
        access_log_bytes=access_log_bytes(operation, ids, body, api),
    )


def per_request(inputs: Inputs, api: str) -> PerRequest:
    """One request of the mix, on average: each operation's figures weighted by its share."""
    weighted = [
        [share * figure for figure in one_request(operation, inputs, api)]
        for operation, share in inputs.mix.items()
    ]
    return PerRequest(*(sum(column) for column in zip(*weighted, strict=True)))


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: float
    free: float
    price: Price
    # One of the four lines of the original example (Lambda, API Gateway, data transfer).
    original: bool = False

    @property
    def cost(self) -> float:
        return (self.quantity - self.free) * self.price.usd / self.price.per


@dataclass
class _FreeTier:
    """What is left of each monthly allowance, handed out in the order items are priced."""

    left: dict[str, float] = field(default_factory=dict)

    def take(self, allowance: str, quantity: float) -> float:
        free = min(quantity, self.left.get(allowance, 0.0))
        self.left[allowance] = self.left.get(allowance, 0.0) - free
        return free


@dataclass(frozen=True)
class Estimate:
    api: str
    authorizer: str
    requests: int
    per_request: PerRequest
    items: list[LineItem]

    def total(self, original: bool | None = None) -> float:
        return sum(i.cost for i in self.items if original is None or i.original == original)

    def per_million(self) -> float:
        """The month's total per million of its requests."""
        return self.total() / self.requests * 1_000_000


def estimate(inputs: Inputs, prices: PriceList, api: str) -> Estimate:
    """A month of the stage's traffic on the given API: every line item, priced."""
    free = _FreeTier(
        {name: a.quantity for name, a in prices.free_tier.items()} if inputs.free_tier else {}
    )
    free.left["data_transfer_out"] = inputs.transfer_free_gb
    average = per_request(inputs, api)
    authorizer = authorizer_for(api, inputs)
    builder = _Items(inputs, prices.prices, free, LAMBDA_IDS[api])
    builder.function("API handler", inputs.requests, inputs.duration_ms, original=True)
    builder.add(
        f"API Gateway: {api.upper()} API requests",
        inputs.requests * average.metered,
        f"api_{api}_requests",
        original=True,
    )
    builder.add(
        "Data transfer out",
        inputs.requests * average.response_bytes / BYTES_PER_GB,
        "data_transfer_out",
        original=True,
    )
    runs = inputs.requests / inputs.requests_per_token_window if authorizer == "lambda" else 0
    if runs:
        builder.function("authorizer", runs, inputs.authorizer_ms)
    builder.add(
        "DynamoDB reads", inputs.requests * average.read_units, "dynamodb_read_request_units"
    )
    builder.add(
        "DynamoDB writes", inputs.requests * average.write_units, "dynamodb_write_request_units"
    )
    builder.logs(average, runs)
    if inputs.stage.runtime.xray:
        builder.add("X-Ray traces", traces_recorded(inputs.requests), "xray_traces_recorded")
    builder.release(api, authorizer)
    return Estimate(api, authorizer, inputs.requests, average, builder.items)


class _Items:
    """Line items in the order they are priced, each taking what is left of its allowance."""

    def __init__(
        self, inputs: Inputs, prices: dict[str, Price], free: _FreeTier, ids: RequestIds
    ) -> None:
        self._inputs = inputs
        self._prices = prices
        self._free = free
        self._ids = ids
        self.items: list[LineItem] = []

    def add(
        self, name: str, quantity: float, price: str, allowance: str = "", original: bool = False
    ) -> None:
        free = self._free.take(allowance or price, quantity)
        self.items.append(LineItem(name, quantity, free, self._prices[price], original))

    def function(self, name: str, runs: float, duration_ms: float, original: bool = False) -> None:
        # Lambda bills each run's duration rounded up to the millisecond.
        gb_seconds = runs * math.ceil(duration_ms) / 1000 * self._inputs.memory_mb / 1024
        self.add(f"Lambda requests: {name}", runs, "lambda_requests", original=original)
        self.add(
            f"Lambda compute: {name}",
            gb_seconds,
            f"lambda_gb_seconds_{self._inputs.architecture}",
            "lambda_gb_seconds",
            original,
        )

    def release(self, api: str, authorizer: str) -> None:
        """What the packaged template's release settings add beside the traffic: warm
        environments, the WAF, alarms and the dashboard (aliases, canaries, API keys and
        usage plans are free)."""
        inputs, release = self._inputs, self._inputs.stage.release
        functions = [alarms.API_HANDLER] + ([alarms.AUTHORIZER] if authorizer == "lambda" else [])
        if release.provisioned_concurrency:
            environments = release.provisioned_concurrency * len(functions)
            self.add(
                f"Provisioned concurrency: {release.provisioned_concurrency} per function",
                environments * inputs.memory_mb / 1024 * MONTH_SECONDS,
                f"lambda_provisioned_gb_seconds_{inputs.architecture}",
            )
        if api == "rest" and release.waf:
            acl = edge.web_acl(inputs.stage)
            self.add("WAF: web ACL", 1, "waf_web_acls")
            self.add("WAF: rules", len(acl["Properties"]["Rules"]), "waf_rules")
            self.add("WAF: requests", inputs.requests, "waf_requests")
        template = {"Resources": dict.fromkeys(functions)}
        count = len(alarms.alarms(inputs.stage, template, api))
        self.add("CloudWatch alarms", count, "cloudwatch_alarms")
        self.add("CloudWatch dashboard", 1, "cloudwatch_dashboards")

    def logs(self, average: PerRequest, authorizer_runs: float) -> None:
        inputs, requests = self._inputs, self._inputs.requests
        xray = inputs.stage.runtime.xray
        handler = platform_log_bytes(inputs.memory_mb, inputs.duration_ms, xray, self._ids)
        # The authorizer prints nothing of its own for a token it accepts.
        authorizer = platform_log_bytes(inputs.memory_mb, inputs.authorizer_ms, xray, self._ids)
        for name, volume in (
            ("API handler", requests * (average.app_log_bytes + handler)),
            ("authorizer", authorizer_runs * authorizer),
            ("access log", requests * average.access_log_bytes),
        ):
            if volume:
                self.add(f"CloudWatch Logs: {name}", volume / BYTES_PER_GB, "logs_ingestion")


def parse_mix(text: str) -> dict[str, float]:
    """`get=40,list=40,…` into each operation's share of requests."""
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, equals, weight = (piece.strip() for piece in part.partition("="))
        if not equals or name not in OPERATIONS or name in weights:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r}: give each of {', '.join(OPERATIONS)} at most once, "
                "as name=weight, separated by commas"
            )
        try:
            weights[name] = number(float, 0, math.inf)(weight)
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentTypeError(f"{name}: {error}") from None
    total = sum(weights.values())
    if total <= 0:
        raise argparse.ArgumentTypeError("the weights must not all be 0")
    return {name: weight / total for name, weight in weights.items() if weight}


def number[N: (int, float)](
    convert: Callable[[str], N], low: float, high: float
) -> Callable[[str], N]:
    def parse(text: str) -> N:
        try:
            value = convert(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not from {low:g} to {high:g}")
        return value

    return parse
