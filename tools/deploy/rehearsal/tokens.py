"""The rehearsal's callers and their tokens, from the stage's own user pool in the emulator.

Each user signs in as the web client does: the hosted UI's authorization code grant with
PKCE, on the emulator's Cognito (MiniStack serves /oauth2/authorize, /login and
/oauth2/token, and signs its tokens RS256 with a key per pool that it keeps in its state
directory). The tokens no real sign-in gives, an expired one and one with a broken
signature, are made from a real one: re-signed with the pool's own key, or altered. A
script's token is signed with the stage's secret, as docs/deploy.md says scripts do on dev.
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from chalicelib.auth import READ_SCOPE, WRITE_SCOPE
from tools.deploy.iam import authorizer_accepts_hs256
from tools.deploy.rehearsal.emulator import Emulator
from tools.deploy.stage import DeployedStage
from tools.local.token import issue_token

# The rehearsal's users' password, in the emulator's pool alone.
PASSWORD = "Rehearsal-Passw0rd!"  # noqa: S105
TIMEOUT = 30


@dataclass(frozen=True)
class Pool:
    pool_id: str
    client_id: str
    redirect_url: str


def add_user(emulator: Emulator, pool: Pool, name: str) -> str:
    """A confirmed user of the pool; their email address, which they sign in with."""
    email = f"{name}@example.com"
    idp = emulator.client("cognito-idp")
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    idp.admin_create_user(
        UserPoolId=pool.pool_id, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    return email


def sign_in(emulator: Emulator, pool: Pool, email: str, scopes: tuple[str, ...]) -> str:
    """The access token the hosted UI's code grant with PKCE gives the user."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": pool.client_id,
        "redirect_uri": pool.redirect_url,
        "scope": " ".join(("openid", *scopes)),
        "code_challenge_method": "S256",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "state": secrets.token_urlsafe(8),
    }
    base = emulator.endpoint
    requests.get(f"{base}/oauth2/authorize", params=query, timeout=TIMEOUT).raise_for_status()
    form = {**query, "username": email, "password": PASSWORD}
    login = requests.post(f"{base}/login", data=form, allow_redirects=False, timeout=TIMEOUT)
    code = parse_qs(urlsplit(login.headers["Location"]).query)["code"][0]
    grant = {
        "grant_type": "authorization_code",
        "client_id": pool.client_id,
        "code": code,
        "redirect_uri": pool.redirect_url,
        "code_verifier": verifier,
    }
    answer = requests.post(f"{base}/oauth2/token", data=grant, timeout=TIMEOUT)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _pool_key(emulator: Emulator, pool: Pool, kid: str) -> Any:
    """The private key the emulator signs the pool's access tokens with (kid's)."""
    for path in (
        emulator.state_dir / "cognito-pool-keys" / f"{pool.pool_id}-access.pem",
        emulator.state_dir / "cognito-rsa-key.pem",
    ):
        if path.is_file():
            key = jwt.algorithms.RSAAlgorithm.from_jwk(_jwk_of(emulator, pool, kid))
            private = _load(path)
            if private.public_key().public_numbers() == key.public_numbers():  # type: ignore[union-attr]
                return private
    raise SystemExit(f"no key of the emulator's signs pool {pool.pool_id}'s tokens ({kid})")


def _jwk_of(emulator: Emulator, pool: Pool, kid: str) -> dict[str, Any]:
    url = f"{emulator.endpoint}/{pool.pool_id}/.well-known/jwks.json"
    keys = requests.get(url, timeout=TIMEOUT).json()["keys"]
    return next(dict(key) for key in keys if key["kid"] == kid)


def _load(path: Path) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), password=None)


def expired(emulator: Emulator, pool: Pool, token: str) -> str:
    """The token's claims, expired an hour ago, signed with the pool's own key."""
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    key = _pool_key(emulator, pool, kid)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def bad_signature(token: str) -> str:
    """The token with its signature's first characters changed."""
    head, _, signature = token.rpartition(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{head}.{flipped}{signature[1:]}"


def script_token(emulator: Emulator, stage: DeployedStage) -> str:
    """What a script signs with the stage's secret (HS256): dev takes it, prod must not."""
    parameter = emulator.client("ssm").get_parameter(
        Name=stage.secret_parameter, WithDecryption=True
    )["Parameter"]
    signing = {**stage.environment, "JWT_SECRET": parameter["Value"]}
    return issue_token("a-script", signing, scope=f"{READ_SCOPE} {WRITE_SCOPE}")


@dataclass(frozen=True)
class Callers:
    """The tokens the requests are made with."""

    owner: str
    other_owner: str
    read_only: str
    expired: str
    bad_signature: str
    script: str
    # Whether the stage's authorizer takes the script's HS256 token.
    script_accepted: bool


def callers(emulator: Emulator, pool: Pool, stage: DeployedStage) -> Callers:
    both = (READ_SCOPE, WRITE_SCOPE)
    owner, other = (add_user(emulator, pool, name) for name in ("alice", "bob"))
    token = sign_in(emulator, pool, owner, both)
    return Callers(
        owner=token,
        other_owner=sign_in(emulator, pool, other, both),
        read_only=sign_in(emulator, pool, owner, (READ_SCOPE,)),
        expired=expired(emulator, pool, token),
        bad_signature=bad_signature(token),
        script=script_token(emulator, stage),
        script_accepted=authorizer_accepts_hs256(stage),
    )
