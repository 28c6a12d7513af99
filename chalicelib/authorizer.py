"""The authorizer's Lambda function: a Chalice Blueprint, so its handler is this module.

Chalice gives a Blueprint's functions handlers in the Blueprint's own module
(`chalicelib.authorizer.jwt_auth`), so the authorizer's Lambda never imports app.py or any
module only routes use: its cold start pays for Chalice, this module and, with the first
token, chalicelib.auth and what verifying needs.
tests/integration/chalicelib/test_cold_imports.py holds it to that.
"""

import logging
from typing import Any

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest, ChaliceAuthorizer

# The Lambda runtime leaves the root logger at WARNING: without this, the authorizer's
# "rejected a bearer token: <reason>" and JWKS fetch lines would be dropped.
logging.getLogger("chalicelib").setLevel(logging.INFO)

blueprint = Blueprint(__name__)


@blueprint.authorizer()
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    # Imported on the first token: the API handler imports this module to register its
    # routes' authorizer, and never verifies a token.
    from chalicelib import auth

    return auth.authorize(auth_request)


class JwtAuthorizer(ChaliceAuthorizer):
    """Chalice's authorizer, made never to raise: an exception would be a 500 on API Gateway
    and a dropped connection under `chalice local`.

    Chalice reads `type`, `authorizationToken` and `methodArn` with no check of its own: an
    event it could not read is denied here first, and so is one whose verification fails
    for want of configuration, or at all. Only the public `__call__` is overridden.
    """

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        from chalicelib import auth

        problem = auth.event_problem(event)
        if problem is not None:
            return auth.refused(event, problem)
        try:
            answer: dict[str, Any] = super().__call__(event, context)
        except Exception as error:
            return auth.failed(event, error)
        return answer


# Chalice builds the object its decorator returns; this makes it the subclass above.
jwt_auth.__class__ = JwtAuthorizer
