"""The local stack's user pool (`make run IDENTITY=cognito`): the stage's pool, as
tools.deploy.user_pool defines it, made in moto's server on loopback."""

import contextlib
from dataclasses import dataclass, field
from typing import Any

import boto3

from tools.deploy.user_pool import PoolDefinition, domain_prefix, issuer, provision_pool

LOCAL_REGION = "us-east-1"  # moto's default region


@dataclass(frozen=True)
class LocalPool:
    """The pool made in moto's server: what chalice local and a browser client need."""

    endpoint: str
    pool_id: str
    client_id: str
    region: str
    idp: Any = field(repr=False, compare=False)

    @property
    def issuer(self) -> str:
        return issuer(self.region, self.pool_id)

    def environment(self) -> dict[str, str]:
        """The variables chalice local needs to take this pool's access tokens."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_JWKS_URL": f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json",
            # moto's access tokens carry the scope aws.cognito.signin.user.admin alone,
            # whatever the client asks for: requiring todos/* would refuse them all.
            "REQUIRE_SCOPES": "false",
        }

    def add_user(self, email: str, password: str) -> str:
        """A confirmed user who signs in with this email and password; returns their sub."""
        with contextlib.suppress(self.idp.exceptions.UsernameExistsException):
            self.idp.admin_create_user(
                UserPoolId=self.pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=password, Permanent=True
        )
        user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=email)
        return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))


def local_definition(prefix: str, origin: str) -> PoolDefinition:
    return PoolDefinition(
        prefix=prefix,
        origin=origin,
        domain_prefix=domain_prefix(prefix),
        deletion_protection=False,
        password_sign_in=True,
    )


def local_pool(endpoint: str, origin: str, prefix: str = "todo-api-local") -> LocalPool:
    """The stage's pool, client, resource server and domain in moto's server at endpoint,
    made once (a second call finds them). origin: the web client's, for its redirect URL."""
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        # moto checks no signature; these only let botocore sign at all.
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - not a secret: moto accepts any
    )
    published, _ = provision_pool(idp, local_definition(prefix, origin))
    pool_id = published.issuer.rsplit("/", 1)[1]
    return LocalPool(endpoint, pool_id, published.client_id, LOCAL_REGION, idp)
