"""The zip's bytecode (tools.deploy.package.bytecode) is the runtime's: its cache tag, magic
number and unchecked-hash flag, compiled from exactly the zipped source."""

import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

from tools.deploy.package import bytecode

SOURCES = {"app.py": "import chalicelib.model\n", "chalicelib/model.py": "X = 1\n"}


def a_package(out: Path, runtime: str = "python3.13") -> Path:
    out.mkdir()
    function = {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": runtime}}
    template = {"Resources": {"APIHandler": function, "Api": {"Type": "AWS::Serverless::Api"}}}
    (out / "sam.json").write_text(json.dumps(template))
    with zipfile.ZipFile(out / "deployment.zip", "w") as package:
        for name, text in SOURCES.items():
            package.writestr(name, text)
    return out


def test_every_module_gets_unchecked_hash_bytecode_of_its_own_source(tmp_path: Path):
    out = a_package(tmp_path / "out")
    assert bytecode.add_bytecode(out) == 2
    with zipfile.ZipFile(out / "deployment.zip") as package:
        names = set(package.namelist())
        assert {
            "__pycache__/app.cpython-313.pyc",
            "chalicelib/__pycache__/model.cpython-313.pyc",
        } <= names
        for source, text in SOURCES.items():
            pyc = package.read(bytecode.pyc_name(source))
            magic, flags, source_hash = bytecode.header(pyc)
            assert magic == importlib.util.MAGIC_NUMBER
            assert flags == 0b01  # hash-based, not checked against the source
            assert source_hash == importlib.util.source_hash(text.encode())
            assert bytecode.matches(pyc, text.encode())
            assert not bytecode.matches(pyc, text.encode() + b"# changed\n")


def test_the_bytecode_is_what_the_import_system_loads(tmp_path: Path):
    out = a_package(tmp_path / "out")
    bytecode.add_bytecode(out)
    task = tmp_path / "task"
    with zipfile.ZipFile(out / "deployment.zip") as package:
        package.extractall(task)
    (task / "chalicelib" / "model.py").write_text("X = 2\n")  # unchecked: source ignored
    spec = importlib.util.spec_from_file_location("bench_model", task / "chalicelib" / "model.py")
    assert spec is not None
    assert spec.cached == str(task / "chalicelib" / "__pycache__" / "model.cpython-313.pyc")
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.X == 1


def test_adding_twice_adds_nothing_more(tmp_path: Path):
    out = a_package(tmp_path / "out")
    bytecode.add_bytecode(out)
    assert bytecode.add_bytecode(out) == 0


def test_another_runtime_than_this_python_stops_packaging(tmp_path: Path):
    out = a_package(tmp_path / "out", runtime="python3.12")
    with pytest.raises(bytecode.RuntimeMismatch, match=r"python3\.12"):
        bytecode.add_bytecode(out)
