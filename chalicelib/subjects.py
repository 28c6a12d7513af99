"""The caller's subject, from the token's claims to the owner of todos: the names auth,
tokens and gateway share. A leaf module, so that they share them without an import cycle."""

from typing import Any

# A verified token's claims, as PyJWT decodes them.
Claims = dict[str, Any]

# The key of the verified subject in the authorizer's context. HTTP APIs document how
# a Lambda authorizer's context reaches the integration, not how its principalId does,
# so the subject goes in both: chalicelib.auth writes it, chalicelib.gateway reads it.
SUBJECT_CONTEXT_KEY = "subject"

# A subject is a DynamoDB partition key and a log pseudonym's input: a partition key must
# stay well under DynamoDB's 2 KB.
MAX_SUBJECT_LENGTH = 256


def usable_subject(subject: str) -> bool:
    """Whether subject can name an owner: 1 to 256 characters of valid Unicode.

    JSON can spell lone surrogates ("\\ud800") that no UTF-8 store (DynamoDB keys, the
    logs' pseudonym) accepts: such a subject names nobody.
    """
    if not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        return False
    if subject.isascii():  # the common case, answered without encoding
        return True
    try:
        subject.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
