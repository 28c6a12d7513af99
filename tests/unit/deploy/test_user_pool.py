"""A stage's user pool (tools.deploy.user_pool): its definition, made by provision in
process (moto's mock_aws), and as template resources."""

import dataclasses
import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import auth, identity, settings
from tests.support.identity import OIDC_VARIABLES, pool_id
from tests.support.templates import chalice_generated
from tools.deploy import user_pool
from tools.deploy.package import merge
from tools.deploy.package import user_pool as pool_template
from tools.deploy.stage import StageError, deployed_stage

PROD = deployed_stage("prod")


DEV = deployed_stage("dev")


# moto's account, where provision makes the pool.
ACCOUNT = "123456789012"
PROD_POOL = user_pool.definition(PROD, ACCOUNT)


PARAMETER = PROD.function_environment("jwt_auth")["OIDC_SETTINGS_PARAMETER"]


def record_calls(client):
    calls = []
    client.meta.events.register(
        "before-call.cognito-identity-provider.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def the_client(idp, published):
    return idp.describe_user_pool_client(
        UserPoolId=pool_id(published), ClientId=published.client_id
    )["UserPoolClient"]


def test_prod_and_dev_have_pools_named_after_the_stage_on_their_cors_origin():
    assert PROD_POOL.pool_name == "todo-api-prod-users"
    assert PROD_POOL.client_name == "todo-api-prod-web"
    assert PROD_POOL.domain_prefix == "todo-api-prod-123456789012"
    assert PROD_POOL.redirect_url == "https://todo.example.com/"
    assert user_pool.definition(DEV).redirect_url == "https://dev.todo.example.com/"
    assert (
        PROD_POOL.hosted_ui("eu-west-1")
        == "https://todo-api-prod-123456789012.auth.eu-west-1.amazoncognito.com"
    )


def test_the_pool_is_deletion_protected_where_the_table_is():
    assert PROD_POOL.deletion_protection is True
    assert user_pool.pool_settings(PROD_POOL)["DeletionProtection"] == "ACTIVE"
    assert user_pool.pool_settings(user_pool.definition(DEV))["DeletionProtection"] == "INACTIVE"


def test_the_stages_cognito_setting_names_another_domain_and_advanced_security():
    stage = dataclasses.replace(
        PROD, cognito={"domain_prefix": "acme-todos", "advanced_security": "ENFORCED"}
    )
    pool = user_pool.definition(stage)
    assert pool.domain_prefix == "acme-todos"
    settings_ = user_pool.pool_settings(pool)
    assert settings_["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert settings_["UserPoolTier"] == "PLUS"
    assert "UserPoolTier" not in user_pool.pool_settings(PROD_POOL)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"domain_prefix": "Todo_API"}, "domain prefix"),
        ({"domain_prefix": "my-cognito-todos"}, "without aws, amazon, cognito"),
        ({"advanced_security": "ON"}, "advanced_security 'ON'"),
        ({"domian_prefix": "typo"}, "unknown cognito settings"),
    ],
)
def test_a_bad_cognito_setting_is_refused_by_name(options, message):
    with pytest.raises(StageError, match=message):
        user_pool.definition(dataclasses.replace(PROD, cognito=options))


def test_a_stage_without_a_pool_has_no_definition():
    with pytest.raises(StageError, match="no Cognito user pool"):
        user_pool.definition(dataclasses.replace(PROD, identity="secret"))


def test_provision_makes_the_pool_with_email_sign_in_and_a_strong_password_policy(idp):
    published, lines = user_pool.provision_pool(idp, PROD_POOL)

    pool = idp.describe_user_pool(UserPoolId=pool_id(published))["UserPool"]
    assert pool["Name"] == "todo-api-prod-users"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[f"Require{kind}"] for kind in ("Uppercase", "Lowercase", "Numbers", "Symbols")
    )
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["UserPoolTags"] == {"project": "todo-api", "stage": "prod"}
    assert pool["Domain"] == "todo-api-prod-123456789012"
    assert published.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"
    assert [line.split(":")[1].split()[0] for line in lines] == ["created"] * 4


def test_the_resource_server_holds_the_scopes_the_authorizer_checks(idp):
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    server = idp.describe_resource_server(UserPoolId=pool_id(published), Identifier="todos")
    scopes = {s["ScopeName"] for s in server["ResourceServer"]["Scopes"]}
    assert {f"todos/{scope}" for scope in scopes} == {auth.READ_SCOPE, auth.WRITE_SCOPE}


def test_the_web_client_is_public_code_grant_only_and_returns_to_the_stages_origin(idp):
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    client = the_client(idp, published)
    assert "ClientSecret" not in client
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthScopes"] == ["openid", auth.READ_SCOPE, auth.WRITE_SCOPE]
    assert client["CallbackURLs"] == ["https://todo.example.com/"]
    # The web client's sign-out sends the hosted UI's /logout this, to end its session too.
    assert client["LogoutURLs"] == [PROD_POOL.sign_out_url] == ["https://todo.example.com/"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    # Deployed clients sign in through the hosted UI only: no password reaches the API.
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]


def test_a_second_provision_only_reads_and_makes_no_duplicates(idp):
    first, _ = user_pool.provision_pool(idp, PROD_POOL)
    calls = record_calls(idp)

    second, lines = user_pool.provision_pool(idp, PROD_POOL)

    assert second == first
    assert all(": unchanged" in line for line in lines), lines
    assert all(call.startswith(("List", "Describe")) for call in calls), calls
    assert len(idp.list_user_pools(MaxResults=60)["UserPools"]) == 1
    pool = pool_id(first)
    assert len(idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]) == 1
    assert len(idp.list_resource_servers(UserPoolId=pool, MaxResults=50)["ResourceServers"]) == 1


def test_a_client_changed_by_hand_is_brought_back(idp):
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    idp.update_user_pool_client(
        UserPoolId=pool_id(published),
        ClientId=published.client_id,
        CallbackURLs=["https://evil.example.com/"],
        AllowedOAuthFlows=["code", "implicit"],
    )

    _, lines = user_pool.provision_pool(idp, PROD_POOL)

    assert f"app client todo-api-prod-web: updated ({published.client_id})" in lines
    client = the_client(idp, published)
    assert client["CallbackURLs"] == ["https://todo.example.com/"]
    assert client["AllowedOAuthFlows"] == ["code"]


def test_provision_names_the_ids_and_the_hosted_ui_it_made(idp):
    published, lines = user_pool.provision_pool(idp, PROD_POOL)
    assert lines[0] == f"user pool todo-api-prod-users: created ({pool_id(published)})"
    assert lines[2] == f"app client todo-api-prod-web: created ({published.client_id})"
    assert lines[3] == (
        "domain todo-api-prod-123456789012: created "
        "(https://todo-api-prod-123456789012.auth.us-east-1.amazoncognito.com)"
    )


def test_deletion_protection_is_turned_back_on_and_never_off(idp):
    # UpdateUserPool resets what it is not given: each change repeats the rest.
    prod, _ = user_pool.provision_pool(idp, PROD_POOL)
    unprotected = {**user_pool.pool_settings(PROD_POOL), "DeletionProtection": "INACTIVE"}
    idp.update_user_pool(UserPoolId=pool_id(prod), **unprotected)
    dev_pool = user_pool.definition(DEV)
    dev, _ = user_pool.provision_pool(idp, dev_pool)
    protected = {**user_pool.pool_settings(dev_pool), "DeletionProtection": "ACTIVE"}
    idp.update_user_pool(UserPoolId=pool_id(dev), **protected)

    _, prod_lines = user_pool.provision_pool(idp, PROD_POOL)
    _, dev_lines = user_pool.provision_pool(idp, dev_pool)

    assert prod_lines[0] == f"user pool todo-api-prod-users: updated ({pool_id(prod)})"
    assert dev_lines[0] == f"user pool todo-api-dev-users: unchanged ({pool_id(dev)})"
    for published in (prod, dev):
        pool = idp.describe_user_pool(UserPoolId=pool_id(published))["UserPool"]
        assert pool["DeletionProtection"] == "ACTIVE"


def test_a_pool_with_another_domain_is_left_to_a_person(idp):
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    other = dataclasses.replace(PROD_POOL, domain_prefix="todo-api-elsewhere")
    with pytest.raises(user_pool.PoolError, match="has the domain 'todo-api-prod-123456789012'"):
        user_pool.provision_pool(idp, other)
    pool = idp.describe_user_pool(UserPoolId=pool_id(published))["UserPool"]
    assert pool["Domain"] == PROD_POOL.domain_prefix


def test_provision_publishes_the_pool_where_the_authorizer_reads_it(idp, monkeypatch):
    ssm = boto3.client("ssm")
    published, _ = user_pool.provision_pool(idp, PROD_POOL)
    assert (
        user_pool.publish(ssm, PARAMETER, published, PROD.tags) == f"parameter {PARAMETER}: created"
    )
    assert user_pool.publish(ssm, PARAMETER, published, PROD.tags) == (
        f"parameter {PARAMETER}: unchanged"
    )
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Type"] == "String"

    identity.published_pool.cache_clear()
    for name in OIDC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OIDC_SETTINGS_PARAMETER", PARAMETER)
    oidc = settings.oidc_settings()
    identity.published_pool.cache_clear()

    assert oidc is not None
    assert (oidc.issuer, oidc.client_id, oidc.audience) == (
        published.issuer,
        published.client_id,
        None,
    )
    assert oidc.jwks_url == published.issuer + "/.well-known/jwks.json"


def test_the_template_holds_the_pool_its_resource_server_client_and_domain():
    resources = merge.merge_template("prod", chalice_generated())["Resources"]
    pool = resources[pool_template.USER_POOL]
    assert pool["Type"] == "AWS::Cognito::UserPool"
    # Kept when the stack goes, unless its first create failed: then the retry can make it.
    assert pool["DeletionPolicy"] == "RetainExceptOnCreate"
    assert pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    pool_ref = {"Ref": pool_template.USER_POOL}
    server = resources[pool_template.RESOURCE_SERVER]
    assert server["Properties"]["UserPoolId"] == pool_ref
    assert server["Properties"]["Identifier"] == "todos"
    client = resources[pool_template.CLIENT]
    assert client["DependsOn"] == [pool_template.RESOURCE_SERVER]
    assert client["Properties"]["UserPoolId"] == pool_ref
    assert client["Properties"]["GenerateSecret"] is False
    assert client["Properties"]["AllowedOAuthFlows"] == ["code"]
    assert client["Properties"]["CallbackURLs"] == ["https://todo.example.com/"]
    assert client["Properties"]["LogoutURLs"] == [PROD_POOL.sign_out_url]
    domain = resources[pool_template.DOMAIN]["Properties"]
    # Unique per account by default: a prefix domain is unique per region across accounts.
    assert domain == {
        "UserPoolId": pool_ref,
        "Domain": {"Fn::Sub": "todo-api-prod-${AWS::AccountId}"},
    }


def test_the_authorizer_takes_the_pool_by_sub_and_ref_with_no_id_written_down():
    merged = merge.merge_template("prod", chalice_generated())
    variables = merged["Resources"]["JwtAuth"]["Properties"]["Environment"]["Variables"]
    assert variables["OIDC_ISSUER"] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    }
    assert variables["OIDC_CLIENT_ID"] == {"Ref": pool_template.CLIENT}
    # Blank: settings.oidc_settings() would refuse the parameter beside an issuer.
    assert variables["OIDC_SETTINGS_PARAMETER"] == ""
    assert "Environment" not in merged["Resources"]["APIHandler"].get("Properties", {})
    assert merged["Outputs"]["HostedUiUrl"]["Value"] == {
        "Fn::Sub": "https://todo-api-prod-${AWS::AccountId}.auth.${AWS::Region}.amazoncognito.com"
    }
    assert "us-east-1_" not in json.dumps(merged)


def test_the_authorizer_gets_its_cryptography_layer_as_a_parameter_unless_named():
    merged = merge.merge_template("prod", chalice_generated())
    assert merged["Resources"]["JwtAuth"]["Properties"]["Layers"] == [
        {"Ref": pool_template.LAYER_PARAMETER}
    ]
    assert merged["Parameters"][pool_template.LAYER_PARAMETER]["Type"] == "String"
    named = merge.merge_template("prod", chalice_generated(Layers=["arn:aws:lambda:x"]))
    assert "Layers" not in named["Resources"]["JwtAuth"]["Properties"]
    assert "Parameters" not in named


def test_the_templates_environment_gives_the_authorizer_the_pool_without_any_aws_call(
    monkeypatch,
):
    # As the packaged template sets it: the ids by Ref, the parameter blanked. This test
    # may open no connection (tests/conftest.py), so reading SSM would fail it.
    for name in OIDC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
    monkeypatch.setenv("OIDC_ISSUER", issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", "abc123")
    monkeypatch.setenv("OIDC_SETTINGS_PARAMETER", "")
    oidc = settings.oidc_settings()
    assert oidc is not None
    assert (oidc.issuer, oidc.client_id) == (issuer, "abc123")


def test_a_stage_without_a_pool_gets_none_in_its_template():
    hs256 = dataclasses.replace(PROD, identity="secret", function_variables={})
    merge = {"Resources": {}, "Outputs": {}}
    assert pool_template.with_user_pool(hs256, chalice_generated(), merge) is merge


def test_the_domain_is_unique_per_account_unless_the_stage_names_one():
    assert user_pool.definition(PROD, "111122223333").domain_prefix == "todo-api-prod-111122223333"
    named = dataclasses.replace(PROD, cognito={"domain_prefix": "acme-todos"})
    assert user_pool.definition(named, "111122223333").domain_prefix == "acme-todos"


def test_a_domain_taken_elsewhere_stops_provision_with_what_to_do(idp):
    """Cognito refuses a prefix another account holds; provision says how to name another."""
    stubbed = boto3.client("cognito-idp")
    stubber = Stubber(stubbed)
    taken = user_pool.PoolDefinition("todo-api-prod", "https://todo.example.com", "todos", False)
    stubber.add_response("describe_user_pool", {"UserPool": {"Id": "p"}}, {"UserPoolId": "p"})
    stubber.add_client_error(
        "create_user_pool_domain", "InvalidParameterException", "Domain already exists."
    )
    with (
        stubber,
        pytest.raises(
            user_pool.PoolError,
            match=r"unique per region across all AWS "
            r"accounts.*\"domain_prefix\"",
        ),
    ):
        user_pool._ensure_domain(stubbed, "p", taken)
