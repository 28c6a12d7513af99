"""tools.browser: which browser the browser tests get, and how one is installed when none is
there. Nothing here installs or starts anything: the commands are only compared."""

import subprocess
import sys
from types import SimpleNamespace

import pytest

from tools import browser

PLAYWRIGHT = [sys.executable, "-m", "playwright", "install", "--no-shell", "chromium"]
APT = ["env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get"]


def playwright_with_its_chromium_at(path):
    return SimpleNamespace(chromium=SimpleNamespace(executable_path=str(path)))


@pytest.fixture
def path_with_chromium(tmp_path, monkeypatch):
    """PATH holding one executable, chromium; its path."""
    chromium = tmp_path / "bin" / "chromium"
    chromium.parent.mkdir()
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setenv("PATH", str(chromium.parent))
    return chromium


def test_playwrights_own_chromium_comes_first(tmp_path, path_with_chromium):
    own = tmp_path / "ms-playwright" / "chrome"
    own.parent.mkdir()
    own.write_text("")
    assert browser.executable(playwright_with_its_chromium_at(own)) == str(own)


def test_without_playwrights_own_the_systems_chromium_is_used(tmp_path, path_with_chromium):
    missing = tmp_path / "ms-playwright" / "chrome"
    assert browser.executable(playwright_with_its_chromium_at(missing)) == str(path_with_chromium)


def test_without_either_there_is_no_browser(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert browser.executable(playwright_with_its_chromium_at(tmp_path / "chrome")) is None


def test_as_root_apt_get_comes_first_then_with_fresh_package_lists_then_playwright():
    install = [*APT, "install", "-y", "-q", "chromium"]
    assert browser.ways_to_install("/usr/bin/apt-get", None, root=True) == [
        [install],
        [[*APT, "update", "-q"], install],
        [PLAYWRIGHT],
    ]


def test_a_user_runs_apt_get_through_sudo():
    ways = browser.ways_to_install("/usr/bin/apt-get", "/usr/bin/sudo", root=False)
    assert [command[0] for way in ways[:2] for command in way] == ["/usr/bin/sudo"] * 3
    assert ways[2] == [PLAYWRIGHT]


@pytest.mark.parametrize(
    ("apt_get", "sudo", "root"),
    [(None, None, True), (None, "/usr/bin/sudo", False), ("/usr/bin/apt-get", None, False)],
    ids=["no apt-get", "no apt-get, sudo", "apt-get, neither root nor sudo"],
)
def test_where_apt_get_cannot_run_as_root_only_playwright_is_tried(apt_get, sudo, root):
    assert browser.ways_to_install(apt_get, sudo, root) == [[PLAYWRIGHT]]


def test_a_browser_already_there_installs_nothing():
    tried = []
    assert browser.ensure([[["a"]], [["b"]]], tried.append, lambda: True)
    assert tried == []


def test_the_ways_are_tried_in_order_until_a_browser_is_there():
    tried = []
    assert browser.ensure([[["a"]], [["b"]], [["c"]]], tried.append, lambda: len(tried) == 2)
    assert tried == [[["a"]], [["b"]]]


def test_when_no_way_gives_a_browser_each_is_tried_once():
    tried = []
    assert not browser.ensure([[["a"]], [["b"]]], tried.append, lambda: False)
    assert tried == [[["a"]], [["b"]]]


def test_when_every_way_fails_main_stops_with_one_line_saying_what_to_install(
    tmp_path, monkeypatch, capsys
):
    tried = []
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no sudo
    monkeypatch.setattr(browser, "LOG", tmp_path / "browser-install.log")
    monkeypatch.setattr(browser, "PROJECT_DIR", tmp_path)
    monkeypatch.setattr(browser, "found", lambda: False)
    monkeypatch.setattr(browser, "run_logged", tried.append)
    assert browser.main() == 1
    assert tried == [[PLAYWRIGHT]]
    [line] = capsys.readouterr().err.splitlines()
    assert "apt-get install chromium" in line
    assert "playwright install --no-shell chromium" in line


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """The commands run_logged runs, none of them really; LOG in tmp_path."""
    monkeypatch.setattr(browser, "LOG", tmp_path / "browser-install.log")
    ran = []

    def run(command, **_):
        ran.append(command)
        if command[0] == "missing":
            raise FileNotFoundError(2, "No such file or directory", command[0])
        return subprocess.CompletedProcess(command, 100 if command[0] == "failing" else 0)

    monkeypatch.setattr(browser.subprocess, "run", run)
    return ran


def test_a_way_stops_at_its_first_failing_command(runs):
    browser.run_logged([["fine"], ["failing"], ["never"]])
    assert runs == [["fine"], ["failing"]]


def test_a_way_whose_program_is_missing_fails_and_the_log_says_so(runs):
    browser.run_logged([["missing", "x"], ["never"]])
    assert runs == [["missing", "x"]]
    assert "No such file or directory: 'missing'" in browser.LOG.read_text()
