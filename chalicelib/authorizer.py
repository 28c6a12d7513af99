"""The authorizer's Lambda function: a Chalice Blueprint, so its handler is this module.

Chalice gives a Blueprint's functions handlers in the Blueprint's own module
(`chalicelib.authorizer.jwt_auth`), so the authorizer's Lambda never imports app.py or any
module only routes use: its cold start pays for Chalice, this module and, with the first
token, chalicelib.auth and what verifying needs.
tests/integration/chalicelib/test_cold_imports.py holds it to that.
"""

import logging

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest

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
