"""The stage's signing secret: from the environment, or from SSM once per container."""

from functools import cache

from chalicelib import aws, settings
from chalicelib.errors import ConfigurationError

# What reading the secret needs; SecureStrings under the AWS-managed aws/ssm key need no
# kms permission of their own. tools/deploy/iam.py grants exactly this.
IAM_ACTIONS = frozenset({"ssm:GetParameter"})


@cache
def _parameter_value(name: str) -> str:
    """A SecureString read once per container: every later use is local."""
    response = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = response["Parameter"]["Value"]
    return value


def signing_secret(token_settings: settings.TokenSettings) -> str:
    if token_settings.secret is not None:
        return token_settings.secret
    if token_settings.secret_parameter is not None:
        return _parameter_value(token_settings.secret_parameter)
    raise ConfigurationError("no signing secret configured")
