"""`make token`: the printed token is one the local stage's authorizer accepts."""

import subprocess
import sys

import jwt
from chalice.app import AuthRequest

from chalicelib import auth
from tests.support.stages import LOCAL
from tools import PROJECT_DIR

# Runs make token.


def run_token(*args):
    return subprocess.run(
        [sys.executable, "-m", "tools.local.token", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_last_line_is_a_token_the_local_authorizer_accepts(monkeypatch):
    result = run_token("alice")
    assert result.returncode == 0
    token = result.stdout.strip().splitlines()[-1]
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JWT_SECRET_PARAMETER", raising=False)
    arn = "arn:aws:execute-api:us-east-1:123456789012:api-id/local/GET/todos"
    response = auth.authorize(AuthRequest("TOKEN", f"Bearer {token}", arn))
    assert response.principal_id == "alice"
    assert response.routes == ["*"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


def test_a_stage_whose_secret_is_in_ssm_gets_no_token():
    result = run_token("alice", "--stage", "prod")
    assert result.returncode != 0
    assert "SSM" in result.stderr


def test_a_scope_can_be_asked_for():
    result = run_token("alice", "--scope", "todos/read")
    token = result.stdout.strip().splitlines()[-1]
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "todos/read"
