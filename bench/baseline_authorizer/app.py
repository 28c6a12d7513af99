"""Baseline: the smallest Chalice authorizer doing our authorizer's work.

It verifies the same HS256 bearer token with PyJWT, with the same claim checks (exp,
iss, aud and sub required, 30 s of leeway, expiring within a day), and allows every
route for the subject.
"""

import os
import time

import jwt
from chalice import AuthResponse, Chalice
from chalice.app import AuthRequest

app = Chalice(app_name="baseline-authorizer")


@app.authorizer()
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
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
        return AuthResponse(routes=[], principal_id="unauthenticated")
    if claims["exp"] > time.time() + 86_400 + 30:
        return AuthResponse(routes=[], principal_id="unauthenticated")
    return AuthResponse(routes=["*"], principal_id=claims["sub"])
