"""API Gateway's own answers (its gateway responses), as the packaged REST API gives them
and as `make run` (tools.local.server) answers in its place."""

import json
from typing import Any

# The body of a path, or a method of a path, that the API does not have. In the template it
# is a mapping template: keep "$" and "#" out of it.
NOT_FOUND = {"message": "Nothing here: check the path and the method", "code": "NotFound"}
# On API Gateway's own 4XX and 5XX, the authorizer's 401 and 403 among them, as on the
# app's answers of authenticated routes (app.py): no cache may keep them, no browser sniff.
ERROR_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def gateway_responses(origin: str) -> dict[str, Any]:
    """API Gateway's own answers, readable by the stage's front end.

    MISSING_AUTHENTICATION_TOKEN is what API Gateway answers for a path, or a method
    of a path, that the API does not have: by default a 403 that quotes the request's
    Authorization header back. Here it is the 404 that `make run` answers an unknown path
    with (tools.local.server), in the app's error shape, echoing nothing.
    """
    cors = {"gatewayresponse.header.Access-Control-Allow-Origin": origin}
    errors = {
        f"gatewayresponse.header.{name}": f"'{value}'" for name, value in ERROR_HEADERS.items()
    }
    not_found = json.dumps(NOT_FOUND, separators=(",", ":"))
    return {
        **{
            kind: {"responseParameters": {**cors, **errors}}
            for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
        },
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": 404,
            "responseParameters": {
                **cors,
                "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
            },
            "responseTemplates": {"application/json": not_found},
        },
    }
