"""Baseline: the smallest Chalice app answering GET /health."""

from chalice import Chalice

app = Chalice(app_name="baseline-health")


@app.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}
