"""The distribution: import names, the shadowing guard, the wheel's contents, the README."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORT_NAMES = ("autograd", "nn", "viz")


@pytest.mark.parametrize("name", IMPORT_NAMES)
def test_import_name_is_ours_only(name):
    owners = set(packages_distributions().get(name, []))
    assert owners <= {"chainrule"}, f"{name!r} is also provided by {owners - {'chainrule'}}"
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().is_relative_to(ROOT / name)


@pytest.mark.parametrize("importer", ["nn", "viz"])
def test_shadowing_autograd_fails_loudly(tmp_path, importer):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("# some other autograd\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", f"import {importer}"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "chainrule's 'autograd'" in result.stderr
    assert "fresh virtual environment" in result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    (path,) = out.glob("chainrule-*.whl")
    return path


def test_wheel_contains_exactly_the_three_packages_and_the_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    import autograd

    assert top == {"autograd", "nn", "viz", f"chainrule-{autograd.__version__}.dist-info"}
    for package in IMPORT_NAMES:
        assert f"{package}/py.typed" in names
    assert any(n.startswith("nn/") and n.endswith("digits.csv.gz") for n in names)
    assert {f"viz/html/{f}" for f in ("player.js", "player.css", "live.js", "live.css",
                                      "drawing.js")} <= set(names)  # the pages' files


def test_readme_gives_the_two_commands_first():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _other_autograd_wheel(folder: Path) -> Path:
    """A wheel named ``autograd`` that, like PyPI's, writes its own autograd/__init__.py."""
    files = {"autograd/__init__.py": b"# another library called autograd\n",
             "autograd/tracer.py": b"",
             "autograd-9.9.dist-info/METADATA": b"Metadata-Version: 2.1\nName: autograd\n"
                                                  b"Version: 9.9\n",
             "autograd-9.9.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\n"
                                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("autograd-9.9.dist-info/RECORD,,")
    path = folder / "autograd-9.9-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("autograd-9.9.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def test_the_autograd_clash_gives_a_recovery_command_that_works(wheel, tmp_path):
    """In a fresh venv with chainrule, another ``autograd`` overwrites ours; ``import nn`` names
    the command that puts ours back, and that exact command, run there, does."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    python = bin_dir / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # numpy, graphviz and tqdm from this environment (a path entry: its .pth files, among them
    # the editable install of chainrule, are not processed)
    Path(purelib, "chainrule_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # this environment's pip, acting on the fresh one, as its `pip` command
    (bin_dir / "pip").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pip --python '
                                 f'"{python}" "$@"\n')
    (bin_dir / "pip").chmod(0o755)
    # offline: the index is a folder with chainrule's wheel (its dependencies are present)
    index = tmp_path / "index"
    index.mkdir()
    (index / wheel.name).write_bytes(wheel.read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(index), PIP_NO_DEPS="1")

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)

    quickstart = "from autograd import Value; import nn, viz; print(Value(2.0) * 3)"
    assert run(f"pip install -q {wheel}").returncode == 0
    assert run(f"python -c '{quickstart}'").returncode == 0
    other = run(f"pip install -q {_other_autograd_wheel(tmp_path)}")
    assert other.returncode == 0, other.stderr
    broken = run("python -c 'import nn'")
    assert broken.returncode != 0
    command = "pip uninstall -y autograd && pip install --force-reinstall chainrule"
    assert command in broken.stderr, broken.stderr
    assert command in (ROOT / "README.md").read_text()
    fixed = run(command)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    result = run(f"python -c '{quickstart}'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Value(data=6.0")
