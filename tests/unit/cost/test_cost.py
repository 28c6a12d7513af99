"""tools.cost.report: a stage's monthly cost, from its config, the code and tools/prices.json."""

import dataclasses
import json
import re

import pytest

from chalicelib.model import NewTodo, create_todo
from tools.cost import estimate, prices, report, usage
from tools.deploy.stage import load_stage

# prod as an HS256 stage, whose HTTP API keeps the authorizer Lambda: the authorizer's
# lines are priced on it. prod itself has a user pool (tools.deploy.user_pool), so its HTTP API
# has API Gateway's JWT authorizer (see the gateway tests).
PROD = dataclasses.replace(load_stage("prod"), identity="secret", function_variables={})
PRICES = prices.load_prices()
# The original example: 5M requests, 512 MB, 500 ms, x86_64, HTTP API, free tier, 1 KB.
SEED = {
    "requests": 5_000_000,
    "memory_mb": 512,
    "duration_ms": 500.0,
    "architecture": "x86_64",
    "free_tier": True,
    "response_kb": 1.0,
}
SEED_ARGS = [
    *("--requests", "5000000", "--memory-mb", "512", "--duration-ms", "500"),
    *("--arch", "x86_64", "--api", "http", "--free-tier", "1", "--response-kb", "1"),
]


def costs(api="http", stage=PROD, **given):
    priced = estimate.estimate(estimate.inputs_for(stage, **given), PRICES, api)
    return {item.name: round(item.cost, 2) for item in priced.items}


def item(api="http", name="API Gateway: HTTP API requests", **given):
    priced = estimate.estimate(estimate.inputs_for(PROD, **given), PRICES, api)
    return next(i for i in priced.items if i.name == name)


class TestTheOriginalExample:
    def test_its_four_line_items_come_out_as_it_says(self):
        found = costs(**SEED)
        assert found["Lambda requests: API handler"] == 0.80
        assert found["Lambda compute: API handler"] == 14.17
        assert found["API Gateway: HTTP API requests"] == 4.00
        assert found["Data transfer out"] == 0.45

    def test_the_command_prints_them_apart_from_what_this_api_adds(self, capsys):
        # prod's HTTP API has API Gateway's JWT authorizer; price the Lambda one here.
        report.main([*SEED_ARGS, "--authorizer", "lambda"])
        out = capsys.readouterr().out
        original, _, added = out.partition("What this API adds:")
        for name, price in [
            ("Lambda requests: API handler", "$0.80"),
            ("Lambda compute: API handler", "$14.17"),
            ("API Gateway: HTTP API requests", "$4.00"),
            ("Data transfer out", "$0.45"),
        ]:
            assert re.search(rf"{re.escape(name)} .* {re.escape(price)}$", original, re.M)
        assert "$19.42" in original
        assert "Lambda requests: authorizer" in added
        assert "DynamoDB writes" in added
        assert "CloudWatch Logs: API handler" in added

    def test_data_transfer_counts_decimal_gigabytes_and_no_free_100_gb(self):
        transfer = item(name="Data transfer out", **SEED)
        assert transfer.quantity == pytest.approx(5.0)
        assert transfer.free == 0
        credited = item(name="Data transfer out", **SEED, transfer_free_gb=100.0)
        assert credited.cost == 0


class TestTheFreeTier:
    def test_without_it_every_request_and_gb_second_is_billed(self):
        found = costs(**{**SEED, "free_tier": False})
        assert found["Lambda requests: API handler"] == 1.00
        assert found["Lambda compute: API handler"] == 20.83
        assert found["API Gateway: HTTP API requests"] == 5.00

    def test_the_authorizer_gets_what_the_api_handler_left(self):
        small = {**SEED, "requests": 500_000, "duration_ms": 10.0}
        authorizer = item(name="Lambda requests: authorizer", **small)
        assert authorizer.quantity == 50_000
        assert authorizer.cost == 0
        assert item(name="Lambda requests: authorizer", **SEED).free == 0


class TestLambda:
    def test_arm64_costs_less_than_x86_64(self):
        arm = item(name="Lambda compute: API handler", architecture="arm64")
        x86 = item(name="Lambda compute: API handler", architecture="x86_64")
        assert arm.quantity == x86.quantity
        assert arm.cost < x86.cost

    def test_a_run_is_billed_by_the_millisecond_rounded_up(self):
        compute = item(name="Lambda compute: API handler", duration_ms=0.2, requests=1_000_000)
        assert compute.quantity == pytest.approx(1_000_000 * 0.001 * PROD.runtime.memory_mb / 1024)

    def test_the_stage_gives_memory_and_architecture_unless_told(self):
        inputs = estimate.inputs_for(PROD)
        assert (inputs.memory_mb, inputs.architecture) == (1024, "arm64")
        assert estimate.inputs_for(PROD, memory_mb=512).memory_mb == 512


class TestTheGateway:
    def test_rest_costs_3_50_and_http_1_00_per_million_requests(self):
        rest = item("rest", "API Gateway: REST API requests", requests=1_000_000)
        http = item("http", "API Gateway: HTTP API requests", requests=1_000_000)
        assert (rest.cost, http.cost) == (pytest.approx(3.50), pytest.approx(1.00))

    def test_http_meters_a_600_kb_response_as_two_requests(self):
        http = item("http", "API Gateway: HTTP API requests", requests=1_000, response_kb=600.0)
        rest = item("rest", "API Gateway: REST API requests", requests=1_000, response_kb=600.0)
        assert (http.quantity, rest.quantity) == (2_000, 1_000)

    def test_the_authorizer_runs_once_per_token_window(self):
        runs = item(name="Lambda requests: authorizer", requests_per_token_window=20.0)
        assert runs.quantity == estimate.DEFAULT_REQUESTS / 20

    def test_the_jwt_authorizer_runs_no_lambda(self):
        found = costs(authorizer="jwt")
        assert "Lambda requests: authorizer" not in found
        assert "CloudWatch Logs: authorizer" not in found
        assert "Lambda requests: authorizer" in costs("rest", authorizer="jwt")

    def test_a_cognito_stage_on_an_http_api_uses_the_jwt_authorizer_it_is_packaged_with(self):
        cognito = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1"
        oidc = dataclasses.replace(PROD, environment={**PROD.environment, "OIDC_ISSUER": cognito})
        assert estimate.authorizer_for("http", estimate.inputs_for(oidc)) == "jwt"
        other = {**PROD.environment, "OIDC_ISSUER": "https://issuer.example.com"}
        other_issuer = dataclasses.replace(PROD, environment=other)
        assert estimate.authorizer_for("http", estimate.inputs_for(other_issuer)) == "lambda"
        assert estimate.authorizer_for("rest", estimate.inputs_for(oidc)) == "lambda"
        assert estimate.authorizer_for("http", estimate.inputs_for(PROD)) == "lambda"
        assert estimate.authorizer_for("http", estimate.inputs_for(load_stage("prod"))) == "jwt"
        # dev also accepts HS256 tokens: its HTTP API keeps the authorizer Lambda.
        assert estimate.authorizer_for("http", estimate.inputs_for(load_stage("dev"))) == "lambda"
        both = {**oidc.environment, "ACCEPT_HS256_WITH_OIDC": "true"}
        mixed = dataclasses.replace(oidc, environment=both)
        assert estimate.authorizer_for("http", estimate.inputs_for(mixed)) == "lambda"


class TestDynamoDB:
    @pytest.mark.parametrize(
        ("operation", "units"),
        [
            # One strongly consistent GetItem of an item under 4 KiB.
            ("get", usage.Units(read=1, write=0)),
            # One eventually consistent Query: 20 small todos fit in one 4 KiB unit, halved.
            ("list", usage.Units(read=0.5, write=0)),
            ("create", usage.Units(read=0, write=1)),
            # A transaction of two Puts (record and todo), each at twice the units.
            ("idempotent_create", usage.Units(read=0, write=4)),
            ("update", usage.Units(read=0, write=1)),
            ("delete", usage.Units(read=0, write=1)),
        ],
    )
    def test_each_operation_consumes_what_its_store_request_does(self, operation, units):
        assert usage.perform(operation).units == units

    def test_an_idempotent_create_pays_twice_for_each_of_its_two_items(self, monkeypatch):
        # A todo of 1,000 characters is over 1 KiB, and so is its record, which holds it.
        monkeypatch.setattr(usage, "TEXT", "x" * 1000)
        assert usage.perform("create").units.write == 2
        assert usage.perform("idempotent_create").units.write == 2 * (2 + 2)

    def test_a_list_reads_its_items_together_in_4_kib_units(self):
        todo_bytes = usage.item_bytes(usage._stored_item(create_todo(NewTodo(text=usage.TEXT))))
        items = 51
        expected = -(-items * todo_bytes // 4096) / 2
        assert expected > 1
        assert usage.perform("list", page_items=items).units.read == expected

    def test_a_query_reads_at_most_its_limit_and_an_empty_one_still_costs(self):
        read = usage.perform("list", page_items=51).units.read
        assert usage.perform("list", page_items=500).units.read == read
        assert usage.perform("list", page_items=0).units.read == 0.5

    def test_item_sizes_follow_dynamodbs_rules(self):
        item = {
            "ownerId": {"S": "alice"},  # 7 + 5
            "checked": {"BOOL": True},  # 7 + 1
            "version": {"N": "12345"},  # 7 + 3 digits' bytes + 1
            "todo": {"M": {"text": {"S": "ab"}}},  # 4 + 3 + (4 + 2 + 1)
        }
        assert usage.item_bytes(item) == 12 + 8 + 11 + 14

    def test_writes_round_up_to_1_kib_and_reads_to_4_kib(self):
        assert (usage.write_units(1024), usage.write_units(1025)) == (1, 2)
        assert usage.read_units(4097, consistent=True) == 2
        assert usage.read_units(4097, consistent=False) == 1


def the_request_line(printed):
    lines = [json.loads(line) for line in printed.splitlines()]
    return next(line for line in lines if line.get("type") == "request")


@pytest.fixture
def a_todo(client, auth_headers):
    response = client.http.post(
        "/todos", headers=auth_headers("alice"), body=json.dumps({"text": usage.TEXT})
    )
    return response.json_body["todoId"]


def request(client, headers, operation, todo_id):
    """One request of the operation, as a client would make it."""
    body = json.dumps({"text": usage.TEXT})
    calls = {
        "get": lambda: client.http.get(f"/todos/{todo_id}", headers=headers),
        "list": lambda: client.http.get("/todos", headers=headers),
        "create": lambda: client.http.post("/todos", headers=headers, body=body),
        "idempotent_create": lambda: client.http.post(
            "/todos", headers={**headers, "Idempotency-Key": "k-1"}, body=body
        ),
        "update": lambda: client.http.put(
            f"/todos/{todo_id}", headers=headers, body=b'{"checked": true}'
        ),
        "delete": lambda: client.http.delete(f"/todos/{todo_id}", headers=headers),
    }
    return calls[operation]()


class TestWhatTheCodeWrites:
    @pytest.mark.parametrize("operation", usage.OPERATIONS)
    def test_the_log_size_is_what_a_real_request_prints(
        self, client, auth_headers, a_todo, capfd, operation
    ):
        capfd.readouterr()
        request(client, auth_headers("alice"), operation, a_todo)
        printed = capfd.readouterr().out
        line = the_request_line(printed)
        ids = usage.RequestIds(line["requestId"], line["lambdaRequestId"], line["traceId"])
        modelled = usage.app_log_bytes(operation, load_stage("local"), ids)
        # Only the digits of the latency and the cold start flag may differ.
        assert abs(modelled - len(printed.encode())) <= 8

    @pytest.mark.parametrize("operation", usage.OPERATIONS)
    def test_the_response_size_is_what_a_real_request_returns(
        self, client, auth_headers, a_todo, operation
    ):
        response = request(client, auth_headers("alice"), operation, a_todo)
        assert response.status_code < 300
        assert usage.body_bytes(usage.perform(operation, page_items=1).body) == len(response.body)

    def test_the_log_size_follows_the_stage_and_the_gateway(self):
        rest, http = usage.LAMBDA_IDS["rest"], usage.LAMBDA_IDS["http"]
        local = usage.app_log_bytes("get", load_stage("local"), rest)
        # The stage is named in the request line and in the metrics' Stage dimension.
        assert usage.app_log_bytes("get", PROD, rest) == local - 2 * (len("local") - len("prod"))
        shorter = len(rest.request_id) - len(http.request_id)
        assert (
            usage.app_log_bytes("get", PROD, http)
            == usage.app_log_bytes("get", PROD, rest) - shorter
        )


class TestTheCommand:
    def test_without_options_it_prices_prod_on_rest_and_http_side_by_side(self, capsys):
        report.main([])
        out = capsys.readouterr().out
        assert "stage prod: 1024 MB arm64" in out
        assert re.search(r"REST quantity +REST cost +HTTP quantity +HTTP cost", out)
        assert f"as of {PRICES.as_of}" in out
        totals = re.search(r"^Per million requests +\$(\S+) +\$(\S+)$", out, re.M)
        assert totals is not None
        rest, http = map(float, totals.groups())
        assert rest > http > 0

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--mix", "get=forty"], "'forty' is not a number"),
            (["--mix", "get"], "as name=weight"),
            (["--mix", "fetch=10"], "as name=weight"),
            (["--mix", "get=0"], "must not all be 0"),
            (["--api", "soap"], "invalid choice: 'soap'"),
            (["--requests", "-5"], "'-5' is not from 1"),
            (["--api", "rest", "--authorizer", "jwt"], "REST APIs have no JWT authorizer"),
            (["--transfer-free-gb", "200"], "at most 100 GB"),
            (["--stage", "staging"], "unknown stage 'staging'"),
        ],
    )
    def test_a_bad_input_is_a_message_and_an_error_exit(self, capsys, args, message):
        with pytest.raises(SystemExit) as exit_:
            report.main(args)
        printed = capsys.readouterr().err + str(exit_.value.code)
        assert exit_.value.code != 0
        assert message in printed
        assert "Traceback" not in printed

    def test_a_quantity_past_the_first_price_tier_is_flagged(self, capsys):
        report.main(["--api", "http", "--requests", "400000000"])
        assert "Note: API Gateway: HTTP API requests passes 300,000,000" in capsys.readouterr().out


def test_every_price_and_allowance_names_its_source_and_date():
    entries = [*PRICES.prices.values(), *PRICES.free_tier.values()]
    assert all(entry.source.startswith("https://") for entry in entries)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.as_of) for entry in entries)
    assert PRICES.prices["dynamodb_write_request_units"].usd == 0.625
    assert PRICES.prices["dynamodb_read_request_units"].usd == 0.125


def test_x_ray_records_the_reservoir_and_5_percent_of_the_rest():
    assert usage.traces_recorded(1_000) == pytest.approx(1_000, rel=0.01)
    busy = usage.traces_recorded(1_000_000_000)
    assert busy == pytest.approx(usage.MONTH_SECONDS + 0.05 * (1e9 - usage.MONTH_SECONDS))


class TestWhatTheReleasePackagingAdds:
    def test_provisioned_concurrency_bills_each_function_all_month(self):
        priced = estimate.estimate(estimate.inputs_for(PROD), PRICES, "rest")
        (warm,) = [i for i in priced.items if i.name.startswith("Provisioned concurrency")]
        environments = PROD.release.provisioned_concurrency * 2
        memory_gb = PROD.runtime.memory_mb / 1024
        assert warm.quantity == pytest.approx(environments * memory_gb * 730 * 3600)
        assert warm.price == PRICES.prices["lambda_provisioned_gb_seconds_arm64"]

    def test_the_waf_is_priced_on_the_rest_api_of_a_stage_that_has_one(self):
        rest, http = costs("rest"), costs("http")
        assert rest["WAF: web ACL"] == 5.0
        assert rest["WAF: rules"] == 3.0
        assert rest["WAF: requests"] == pytest.approx(0.6 * estimate.DEFAULT_REQUESTS / 1e6)
        assert not [name for name in http if name.startswith("WAF")]

    def test_a_cheap_stage_pays_for_its_alarms_and_dashboard_only(self):
        dev = costs("rest", stage=load_stage("dev"))
        assert not [n for n in dev if n.startswith(("WAF", "Provisioned"))]
        assert dev["CloudWatch alarms"] == pytest.approx(0.9)
        assert dev["CloudWatch dashboard"] == 3.0

    def test_the_free_tier_covers_ten_alarms_and_three_dashboards(self):
        free = costs("rest", free_tier=True)
        assert (free["CloudWatch alarms"], free["CloudWatch dashboard"]) == (0, 0)
