"""HS256 tokens of the local stage, good and bad, as a client or a forger would send them."""

import time

import jwt

from tests.support.identity import signing_input
from tests.support.stages import LOCAL

NOW = int(time.time())


def claims(**overrides):
    base = {
        "sub": "alice",
        "iss": LOCAL["JWT_ISSUER"],
        "aud": LOCAL["JWT_AUDIENCE"],
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 600,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload, key=LOCAL["JWT_SECRET"], algorithm="HS256", headers=None):
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def unsigned(payload):
    """A token with alg "none": a forger's favourite."""
    return signing_input({"alg": "none", "typ": "JWT"}, payload) + "."


def list_with(client, authorization):
    return client.http.get("/todos", headers={"Authorization": authorization})


# JSON can spell it ("\\ud800"); no UTF-8 store can hold it.
LONE_SURROGATE = "alice\ud800"
REJECTED = {
    "expired": lambda: f"Bearer {signed(claims(exp=NOW - 120))}",
    "not yet valid": lambda: f"Bearer {signed(claims(nbf=NOW + 600))}",
    "signed with another key": lambda: f"Bearer {signed(claims(), key='x' * 48)}",
    "alg none": lambda: f"Bearer {unsigned(claims())}",
    "alg none, signature kept": lambda: (
        "Bearer " + unsigned(claims()) + signed(claims()).rsplit(".", 1)[1]
    ),
    "HS512": lambda: f"Bearer {signed(claims(), algorithm='HS512')}",
    "wrong issuer": lambda: f"Bearer {signed(claims(iss='someone-else'))}",
    "wrong audience": lambda: f"Bearer {signed(claims(aud='another-api'))}",
    "no expiry": lambda: f"Bearer {signed(claims(exp=None))}",
    "no subject": lambda: f"Bearer {signed(claims(sub=None))}",
    "empty subject": lambda: f"Bearer {signed(claims(sub=''))}",
    "overlong subject": lambda: f"Bearer {signed(claims(sub='s' * 257))}",
    "non-string subject": lambda: f"Bearer {signed(claims(sub=42))}",
    "subject not valid Unicode": lambda: f"Bearer {signed(claims(sub=LONE_SURROGATE))}",
    "expires in ten years": lambda: f"Bearer {signed(claims(exp=NOW + 10 * 365 * 86_400))}",
    # PyJWT takes each of these; RFC 7519's NumericDate is a JSON number.
    "expiry a numeric string": lambda: f"Bearer {signed(claims(exp=str(NOW + 600)))}",
    "not-before a numeric string": lambda: f"Bearer {signed(claims(nbf=str(NOW)))}",
    "issued-at a numeric string": lambda: f"Bearer {signed(claims(iat=str(NOW)))}",
    "expiry true": lambda: f"Bearer {signed(claims(exp=True))}",
    "no issuer": lambda: f"Bearer {signed(claims(iss=None))}",
    "no audience": lambda: f"Bearer {signed(claims(aud=None))}",
    "malformed": lambda: "Bearer not.a.token",
    "garbage": lambda: "Bearer %%%",
    "two segments": lambda: "Bearer abc.def",
    "not bearer": lambda: f"Basic {signed(claims())}",
    "bearer without token": lambda: "Bearer ",
    "bare token": lambda: signed(claims()),
    "header not JSON": lambda: "Bearer bm90IGpzb24.e30.c2ln",
}
