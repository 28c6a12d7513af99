"""The Lambda authorizer: verifies the bearer JWT and names its subject as the principal.

Every token that fails verification is denied with an empty policy, which API Gateway,
`chalice local` and Chalice's test client all answer with 403. (Raising "Unauthorized"
would give 401 on API Gateway, but `chalice local` drops the connection and the test
client lets the exception escape.) A request with no Authorization header never
reaches this code: the gateway answers 401 itself.
"""

import logging

import jwt
from chalice import AuthResponse
from chalice.app import AuthRequest

from chalicelib import settings
from chalicelib.signing import signing_secret

logger = logging.getLogger(__name__)

# The allowlist PyJWT checks the token's "alg" header against: never "none", and
# never an asymmetric algorithm whose public key could be mistaken for the secret.
ALGORITHMS = ["HS256"]
# Tolerated clock difference between the token's issuer and this function.
LEEWAY_SECONDS = 30
# The subject becomes a DynamoDB partition key, which must stay well under 2 KB.
MAX_SUBJECT_LENGTH = 256
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
_DENIED_PRINCIPAL = "unauthenticated"


def _bearer_token(header_value: str) -> str | None:
    scheme, _, token = header_value.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def verified_subject(header_value: str) -> str | None:
    """The subject of a valid bearer token in an Authorization header, else None."""
    token = _bearer_token(header_value)
    if token is None:
        return None
    token_settings = settings.token_settings()
    try:
        claims = jwt.decode(
            token,
            key=signing_secret(token_settings),
            algorithms=ALGORITHMS,
            audience=token_settings.audience,
            issuer=token_settings.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError as error:
        # The reason helps whoever debugs a client; the token itself is never logged.
        logger.info("rejected a bearer token: %s", type(error).__name__)
        return None
    subject = claims["sub"]
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        logger.info("rejected a bearer token: unusable subject")
        return None
    return subject


def authorize(request: AuthRequest) -> AuthResponse:
    subject = verified_subject(request.token)
    if subject is None:
        return AuthResponse(routes=[], principal_id=_DENIED_PRINCIPAL)
    # All routes, so that API Gateway's cached decision fits whichever route comes next.
    return AuthResponse(routes=["*"], principal_id=subject)
