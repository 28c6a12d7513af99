"""A stage's settings as .chalice/config.json defines them, for commands run outside Chalice."""

import json
from pathlib import Path
from typing import Any

CONFIG_PATH = Path(__file__).resolve().parent.parent / ".chalice" / "config.json"


def environment(stage: str) -> dict[str, str]:
    """The environment Chalice gives the API handler on this stage (global, then stage)."""
    config: dict[str, Any] = json.loads(CONFIG_PATH.read_text())
    if stage not in config["stages"]:
        raise SystemExit(
            f"unknown stage {stage!r}; .chalice/config.json has {sorted(config['stages'])}"
        )
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }
