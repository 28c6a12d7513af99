"""A stage's Amazon Cognito user pool: its one definition, and how the Cognito API makes it.

A stage with `"identity": "cognito"` in .chalice/config.json takes its users' tokens from
a user pool of its own. The pool is defined here once and made three ways:

- `make provision` (tools.deploy.provision, for `chalice deploy`): `provision_pool` creates or
  updates it through the Cognito API and `publish` writes its issuer and app client id in the
  SSM parameter the authorizer reads (OIDC_SETTINGS_PARAMETER, chalicelib.identity);
- `make package` (tools.deploy.package.user_pool): the same settings as CloudFormation
  resources, with the authorizer's OIDC_ISSUER and OIDC_CLIENT_ID set by Fn::Sub and Ref;
- `make run IDENTITY=cognito` (tools.local.user_pool): `provision_pool` in moto's server.

What is made: a pool whose users sign in with their email address (verified by a code,
case-insensitive), a strong password policy, deletion protection where the stage's
table has it, optional advanced security; a resource server `todos` with the scopes
`read` and `write` (chalicelib.auth's todos/read and todos/write); a public app client
for the web client (no secret; authorization code grant, which a public client must use
with PKCE; scopes openid, todos/read and todos/write; callback and sign-out URL the stage's
CORS origin, the sign-out URL registered so that the client's sign-out can end the hosted
UI's session too); and a hosted-UI prefix domain, `<app>-<stage>-<account id>` unless the
stage's "cognito" setting names another: a prefix is unique per region across all AWS
accounts, so one without the account id is likely someone else's already.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chalicelib import auth
from chalicelib.identity import PublishedPool, parameter_value
from tools.deploy.stage import DeployedStage, Stage, StageError

# The resource server and its scopes are chalicelib.auth's: "todos/read" is the scope
# "read" of the resource server "todos".
RESOURCE_SERVER_ID, READ = auth.READ_SCOPE.split("/")
_, WRITE = auth.WRITE_SCOPE.split("/")
OAUTH_SCOPES = ["openid", auth.READ_SCOPE, auth.WRITE_SCOPE]
ADVANCED_SECURITY_MODES = ("OFF", "AUDIT", "ENFORCED")
OPTIONS = frozenset({"domain_prefix", "advanced_security", "self_sign_up"})
# Cognito's rule for prefix domains: lower-case letters, digits and inner hyphens.
_DOMAIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RESERVED_IN_PREFIX = ("aws", "amazon", "cognito")
# The account id as a template writes it, for CloudFormation's Fn::Sub to fill in.
TEMPLATE_ACCOUNT = "${AWS::AccountId}"

ACCESS_TOKEN_MINUTES = 60
REFRESH_TOKEN_DAYS = 30


@dataclass(frozen=True)
class PoolDefinition:
    """One stage's pool, client, resource server and domain, as every path makes them."""

    prefix: str
    origin: str
    domain_prefix: str
    deletion_protection: bool
    advanced_security: str = "OFF"
    self_sign_up: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    # Only the local stack, whose stand-in for the hosted UI (tools.local.hosted_ui) checks
    # the password with InitiateAuth USER_PASSWORD_AUTH.
    password_sign_in: bool = False

    @property
    def pool_name(self) -> str:
        return f"{self.prefix}-users"

    @property
    def client_name(self) -> str:
        return f"{self.prefix}-web"

    @property
    def redirect_url(self) -> str:
        """Where the hosted UI sends users back: the web client at the stage's origin."""
        return self.origin.rstrip("/") + "/"

    @property
    def sign_out_url(self) -> str:
        """Where the hosted UI's /logout sends users once it has ended their session (the
        client's logout_uri): the web client's page too, which then offers to sign in."""
        return self.redirect_url

    def hosted_ui(self, region: str) -> str:
        return f"https://{self.domain_prefix}.auth.{region}.amazoncognito.com"


def domain_prefix(prefix: str) -> str:
    """The prefix, checked by Cognito's rules (a template's account id counts as 12 digits)."""
    checked = prefix.replace(TEMPLATE_ACCOUNT, "0" * 12)
    if not _DOMAIN_PREFIX.fullmatch(checked) or any(w in checked for w in _RESERVED_IN_PREFIX):
        raise StageError(
            f"cognito domain prefix {prefix!r}: 1-63 lower-case letters, digits and inner "
            f"hyphens, without {', '.join(_RESERVED_IN_PREFIX)}"
        )
    return prefix


def definition(stage: Stage, account: str = TEMPLATE_ACCOUNT) -> PoolDefinition:
    """The pool of a stage whose identity is cognito, in an account (a template's by
    default), from its "cognito" setting."""
    if stage.identity != "cognito":
        raise StageError(f"stage {stage.name!r} has no Cognito user pool (identity is secret)")
    options = stage.cognito
    unknown = set(options) - OPTIONS
    if unknown:
        raise StageError(f"unknown cognito settings {sorted(unknown)}; known: {sorted(OPTIONS)}")
    mode = str(options.get("advanced_security", "OFF"))
    if mode not in ADVANCED_SECURITY_MODES:
        raise StageError(f"cognito advanced_security {mode!r}: one of {ADVANCED_SECURITY_MODES}")
    return PoolDefinition(
        prefix=stage.prefix,
        origin=stage.environment["CORS_ALLOW_ORIGIN"],
        domain_prefix=domain_prefix(str(options.get("domain_prefix", f"{stage.prefix}-{account}"))),
        # Users are data: the pool is protected wherever the stage's table is.
        deletion_protection=isinstance(stage, DeployedStage) and stage.deletion_protection,
        advanced_security=mode,
        self_sign_up=bool(options.get("self_sign_up", True)),
        tags=stage.tags,
    )


# --- the settings, in the names the Cognito API and CloudFormation share -----------------


def pool_settings(pool: PoolDefinition) -> dict[str, Any]:
    """The pool's settings that UpdateUserPool takes (and that an update must repeat)."""
    settings: dict[str, Any] = {
        "AutoVerifiedAttributes": ["email"],
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 3,
            }
        },
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
        },
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not pool.self_sign_up},
        "DeletionProtection": "ACTIVE" if pool.deletion_protection else "INACTIVE",
        "UserPoolAddOns": {"AdvancedSecurityMode": pool.advanced_security},
        "UserPoolTags": dict(pool.tags),
    }
    if pool.advanced_security != "OFF":
        # Threat protection is a feature of the Plus tier only.
        settings["UserPoolTier"] = "PLUS"
    return settings


def pool_create_only(pool: PoolDefinition) -> dict[str, Any]:
    """What only creating the pool sets: how users name themselves cannot change later."""
    return {"UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False}}


def client_settings(pool: PoolDefinition) -> dict[str, Any]:
    """The web client: public (no secret), code grant only, on the stage's origin."""
    flows = ["ALLOW_REFRESH_TOKEN_AUTH"]
    if pool.password_sign_in:
        flows.append("ALLOW_USER_PASSWORD_AUTH")
    return {
        "ClientName": pool.client_name,
        "AllowedOAuthFlowsUserPoolClient": True,
        # No "implicit": tokens never travel in a URL. A public client has no secret to
        # redeem a code with, so it sends a PKCE verifier (S256) instead.
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": list(OAUTH_SCOPES),
        "CallbackURLs": [pool.redirect_url],
        "LogoutURLs": [pool.sign_out_url],
        "SupportedIdentityProviders": ["COGNITO"],
        "ExplicitAuthFlows": flows,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        "AccessTokenValidity": ACCESS_TOKEN_MINUTES,
        "IdTokenValidity": ACCESS_TOKEN_MINUTES,
        "RefreshTokenValidity": REFRESH_TOKEN_DAYS,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
    }


def resource_server_settings(pool: PoolDefinition) -> dict[str, Any]:
    return {
        "Identifier": RESOURCE_SERVER_ID,
        "Name": f"{pool.prefix} API",
        "Scopes": [
            {"ScopeName": READ, "ScopeDescription": "Read your todos"},
            {"ScopeName": WRITE, "ScopeDescription": "Create, change and delete your todos"},
        ],
    }


# --- provision: the Cognito API --------------------------------------------------------------


class PoolError(RuntimeError):
    """The pool exists in a state this tool must not, or cannot, repair by itself."""


def _drifted(wanted: Any, actual: Any) -> bool:
    """Whether actual differs from wanted in anything wanted says (AWS adds defaults)."""
    if isinstance(wanted, dict):
        if not isinstance(actual, dict):
            return True
        return any(_drifted(value, actual.get(key)) for key, value in wanted.items())
    if (
        isinstance(wanted, list)
        and isinstance(actual, list)
        and wanted
        and isinstance(wanted[0], str)
    ):
        return sorted(wanted) != sorted(actual)
    return bool(wanted != actual)


def _pages(idp: Any, operation: str, key: str, **request: Any) -> Iterator[dict[str, Any]]:
    for page in idp.get_paginator(operation).paginate(**request):
        yield from page[key]


def _find_pool(idp: Any, name: str) -> str | None:
    found = [
        p["Id"]
        for p in _pages(idp, "list_user_pools", "UserPools", MaxResults=60)
        if p["Name"] == name
    ]
    if len(found) > 1:
        raise PoolError(f"user pool {name}: {len(found)} pools have this name; keep one")
    return found[0] if found else None


def _ensure_pool(idp: Any, pool: PoolDefinition) -> tuple[str, str]:
    pool_id = _find_pool(idp, pool.pool_name)
    wanted = pool_settings(pool)
    if pool_id is None:
        created = idp.create_user_pool(PoolName=pool.pool_name, **pool_create_only(pool), **wanted)
        return created["UserPool"]["Id"], "created"
    current = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    if current.get("DeletionProtection") == "ACTIVE":
        # As with the table (tools.deploy.stage): lowering protection is a person's decision.
        wanted["DeletionProtection"] = "ACTIVE"
    if not _drifted(wanted, current):
        return pool_id, "unchanged"
    idp.update_user_pool(UserPoolId=pool_id, **wanted)
    return pool_id, "updated"


def _ensure_resource_server(idp: Any, pool_id: str, pool: PoolDefinition) -> str:
    wanted = resource_server_settings(pool)
    try:
        current = idp.describe_resource_server(UserPoolId=pool_id, Identifier=wanted["Identifier"])
    except idp.exceptions.ResourceNotFoundException:
        idp.create_resource_server(UserPoolId=pool_id, **wanted)
        return "created"
    if not _drifted(wanted, current["ResourceServer"]):
        return "unchanged"
    idp.update_resource_server(UserPoolId=pool_id, **wanted)
    return "updated"


def _ensure_client(idp: Any, pool_id: str, pool: PoolDefinition) -> tuple[str, str]:
    found = [
        c["ClientId"]
        for c in _pages(
            idp, "list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id, MaxResults=60
        )
        if c["ClientName"] == pool.client_name
    ]
    if len(found) > 1:
        raise PoolError(f"app client {pool.client_name}: {len(found)} clients have this name")
    wanted = client_settings(pool)
    if not found:
        created = idp.create_user_pool_client(UserPoolId=pool_id, GenerateSecret=False, **wanted)
        return created["UserPoolClient"]["ClientId"], "created"
    (client_id,) = found
    current = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    if "ClientSecret" in current["UserPoolClient"]:
        raise PoolError(f"app client {pool.client_name} has a secret: a web client cannot keep one")
    if not _drifted(wanted, current["UserPoolClient"]):
        return client_id, "unchanged"
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **wanted)
    return client_id, "updated"


def _ensure_domain(idp: Any, pool_id: str, pool: PoolDefinition) -> str:
    current = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"].get("Domain")
    if current == pool.domain_prefix:
        return "unchanged"
    if current:
        raise PoolError(
            f"user pool {pool.pool_name} has the domain {current!r}, not {pool.domain_prefix!r}: "
            f"delete it first (aws cognito-idp delete-user-pool-domain --domain {current} "
            f"--user-pool-id {pool_id})"
        )
    try:
        idp.create_user_pool_domain(Domain=pool.domain_prefix, UserPoolId=pool_id)
    except idp.exceptions.InvalidParameterException as error:
        raise PoolError(
            f"domain {pool.domain_prefix} cannot be made ({error.response['Error']['Message']}): "
            "a prefix domain is unique per region across all AWS accounts; name one of your "
            'own in .chalice/config.json, the stage\'s "cognito": {"domain_prefix": "..."}'
        ) from error
    return "created"


def issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def provision_pool(idp: Any, pool: PoolDefinition) -> tuple[PublishedPool, list[str]]:
    """Creates the pool and its parts, or brings them to the definition: one line each."""
    pool_id, pool_state = _ensure_pool(idp, pool)
    server_state = _ensure_resource_server(idp, pool_id, pool)
    client_id, client_state = _ensure_client(idp, pool_id, pool)
    domain_state = _ensure_domain(idp, pool_id, pool)
    lines = [
        f"user pool {pool.pool_name}: {pool_state} ({pool_id})",
        f"resource server {RESOURCE_SERVER_ID}: {server_state}",
        f"app client {pool.client_name}: {client_state} ({client_id})",
        f"domain {pool.domain_prefix}: {domain_state} ({pool.hosted_ui(idp.meta.region_name)})",
    ]
    return PublishedPool(issuer(idp.meta.region_name, pool_id), client_id), lines


def publish(ssm: Any, name: str, pool: PublishedPool, tags: dict[str, str]) -> str:
    """Writes the pool's issuer and client id where the authorizer reads them; one line."""
    value = parameter_value(pool)
    try:
        current = ssm.get_parameter(Name=name)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        current = None
    if current is not None and current["Value"] == value and current["Type"] == "String":
        return f"parameter {name}: unchanged"
    request: dict[str, Any] = {"Name": name, "Value": value, "Type": "String"}
    if current is None:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        request["Description"] = "the user pool's issuer and app client id, for the authorizer"
    else:
        request["Overwrite"] = True
    ssm.put_parameter(**request)
    return f"parameter {name}: {'created' if current is None else 'updated'}"
