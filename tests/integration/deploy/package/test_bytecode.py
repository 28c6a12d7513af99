"""The packaged prod zip ships bytecode for its runtime, of every module it ships."""

import importlib.util
import json
import zipfile
from pathlib import Path

from tools.deploy.package import bytecode


def test_the_prod_zip_ships_bytecode_for_its_runtime_of_every_module(tmp_path: Path):
    from tools.deploy.package.build import build

    out = build("prod", tmp_path / "prod")
    runtime = bytecode.runtime_of(json.loads((out / "sam.json").read_text()))
    assert runtime == "python3.13"
    with zipfile.ZipFile(out / "deployment.zip") as package:
        names = package.namelist()
        sources = [name for name in names if name.endswith(".py")]
        pycs = [name for name in names if name.endswith(".pyc")]
        assert "chalice/__pycache__/app.cpython-313.pyc" in pycs
        assert len(pycs) == len(sources)
        for source in sources:
            compiled = package.read(bytecode.pyc_name(source))
            assert compiled[:4] == importlib.util.MAGIC_NUMBER
            assert bytecode.matches(compiled, package.read(source)), source
        assert all(f".{bytecode.cache_tag(runtime)}.pyc" in name for name in pycs)
