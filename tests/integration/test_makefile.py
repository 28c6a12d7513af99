"""`make help`, and plain `make`: every command a person types, each once, with the first line
of the `##` comment written above its target."""

import re
import subprocess

from tools import PROJECT_DIR


def make(*goals):
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *goals],  # noqa: S607 - as a person runs it
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout


def test_make_help_lists_each_command_of_the_makefile_once_with_its_description():
    [phony] = re.findall(r"^\.PHONY: (.+)$", (PROJECT_DIR / "Makefile").read_text(), re.M)
    rows = [line.split(maxsplit=2) for line in make("help").splitlines()]
    assert sorted(target for _, target, _ in rows) == sorted(phony.split())
    assert {word for word, _, _ in rows} == {"make"}
    assert all(description.endswith(".") for _, _, description in rows), rows


def test_plain_make_is_make_help():
    assert make() == make("help")
