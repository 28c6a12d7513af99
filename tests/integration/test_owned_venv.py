"""tools.owned_venv: a tool's virtualenv is made once, and again only when its
requirements change."""

from pathlib import Path

from tools import owned_venv

# Makes virtualenvs (ensurepip runs in a subprocess).


def test_a_virtualenv_is_remade_only_when_its_requirements_change(tmp_path: Path):
    requirements, included = tmp_path / "tool.txt", tmp_path / "shared.txt"
    requirements.write_text("# nothing to install\n")
    included.write_text("")
    home = tmp_path / "venv"
    python = owned_venv.ensure(home, requirements, (included,))
    assert python == home / "bin" / "python"
    assert python.exists()
    assert (home / ".gitignore").read_text().endswith("*\n")
    marker = home / "marker"
    marker.write_text("kept")
    assert owned_venv.ensure(home, requirements, (included,)) == python
    assert marker.exists()
    included.write_text("# changed\n")
    owned_venv.ensure(home, requirements, (included,))
    assert not marker.exists()
    assert python.exists()
