"""The stages' environments as the tests use them, and the dev stage's secret in moto's SSM."""

from tools.deploy.stage import environment

LOCAL = environment("local")
DEV = environment("dev")
DEV_SECRET = "dev-secret-from-parameter-store-" + "0123456789" * 4
