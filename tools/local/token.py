"""Prints a bearer token for the local stage: `python -m tools.local.token alice`.

The token is the last line of the output, so `$(make -s token USER=alice)` works.
"""

import argparse
import time

import jwt

from tools.deploy.stage import environment

LIFETIME_SECONDS = 3600


def issue_token(
    subject: str,
    env: dict[str, str],
    lifetime: int = LIFETIME_SECONDS,
    scope: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject,
        "iss": env["JWT_ISSUER"],
        "aud": env["JWT_AUDIENCE"],
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    if scope is not None:
        claims["scope"] = scope
    return jwt.encode(claims, env["JWT_SECRET"], algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("subject", help="who the token speaks for (its 'sub' claim)")
    parser.add_argument("--stage", default="local", help="a stage whose secret is in its config")
    parser.add_argument(
        "--scope", help='a "scope" claim, for REQUIRE_SCOPES=true: "todos/read todos/write"'
    )
    args = parser.parse_args()
    env = environment(args.stage)
    if "JWT_SECRET" not in env:
        raise SystemExit(
            f"stage {args.stage!r} keeps its secret in SSM; tokens come from its issuer"
        )
    print(issue_token(args.subject, env, scope=args.scope))


if __name__ == "__main__":
    main()
