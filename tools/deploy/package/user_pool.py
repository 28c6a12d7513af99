"""The stage's user pool in the packaged template: the pool's resources, from its one
definition (tools.deploy.user_pool), wired to the authorizer by Fn::Sub and Ref."""

import copy
from typing import Any

from tools.deploy.stage import Stage
from tools.deploy.user_pool import (
    PoolDefinition,
    client_settings,
    definition,
    pool_create_only,
    pool_settings,
    resource_server_settings,
)

Template = dict[str, Any]

USER_POOL = "UserPool"
RESOURCE_SERVER = "UserPoolResourceServer"
CLIENT = "UserPoolClient"
DOMAIN = "UserPoolDomain"
# The authorizer function's logical id in the template Chalice generates.
AUTHORIZER_ID = "JwtAuth"
# RS256 needs cryptography, which is no part of the function zip (see docs/deploy.md):
# the template takes its layer as a parameter unless config.json names one already.
LAYER_PARAMETER = "CryptographyLayerArn"
# Data outlives the stack: deleting or replacing the stack leaves it. A first create that
# fails deletes it, though, or the next attempt would fail on its name ("already exists").
RETAINED = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
ISSUER_SUB = {"Fn::Sub": f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{USER_POOL}}}"}


def template_resources(pool: PoolDefinition) -> dict[str, Any]:
    """The pool and its parts as CloudFormation resources; the pool outlives the stack."""
    pool_ref = {"Ref": USER_POOL}
    return {
        USER_POOL: {
            "Type": "AWS::Cognito::UserPool",
            **RETAINED,
            "Properties": {
                "UserPoolName": pool.pool_name,
                **pool_create_only(pool),
                **pool_settings(pool),
            },
        },
        RESOURCE_SERVER: {
            "Type": "AWS::Cognito::UserPoolResourceServer",
            "Properties": {"UserPoolId": pool_ref, **resource_server_settings(pool)},
        },
        CLIENT: {
            "Type": "AWS::Cognito::UserPoolClient",
            # The client's scopes must exist before it may name them.
            "DependsOn": [RESOURCE_SERVER],
            "Properties": {
                "UserPoolId": pool_ref,
                "GenerateSecret": False,
                **client_settings(pool),
            },
        },
        DOMAIN: {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {"UserPoolId": pool_ref, "Domain": {"Fn::Sub": pool.domain_prefix}},
        },
    }


def _merged(base: Template, extra: Template) -> Template:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def with_user_pool(stage: Stage, generated: Template, merge: Template) -> Template:
    """The merge template, plus the stage's pool (if it has one) wired to the authorizer."""
    if stage.identity != "cognito":
        return merge
    pool = definition(stage)
    variables = {
        "OIDC_ISSUER": ISSUER_SUB,
        "OIDC_CLIENT_ID": {"Ref": CLIENT},
        # The parameter is the `chalice deploy` path's: here the ids come by Ref.
        "OIDC_SETTINGS_PARAMETER": "",
    }
    authorizer: dict[str, Any] = {"Environment": {"Variables": variables}}
    extra: Template = {"Resources": {**template_resources(pool)}, "Outputs": _outputs(pool)}
    if "Layers" not in generated["Resources"][AUTHORIZER_ID]["Properties"]:
        authorizer["Layers"] = [{"Ref": LAYER_PARAMETER}]
        extra["Parameters"] = {
            LAYER_PARAMETER: {
                "Type": "String",
                "Description": "ARN of the cryptography layer version the authorizer "
                "verifies RS256 with (make layer; docs/deploy.md)",
                "AllowedPattern": "arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:.+:[0-9]+",
            }
        }
    extra["Resources"][AUTHORIZER_ID] = {"Properties": authorizer}
    return _merged(merge, extra)


def _outputs(pool: PoolDefinition) -> dict[str, Any]:
    return {
        "UserPoolId": {"Value": {"Ref": USER_POOL}},
        "UserPoolClientId": {"Value": {"Ref": CLIENT}},
        "Issuer": {"Value": ISSUER_SUB},
        "HostedUiUrl": {
            "Value": {
                "Fn::Sub": f"https://{pool.domain_prefix}.auth.${{AWS::Region}}.amazoncognito.com"
            }
        },
    }
