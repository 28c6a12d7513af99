"""The stages the HTTP API variant's tests package: prod, prod made an HS256 stage, and that
stage given a Cognito issuer in its environment."""

import dataclasses

from app import app
from tools.deploy.stage import DeployedStage, deployed_stage

PROD = deployed_stage("prod")

# prod as it would be without its pool: HS256 tokens signed with the stage secret.
STAGE = dataclasses.replace(PROD, identity="secret", function_variables={})

COGNITO_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1"

CHALICE_ROUTES = {(method, path) for path, methods in app.routes.items() for method in methods}


def with_environment(**changes: str) -> DeployedStage:
    return dataclasses.replace(STAGE, environment={**STAGE.environment, **changes})


COGNITO = with_environment(OIDC_ISSUER=COGNITO_ISSUER, OIDC_CLIENT_ID="example-client")
