"""A leaf module, so that auth, tokens and gateway share these names without an import cycle."""

from typing import Any

# A verified token's claims, as PyJWT decodes them.
Claims = dict[str, Any]

# The key of the verified subject in the authorizer's context. HTTP APIs document how
# a Lambda authorizer's context reaches the integration, not how its principalId does,
# so the subject goes in both: chalicelib.auth writes it, chalicelib.gateway reads it.
SUBJECT_CONTEXT_KEY = "subject"
