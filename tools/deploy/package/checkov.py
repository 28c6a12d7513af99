"""Resource metadata telling checkov which of its checks do not apply, and why."""

from typing import Any


def skip(*checks: tuple[str, str]) -> dict[str, Any]:
    """Metadata for a resource: each check id with the reason it does not apply."""
    return {"checkov": {"skip": [{"id": check, "comment": why} for check, why in checks]}}


LOG_GROUP_CMK = (
    "CKV_AWS_158",
    "CloudWatch Logs encrypts at rest by default and these logs carry no secrets, "
    "tokens or bodies; a customer managed key would add cost and a key policy only.",
)
