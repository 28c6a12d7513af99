"""Baseline: the smallest Chalice authorizer doing our authorizer's work.

It verifies the same HS256 bearer token with PyJWT, with the same claim checks (exp,
iss, aud and sub required, 30 s of leeway, expiring within a day), allows every
route for the subject, and denies any other token with an explicit Deny of the
request's method, as ours does.
"""

import os
import time
from typing import Any

import jwt
from chalice import AuthResponse, Chalice
from chalice.app import AuthRequest

app = Chalice(app_name="baseline-authorizer")


def denied(auth_request: AuthRequest) -> dict[str, Any]:
    statement = {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": [auth_request.method_arn],
    }
    return {
        "principalId": "unauthenticated",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }


@app.authorizer()
def jwt_auth(auth_request: AuthRequest) -> AuthResponse | dict[str, Any]:
    token = auth_request.token.partition(" ")[2]
    try:
        claims = jwt.decode(
            token,
            key=os.environ["JWT_SECRET"],
            algorithms=["HS256"],
            audience=os.environ["JWT_AUDIENCE"],
            issuer=os.environ["JWT_ISSUER"],
            leeway=30,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.InvalidTokenError:
        return denied(auth_request)
    if claims["exp"] > time.time() + 86_400 + 30:
        return denied(auth_request)
    return AuthResponse(routes=["*"], principal_id=claims["sub"])
