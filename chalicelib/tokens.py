"""Bearer JWT verification: HS256 with the stage secret, or RS256/ES256 from an OIDC issuer.

A stage that names no OIDC issuer accepts HS256 only. A stage that names one accepts
RS256 and ES256 tokens verified with the issuer's published keys, and HS256 tokens only
if ACCEPT_HS256_WITH_OIDC is true. Each kind is verified with its own algorithm allowlist
and its own key, so no token can have its signature checked with the other kind's key:
an HS256 "signature" made with an issuer's public key meets the stage secret, and an
`alg` of none, HS384 or any other is rejected before any key is looked up.
"""

import time
from typing import Any

import jwt

from chalicelib import jwks, settings
from chalicelib.errors import ConfigurationError
from chalicelib.signing import signing_secret
from chalicelib.subjects import Claims

HS256 = "HS256"
# Tolerated clock difference between the token's issuer and this function.
LEEWAY_SECONDS = 30
# The longest an HS256 token may still be valid for. Whoever holds the stage secret can
# mint tokens; a bound means a leaked token (or one minted by mistake with a long `exp`)
# stops working within a day, the longest access-token lifetime Amazon Cognito allows.
# OIDC issuers set their own lifetimes and rotate their own keys.
MAX_HS256_LIFETIME_SECONDS = 24 * 60 * 60
# What every token with an audience must carry: HS256 ones and most OIDC issuers'.
AUDIENCE_CLAIMS = ["exp", "iss", "aud", "sub"]
# Amazon Cognito access tokens carry the app client in "client_id" and have no "aud".
COGNITO_ACCESS_CLAIMS = ["exp", "iss", "sub", "client_id", "token_use"]
COGNITO_ACCESS_TOKEN_USE = "access"  # noqa: S105 - a claim value, not a secret
# The claims RFC 7519 makes NumericDates: JSON numbers. PyJWT also takes a string of
# digits ("exp": "1796000000"), which no issuer sends and the lifetime bound cannot compare.
NUMERIC_DATES = ("exp", "nbf", "iat")


class LifetimeTooLong(jwt.InvalidTokenError):
    """An HS256 token that expires more than MAX_HS256_LIFETIME_SECONDS from now."""


class MissingKeyId(jwt.InvalidTokenError):
    """An RS256/ES256 token without a `kid` header: no key can be chosen for it."""


class WrongTokenUse(jwt.InvalidTokenError):
    """A Cognito token that is not an access token (an ID token, say)."""


class WrongClient(jwt.InvalidTokenError):
    """A Cognito access token issued to another app client."""


class DateNotNumeric(jwt.InvalidTokenError):
    """A token whose exp, nbf or iat is not a JSON number."""


class CryptographyMissing(ConfigurationError):
    """An OIDC stage deployed without the cryptography package RS256 and ES256 need."""


def verified_claims(token: str) -> Claims:
    """The claims of a token this stage accepts; raises jwt.PyJWTError for any other."""
    oidc = settings.oidc_settings()
    if oidc is None:
        return _hs256_claims(token)
    header = jwt.get_unverified_header(token)
    if header.get("alg") == HS256 and oidc.accept_hs256:
        return _hs256_claims(token)
    return _oidc_claims(token, header, oidc)


def _hs256_claims(token: str) -> Claims:
    token_settings = settings.token_settings()
    claims = _decoded(
        token,
        key=signing_secret(token_settings),
        algorithms=[HS256],
        audience=token_settings.audience,
        issuer=token_settings.issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": AUDIENCE_CLAIMS},
    )
    if claims["exp"] > time.time() + MAX_HS256_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise LifetimeTooLong("the token expires more than 24 hours from now")
    return claims


def _oidc_claims(token: str, header: dict[str, Any], oidc: settings.OidcSettings) -> Claims:
    if header.get("alg") not in jwks.ALGORITHMS:
        raise jwt.InvalidAlgorithmError("The specified alg value is not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MissingKeyId("the token has no kid header")
    if not jwt.algorithms.has_crypto:
        raise CryptographyMissing("OIDC_ISSUER is set but the cryptography package is missing")
    claims = _decoded(
        token,
        key=jwks.signing_keys(oidc.jwks_url).key(kid),
        algorithms=list(jwks.ALGORITHMS),
        audience=oidc.audience,
        issuer=oidc.issuer,
        leeway=LEEWAY_SECONDS,
        options={
            "require": AUDIENCE_CLAIMS if oidc.client_id is None else COGNITO_ACCESS_CLAIMS,
            "verify_aud": oidc.client_id is None,
            "enforce_minimum_key_length": True,
        },
    )
    if oidc.client_id is not None:
        _check_cognito_access_token(claims, oidc.client_id)
    return claims


def _decoded(token: str, **options: Any) -> Claims:
    """jwt.decode's claims, whose NumericDates are numbers."""
    claims: Claims = jwt.decode(token, **options)
    for name in NUMERIC_DATES:
        if name in claims and type(claims[name]) not in (int, float):  # bool is no date either
            raise DateNotNumeric(f"{name} is not a number")
    return claims


def _check_cognito_access_token(claims: Claims, client_id: str) -> None:
    if claims["token_use"] != COGNITO_ACCESS_TOKEN_USE:
        raise WrongTokenUse("token_use is not access")
    if claims["client_id"] != client_id:
        raise WrongClient("client_id is not this API's app client")
