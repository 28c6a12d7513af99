"""API Gateway's own answers in the packaged REST API (tools.deploy.package.gateway)."""

from tools.deploy.package.gateway import gateway_responses

ORIGIN = "'https://todo.example.com'"


def test_the_gateways_own_errors_are_kept_by_no_cache_and_never_sniffed():
    """Its 4XX include the authorizer's 401 and 403, answers of authenticated routes."""
    responses = gateway_responses(ORIGIN)
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert responses[kind]["responseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": ORIGIN,
            "gatewayresponse.header.Cache-Control": "'no-store'",
            "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
        }
