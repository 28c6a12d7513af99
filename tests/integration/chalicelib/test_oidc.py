"""OIDC tokens (RS256/ES256 from an issuer's JWKS) through the HTTP surface, and which
kinds of token each kind of stage accepts."""

import logging

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from chalicelib import jwks, tokens
from tests.support.identity import (
    ATTACKER_RSA_KEY,
    AUDIENCE,
    EC_KEY,
    ISSUER,
    RSA_KEY,
    bearer,
    forged_hs256,
    jwks_server,
    oidc_claims,
    oidc_environment,
    oidc_token,
    public_jwk,
    segment,
    signing_input,
    unsigned,
)
from tests.support.stages import LOCAL
from tests.support.tokens import claims as hs256_claims
from tests.support.tokens import signed as hs256_signed

# An OIDC issuer's JWKS served on 127.0.0.1.


def status_of(client, token, method="GET", path="/todos"):
    body = b'{"text": "t"}' if method == "POST" else None
    return client.http.request(method, path, headers=bearer(token), body=body).status_code


def rsa_public_pem() -> bytes:
    return RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class TestValidTokens:
    def test_an_rs256_token_is_accepted(self, client, issuer):
        assert status_of(client, oidc_token(RSA_KEY, "rsa-1", "RS256")) == 200

    def test_an_es256_token_is_accepted(self, client, issuer):
        assert status_of(client, oidc_token(EC_KEY, "ec-1", "ES256")) == 200

    def test_the_principal_is_the_subject(self, client, issuer):
        carol = oidc_token(sub="carol")
        created = client.http.post("/todos", headers=bearer(carol), body=b'{"text": "x"}')
        assert created.status_code == 201
        path = f"/todos/{created.json_body['todoId']}"
        assert status_of(client, carol, path=path) == 200
        assert status_of(client, oidc_token(sub="dave"), path=path) == 404

    def test_a_token_listing_several_audiences_is_accepted(self, client, issuer):
        assert status_of(client, oidc_token(aud=["another-api", AUDIENCE])) == 200

    def test_clock_skew_is_tolerated_up_to_the_leeway(self, client, issuer):
        assert tokens.LEEWAY_SECONDS == 30
        assert status_of(client, oidc_token(exp=_now() - 10, nbf=_now() + 10)) == 200

    def test_an_issuer_with_or_without_trailing_slash_must_match_exactly(
        self, client, issuer, monkeypatch
    ):
        monkeypatch.setenv("OIDC_ISSUER", ISSUER.rstrip("/"))
        assert status_of(client, oidc_token()) == 403


def _now() -> int:
    return oidc_claims()["iat"]


# What each forgery or mistake is rejected for: the reason logged proves which check caught it.
REJECTED = {
    "expired beyond the leeway": ("ExpiredSignatureError", lambda: oidc_token(exp=_now() - 120)),
    "not yet valid": ("ImmatureSignatureError", lambda: oidc_token(nbf=_now() + 600)),
    "wrong issuer": (
        "InvalidIssuerError",
        lambda: oidc_token(iss="https://other-issuer.example.test/"),
    ),
    "no issuer": ("MissingRequiredClaimError", lambda: oidc_token(iss=None)),
    "wrong audience": ("InvalidAudienceError", lambda: oidc_token(aud="another-api")),
    "no audience": ("MissingRequiredClaimError", lambda: oidc_token(aud=None)),
    "no expiry": ("MissingRequiredClaimError", lambda: oidc_token(exp=None)),
    "expiry a numeric string": ("DateNotNumeric", lambda: oidc_token(exp=str(_now() + 600))),
    "not-before a numeric string": ("DateNotNumeric", lambda: oidc_token(nbf=str(_now()))),
    "no subject": ("MissingRequiredClaimError", lambda: oidc_token(sub=None)),
    "overlong subject": ("unusable subject", lambda: oidc_token(sub="s" * 257)),
    "signed by another key under a known kid": (
        "InvalidSignatureError",
        lambda: oidc_token(ATTACKER_RSA_KEY, "rsa-1"),
    ),
    "RS256 header on the EC key": (
        "InvalidAlgorithmError",
        lambda: oidc_token(RSA_KEY, "ec-1", "RS256"),
    ),
    "ES256 header on the RSA key": (
        "InvalidAlgorithmError",
        lambda: oidc_token(EC_KEY, "rsa-1", "ES256"),
    ),
    "RS512": ("InvalidAlgorithmError", lambda: oidc_token(RSA_KEY, "rsa-1", "RS512")),
    "PS256": ("InvalidAlgorithmError", lambda: oidc_token(RSA_KEY, "rsa-1", "PS256")),
    "no kid": ("MissingKeyId", lambda: jwt.encode(oidc_claims(), RSA_KEY, algorithm="RS256")),
    "alg none": ("InvalidAlgorithmError", lambda: unsigned(oidc_claims(), kid="rsa-1")),
    "alg none, RS256 signature kept": (
        "InvalidAlgorithmError",
        lambda: unsigned(oidc_claims(), kid="rsa-1") + oidc_token().rsplit(".", 1)[1],
    ),
    "HS256 keyed with the RSA public key PEM": (
        "InvalidAlgorithmError",
        lambda: forged_hs256(oidc_claims(), rsa_public_pem(), kid="rsa-1"),
    ),
    "HS256 keyed with the RSA public JWK": (
        "InvalidAlgorithmError",
        lambda: forged_hs256(
            oidc_claims(),
            jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key()).encode(),
            "rsa-1",
        ),
    ),
    "HS256 keyed with the EC public key PEM": (
        "InvalidAlgorithmError",
        lambda: forged_hs256(
            oidc_claims(),
            EC_KEY.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            kid="ec-1",
        ),
    ),
    "the stage's own HS256 token": (
        "InvalidAlgorithmError",
        lambda: hs256_signed(hs256_claims()),
    ),
    "attacker key embedded in a jwk header": (
        "InvalidSignatureError",
        lambda: oidc_token(
            ATTACKER_RSA_KEY, "rsa-1", headers={"jwk": public_jwk(ATTACKER_RSA_KEY, "rsa-1")}
        ),
    ),
    "malformed": ("DecodeError", lambda: "not.a.token"),
}


@pytest.mark.parametrize(("reason", "make_token"), REJECTED.values(), ids=REJECTED.keys())
def test_an_invalid_oidc_token_is_403_and_touches_nothing(
    client, dynamodb, issuer, caplog, reason, make_token
):
    with caplog.at_level(logging.INFO):
        response = client.http.post("/todos", headers=bearer(make_token()), body=b'{"text": "x"}')
    assert response.status_code == 403
    assert f"rejected a bearer token: {reason}" in caplog.text
    assert dynamodb.scan(TableName=LOCAL["TABLE_NAME"])["Count"] == 0


ASKS_NO_KEY = {
    "alg none": lambda: unsigned(oidc_claims(), kid="rsa-1"),
    "HS256": lambda: forged_hs256(oidc_claims(), rsa_public_pem(), kid="rsa-1"),
    "no kid": lambda: jwt.encode(oidc_claims(), RSA_KEY, algorithm="RS256"),
    "malformed": lambda: "not.a.token",
}


@pytest.mark.parametrize("make_token", ASKS_NO_KEY.values(), ids=ASKS_NO_KEY.keys())
def test_a_token_of_a_foreign_algorithm_is_rejected_before_any_key_is_fetched(
    client, issuer, make_token
):
    assert status_of(client, make_token()) == 403
    assert issuer.requests == 0


def test_a_jku_header_is_never_followed(client, issuer):
    with jwks_server() as attacker:
        attacker.publish(public_jwk(ATTACKER_RSA_KEY, "evil"))
        token = oidc_token(ATTACKER_RSA_KEY, "evil", headers={"jku": attacker.url})
        assert status_of(client, token) == 403
        assert attacker.requests == 0


def test_a_weak_rsa_key_in_the_jwks_is_never_trusted(client, issuer):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    issuer.publish(public_jwk(RSA_KEY, "rsa-1"), public_jwk(weak, "weak"))
    assert status_of(client, oidc_token(weak, "weak")) == 403


def test_a_p384_key_published_as_es256_is_never_trusted(client, issuer):
    p384 = ec.generate_private_key(ec.SECP384R1())
    issuer.publish(public_jwk(RSA_KEY, "rsa-1"), public_jwk(p384, "p384", alg="ES256"))
    assert status_of(client, oidc_token(p384, "p384", "ES384")) == 403
    signed_part = signing_input({"alg": "ES256", "kid": "p384"}, oidc_claims())
    r, s = decode_dss_signature(p384.sign(signed_part.encode(), ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    assert status_of(client, f"{signed_part}.{segment(signature)}") == 403


def test_an_encryption_key_is_not_a_signing_key(client, issuer):
    issuer.publish(public_jwk(RSA_KEY, "rsa-1", use="enc"))
    assert status_of(client, oidc_token(RSA_KEY, "rsa-1")) == 403


def test_the_rejection_reason_is_logged_but_never_the_token(client, issuer, caplog):
    token = oidc_token(aud="another-api")
    with caplog.at_level(logging.DEBUG):
        assert status_of(client, token) == 403
    assert "rejected a bearer token: InvalidAudienceError" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


class TestMixingKinds:
    def test_an_hs256_stage_rejects_rs256_and_es256_tokens(self, client, issuer, monkeypatch):
        monkeypatch.delenv("OIDC_ISSUER")
        monkeypatch.delenv("OIDC_AUDIENCE")
        monkeypatch.delenv("OIDC_JWKS_URL")
        local = {"iss": LOCAL["JWT_ISSUER"], "aud": LOCAL["JWT_AUDIENCE"]}
        assert status_of(client, oidc_token(RSA_KEY, "rsa-1", "RS256", **local)) == 403
        assert status_of(client, oidc_token(EC_KEY, "ec-1", "ES256", **local)) == 403
        assert status_of(client, hs256_signed(hs256_claims())) == 200
        assert issuer.requests == 0

    def test_an_oidc_stage_rejects_hs256_tokens_by_default(self, client, issuer):
        assert status_of(client, hs256_signed(hs256_claims())) == 403
        assert status_of(client, oidc_token()) == 200

    def test_an_oidc_stage_may_accept_hs256_tokens_too(self, client, issuer, monkeypatch):
        monkeypatch.setenv("ACCEPT_HS256_WITH_OIDC", "true")
        assert status_of(client, hs256_signed(hs256_claims())) == 200
        assert status_of(client, oidc_token()) == 200
        assert status_of(client, oidc_token(EC_KEY, "ec-1", "ES256")) == 200

    def test_hs256_tokens_there_are_checked_against_the_stage_secret_only(
        self, client, issuer, monkeypatch
    ):
        monkeypatch.setenv("ACCEPT_HS256_WITH_OIDC", "true")
        local = hs256_claims()
        assert status_of(client, forged_hs256(local, rsa_public_pem(), kid="rsa-1")) == 403
        assert status_of(client, forged_hs256(oidc_claims(), rsa_public_pem(), "rsa-1")) == 403
        assert status_of(client, hs256_signed(local, key="x" * 48)) == 403
        # An HS256 token must still carry the HS256 issuer and audience, not the OIDC ones.
        assert status_of(client, hs256_signed(oidc_claims())) == 403
        assert status_of(client, unsigned(local, kid="rsa-1")) == 403


class TestCognitoAccessTokens:
    CLIENT_ID = "4a1b2c3d4e5f6g7h8i9j0k1l2m"

    @pytest.fixture
    def cognito(self, issuer, monkeypatch):
        monkeypatch.delenv("OIDC_AUDIENCE")
        monkeypatch.setenv("OIDC_CLIENT_ID", self.CLIENT_ID)
        return issuer

    def access_token(self, **claims):
        fields = {"aud": None, "client_id": self.CLIENT_ID, "token_use": "access"}
        return oidc_token(**{**fields, **claims})

    def test_an_access_token_of_the_app_client_is_accepted(self, client, cognito):
        assert status_of(client, self.access_token(scope="aws.cognito.signin.user.admin")) == 200

    @pytest.mark.parametrize(
        "claims",
        [
            {"client_id": "another-app-client"},
            {"client_id": None},
            {"token_use": "id"},
            {"token_use": None},
            # A Cognito ID token: aud is the client, token_use is id.
            {"client_id": None, "aud": CLIENT_ID, "token_use": "id"},
        ],
        ids=["other client", "no client_id", "id token_use", "no token_use", "id token"],
    )
    def test_other_tokens_are_rejected(self, client, cognito, claims):
        assert status_of(client, self.access_token(**claims)) == 403


def test_an_oidc_stage_without_cryptography_denies_and_logs_an_error(
    client, issuer, monkeypatch, caplog
):
    """Loudly in the logs, never by raising: that would be a 500 on API Gateway."""
    monkeypatch.setattr(jwt.algorithms, "has_crypto", False)
    with caplog.at_level(logging.INFO):
        assert status_of(client, oidc_token()) == 403
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == (
        "the authorizer is misconfigured: "
        "OIDC_ISSUER is set but the cryptography package is missing"
    )


def test_the_key_cache_is_one_per_jwks_url():
    jwks.signing_keys.cache_clear()
    assert jwks.signing_keys("https://a.example/jwks") is jwks.signing_keys(
        "https://a.example/jwks"
    )
    assert jwks.signing_keys("https://a.example/jwks") is not jwks.signing_keys("https://b.example")
    jwks.signing_keys.cache_clear()


def test_the_audience_environment_is_respected(client, issuer, monkeypatch):
    oidc_environment(monkeypatch, issuer.url, OIDC_AUDIENCE="another-api")
    assert status_of(client, oidc_token(aud="another-api")) == 200
    assert status_of(client, oidc_token()) == 403
