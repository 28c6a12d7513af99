"""The issuer's keys: fetched once per container, refreshed on rotation at most once a
minute, and a JWKS endpoint that is down, slow or broken rejects tokens without a hang."""

import logging
import threading
import time

import pytest

from chalicelib import jwks
from tests.support.identity import (
    EC_KEY,
    ROTATED_RSA_KEY,
    RSA_KEY,
    bearer,
    jwks_server,
    oidc_environment,
    oidc_token,
    public_jwk,
    refused_url,
)

# A JWKS server on 127.0.0.1.


@pytest.fixture
def clock(issuer):
    return jwks.monotonic  # the FakeClock oidc_issuer put in place


def status_of(client, token):
    return client.http.get("/todos", headers=bearer(token)).status_code


def test_keys_are_fetched_once_and_reused(client, issuer):
    for _ in range(5):
        assert status_of(client, oidc_token(RSA_KEY, "rsa-1")) == 200
        assert status_of(client, oidc_token(EC_KEY, "ec-1", "ES256")) == 200
    assert issuer.requests == 1
    assert issuer.user_agents == [jwks.USER_AGENT]


def test_an_unknown_kid_gets_one_refresh_then_is_rejected(client, issuer, clock):
    assert status_of(client, oidc_token(kid="rsa-1")) == 200
    clock.advance(jwks.REFRESH_INTERVAL_SECONDS)
    assert status_of(client, oidc_token(kid="nobody")) == 403
    assert issuer.requests == 2
    assert status_of(client, oidc_token(kid="nobody")) == 403
    assert issuer.requests == 2


def test_an_unknown_kid_as_the_first_token_fetches_once(client, issuer):
    assert status_of(client, oidc_token(kid="nobody")) == 403
    assert status_of(client, oidc_token(kid="rsa-1")) == 200
    assert issuer.requests == 1


def test_a_rotated_key_is_accepted_after_a_refresh(client, issuer, clock):
    assert status_of(client, oidc_token(RSA_KEY, "rsa-1")) == 200
    clock.advance(jwks.REFRESH_INTERVAL_SECONDS)
    issuer.publish(public_jwk(ROTATED_RSA_KEY, "rsa-2"))
    assert status_of(client, oidc_token(ROTATED_RSA_KEY, "rsa-2")) == 200
    assert issuer.requests == 2
    # The refresh replaced the key set: the withdrawn key is no longer trusted.
    clock.advance(jwks.REFRESH_INTERVAL_SECONDS)
    assert status_of(client, oidc_token(RSA_KEY, "rsa-1")) == 403


def test_a_key_rotated_within_the_minute_waits_for_the_next_refresh(client, issuer, clock):
    assert status_of(client, oidc_token(RSA_KEY, "rsa-1")) == 200
    issuer.publish(public_jwk(RSA_KEY, "rsa-1"), public_jwk(ROTATED_RSA_KEY, "rsa-2"))
    clock.advance(jwks.REFRESH_INTERVAL_SECONDS - 1)
    assert status_of(client, oidc_token(ROTATED_RSA_KEY, "rsa-2")) == 403
    assert issuer.requests == 1
    clock.advance(1)
    assert status_of(client, oidc_token(ROTATED_RSA_KEY, "rsa-2")) == 200
    assert issuer.requests == 2


def test_refreshes_happen_at_most_once_a_minute_however_many_unknown_kids(client, issuer, clock):
    assert status_of(client, oidc_token(kid="rsa-1")) == 200  # the first fetch, at 0 s
    requests_by_second = {}
    for second in range(0, 180, 5):  # a made-up kid every 5 seconds for 3 minutes
        assert status_of(client, oidc_token(kid=f"forged-{second}")) == 403
        requests_by_second[second] = issuer.requests
        clock.advance(5)
    assert requests_by_second[55] == 1
    assert requests_by_second[60] == requests_by_second[115] == 2
    assert requests_by_second[120] == requests_by_second[175] == 3
    assert status_of(client, oidc_token(kid="rsa-1")) == 200


def test_keys_older_than_their_max_age_are_refetched(client, issuer, clock):
    assert status_of(client, oidc_token(kid="rsa-1")) == 200
    issuer.publish(public_jwk(EC_KEY, "ec-1"))  # the issuer withdrew rsa-1, no new kid
    clock.advance(jwks.KEYS_MAX_AGE_SECONDS - 1)
    assert status_of(client, oidc_token(kid="rsa-1")) == 200
    clock.advance(1)
    assert status_of(client, oidc_token(kid="rsa-1")) == 403
    assert issuer.requests == 2


def test_a_failed_refresh_keeps_the_keys_already_held(client, issuer, clock, caplog):
    assert status_of(client, oidc_token(kid="rsa-1")) == 200
    issuer.status = 500
    clock.advance(jwks.KEYS_MAX_AGE_SECONDS)
    with caplog.at_level(logging.WARNING):
        assert status_of(client, oidc_token(kid="rsa-1")) == 200
        assert status_of(client, oidc_token(kid="rotated")) == 403
    assert issuer.requests == 2
    assert "could not fetch signing keys from" in caplog.text


def test_concurrent_requests_share_one_fetch(issuer):
    keys = jwks.signing_keys(issuer.url)
    issuer.delay = 0.2
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(keys.key("rsa-1").key_id)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["rsa-1"] * 8
    assert issuer.requests == 1


class TestAnEndpointThatFails:
    def test_a_refused_connection_rejects_the_token(self, client, issuer, monkeypatch, caplog):
        oidc_environment(monkeypatch, refused_url())
        with caplog.at_level(logging.WARNING):
            assert status_of(client, oidc_token()) == 403
        assert "could not fetch signing keys from http://127.0.0.1:" in caplog.text
        assert "PyJWKClientConnectionError" in caplog.text

    def test_a_slow_endpoint_is_given_up_on_after_the_timeout(self, client, issuer, monkeypatch):
        monkeypatch.setattr(jwks, "TIMEOUT_SECONDS", 0.5)
        issuer.delay = 5
        started = time.monotonic()
        assert status_of(client, oidc_token()) == 403
        assert time.monotonic() - started < 0.5 + 1.0
        assert issuer.requests == 1

    @pytest.mark.parametrize(
        "body",
        [
            b"{not json",
            b"",
            b"\xff\xfe",
            b"[]",
            b'"keys"',
            b"{}",
            b'{"keys": []}',
            b'{"keys": "rsa-1"}',
            b'{"keys": [1, "two", null]}',
            b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": "AQAB", "e": "oops"}]}',
            b'{"keys": [{"kty": "oct", "kid": "rsa-1", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}]}',
            b"<html>Service Unavailable</html>",
            b"[" * 100_000,
        ],
        ids=[
            "broken json",
            "empty",
            "not utf-8",
            "a list",
            "a string",
            "no keys",
            "empty keys",
            "keys a string",
            "keys not objects",
            "invalid RSA key",
            "a symmetric key",
            "html",
            "deeply nested",
        ],
    )
    def test_garbage_rejects_the_token(self, client, issuer, body):
        issuer.body = body
        assert status_of(client, oidc_token()) == 403

    @pytest.mark.parametrize("status", [404, 500, 503])
    def test_an_error_status_rejects_the_token(self, client, issuer, status):
        issuer.status = status
        assert status_of(client, oidc_token()) == 403

    def test_a_redirect_is_not_followed(self, client, issuer):
        with jwks_server() as elsewhere:
            elsewhere.publish(public_jwk(RSA_KEY, "rsa-1"))
            issuer.redirect = elsewhere.url
            assert status_of(client, oidc_token()) == 403
            assert elsewhere.requests == 0

    def test_without_keys_the_container_retries_after_ten_seconds(self, client, issuer, clock):
        issuer.status = 503
        assert status_of(client, oidc_token()) == 403
        issuer.status = 200
        clock.advance(jwks.RETRY_WITHOUT_KEYS_SECONDS - 1)
        assert status_of(client, oidc_token()) == 403
        assert issuer.requests == 1
        clock.advance(1)
        assert status_of(client, oidc_token()) == 200
        assert issuer.requests == 2
