"""A stage's Amazon Cognito user pool, as `make provision` publishes it in SSM.

On the `chalice deploy` path a stage's configuration is static, so it cannot name the
pool and app client that `make provision` creates. Provision writes both into an SSM
String parameter instead, OIDC_SETTINGS_PARAMETER names it, and the authorizer reads it
once per container (chalicelib.settings.oidc_settings), as it reads the signing secret.
The packaged template needs none of this: it sets OIDC_ISSUER and OIDC_CLIENT_ID by Ref.
"""

import json
from functools import cache
from typing import NamedTuple

from chalicelib import aws
from chalicelib.errors import ConfigurationError

# What reading the parameter needs; tools/deploy/iam.py grants exactly this, on it alone.
IAM_ACTIONS = frozenset({"ssm:GetParameter"})


class PublishedPool(NamedTuple):
    issuer: str
    client_id: str


def parameter_value(pool: PublishedPool) -> str:
    """The parameter's value as tools.deploy.user_pool writes it: the format both sides share."""
    return json.dumps({"issuer": pool.issuer, "client_id": pool.client_id}, sort_keys=True)


@cache
def published_pool(name: str) -> PublishedPool:
    """The pool published under this parameter name, read once per container."""
    value = aws.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    try:
        fields = json.loads(value)
        pool = PublishedPool(issuer=fields["issuer"], client_id=fields["client_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"parameter {name} holds no issuer and client_id") from error
    if not all(isinstance(field, str) and field for field in pool):
        raise ConfigurationError(f"parameter {name} holds no issuer and client_id")
    return pool
