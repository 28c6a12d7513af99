"""An OIDC issuer's signing keys, read from its JWKS and kept for the container's life.

- The keys are fetched when the first token arrives and then reused. A token whose `kid`
  is not among them makes the container fetch the JWKS again (the issuer rotated its
  keys), and so does the first token after KEYS_MAX_AGE_SECONDS, so that a key the
  issuer withdrew stops being trusted.
- The container asks the endpoint at most once per REFRESH_INTERVAL_SECONDS, across
  all the requests it serves: a flood of tokens with made-up `kid`s costs the issuer
  and this function nothing. Only while it holds no key at all (its first fetch failed)
  does it try again sooner, every RETRY_WITHOUT_KEYS_SECONDS.
- Every fetch is bounded by TIMEOUT_SECONDS (connect, and each read). A fetch that fails
  in any way (refused, slow, not JSON, no usable key) keeps the keys already held and
  is logged; a token whose key is then missing is rejected like any invalid token.
- Only RS256 and ES256 (P-256) public keys meant for signatures are kept.

PyJWKClient does the HTTP (http and https only, no redirects) and the parsing; its own
caches are off, because its cooldown counts only successful fetches, reads the real
clock, and its cache expiry rejects every token while the endpoint is down.
"""

import logging
import threading
import time
from functools import cache

import jwt

ALGORITHMS = ("RS256", "ES256")
TIMEOUT_SECONDS = 2.0
REFRESH_INTERVAL_SECONDS = 60.0
RETRY_WITHOUT_KEYS_SECONDS = 10.0
KEYS_MAX_AGE_SECONDS = 3600.0
USER_AGENT = "todo-api-authorizer"

# The clock of the intervals above (tests move it).
monotonic = time.monotonic

logger = logging.getLogger(__name__)


class UnknownSigningKey(jwt.InvalidTokenError):
    """The token's `kid` names no key the container holds, even after a refresh."""


class SigningKeys:
    """The keys published at one JWKS URL, by `kid`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = jwt.PyJWKClient(
            url, cache_jwk_set=False, timeout=TIMEOUT_SECONDS, headers={"User-Agent": USER_AGENT}
        )
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            if (kid not in self._keys or self._expired()) and self._may_fetch():
                self._fetch()
            key = self._keys.get(kid)
        if key is None:
            raise UnknownSigningKey("no signing key has this kid")
        return key

    def _expired(self) -> bool:
        return self._fetched_at is None or monotonic() - self._fetched_at >= KEYS_MAX_AGE_SECONDS

    def _may_fetch(self) -> bool:
        if self._attempted_at is None:
            return True
        wait = REFRESH_INTERVAL_SECONDS if self._keys else RETRY_WITHOUT_KEYS_SECONDS
        return monotonic() - self._attempted_at >= wait

    def _fetch(self) -> None:
        self._attempted_at = monotonic()
        try:
            keys = self._client.get_signing_keys(refresh=True)
        except Exception as error:  # any failure at all: keep the keys held, reject later
            logger.warning("could not fetch signing keys from %s: %s", self.url, _reason(error))
            return
        usable = {
            key.key_id: key
            for key in keys
            if key.key_id is not None and key.algorithm_name in ALGORITHMS
        }
        if not usable:
            logger.warning("could not fetch signing keys from %s: no RS256/ES256 key", self.url)
            return
        self._keys, self._fetched_at = usable, self._attempted_at
        logger.info("fetched %d signing keys from %s", len(usable), self.url)


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


@cache
def signing_keys(url: str) -> SigningKeys:
    """The container's one key cache for this JWKS URL."""
    return SigningKeys(url)
