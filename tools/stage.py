"""A stage's settings as .chalice/config.json defines them, for commands run outside Chalice."""

import json
from pathlib import Path
from typing import Any

CONFIG_PATH = Path(__file__).resolve().parent.parent / ".chalice" / "config.json"


def _config() -> dict[str, Any]:
    return json.loads(CONFIG_PATH.read_text())


def stage_config(stage: str) -> dict[str, Any]:
    """The stage's own block of config.json."""
    stages = _config()["stages"]
    if stage not in stages:
        raise SystemExit(f"unknown stage {stage!r}; .chalice/config.json has {sorted(stages)}")
    return stages[stage]


def environment(stage: str) -> dict[str, str]:
    """The environment Chalice gives the API handler on this stage (global, then stage)."""
    return {
        **_config().get("environment_variables", {}),
        **stage_config(stage).get("environment_variables", {}),
    }
