"""The benchmark's children, in fresh interpreters: they time and count what they say.
No timing is asserted: speed and size are figures `make bench` prints."""

import json
import subprocess
import sys
from pathlib import Path

from bench import warm
from tools.deploy.stage import environment

LOCAL = environment("local")


def test_a_tiny_warm_run_times_every_target_and_route():
    env = warm.child_environment(LOCAL)
    figures = warm.measure("http", warm.Plan(processes=2, rounds=3, batch=2), env)
    assert set(figures) == set(warm.TARGETS)
    for by_route in figures.values():
        assert set(by_route) == set(warm.ROUTES)
        for processes in by_route.values():
            assert [len(rounds) for rounds in processes] == [3, 3]
            assert min(min(rounds) for rounds in processes) > 0


def test_the_counting_child_answers_its_route_the_given_number_of_times(tmp_path: Path):
    spec = {
        "path": [str(warm.PROJECT_DIR), str(warm.PEERS_DIR)],
        "targets": {"bare": warm.TARGETS["bare"]},
        "routes": {"bare": ["get"]},
        "events": {"get": warm.route_events()["get"]},
        "warmup": 1,
        "count": 2,
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    result = subprocess.run(
        [sys.executable, str(warm.CHILD), str(tmp_path / "spec.json"), str(tmp_path / "out")],
        env=warm.child_environment(LOCAL),
        cwd=warm.PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert not (tmp_path / "out").exists()
