"""The release artefacts, checked the way PyPI and a user would meet them.

``python -m build`` makes a wheel and an sdist, ``twine check --strict`` accepts both, the sdist
carries the tests, notebooks and the data credit, the metadata has one version (autograd's
``__version__``), the licence, URLs and classifiers; and the wheel, installed with pip into a
fresh virtual environment, runs the README quickstart. Offline: the build reuses this
environment's hatchling (``--no-isolation``), and the fresh environment sees this one's numpy,
graphviz and tqdm through a path entry, so pip installs chainrule itself from the wheel only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                             str(out), str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("chainrule-*.whl")
    (sdist,) = out.glob("chainrule-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def _metadata(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(z.read(name).decode())


def test_twine_check_passes(dist):
    pytest.importorskip("twine")
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                             str(dist["wheel"]), str(dist["sdist"])],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_one_version_licence_urls_and_classifiers(dist):
    meta = _metadata(dist["wheel"])
    assert meta["Version"] == autograd.__version__
    assert dist["wheel"].name.startswith(f"chainrule-{autograd.__version__}-")
    assert dist["sdist"].name == f"chainrule-{autograd.__version__}.tar.gz"
    assert not re.search(r'^version\s*=', (ROOT / "pyproject.toml").read_text(), re.M)
    assert meta["License-Expression"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(urls)
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers and "Intended Audience :: Education" in classifiers
    assert meta["Description-Content-Type"] == "text/markdown"
    with zipfile.ZipFile(dist["wheel"]) as z:
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in z.namelist())


def test_changelog_has_the_released_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(autograd.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$",
                     text, re.M)


def test_sdist_has_tests_notebooks_and_the_data_credit(dist):
    with tarfile.open(dist["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        credit = tar.extractfile(
            f"chainrule-{autograd.__version__}/nn/datasets/README.md").read().decode()
    assert {"LICENSE", "CHANGELOG.md", "README.md", "Makefile", "pyproject.toml"} <= names
    assert "tests/autograd/test_value.py" in names
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks and all(f"notebooks/{n}" in names for n in notebooks)
    assert "nn/datasets/digits.csv.gz" in names
    assert "UCI" in credit and "CC BY 4.0" in credit
    assert not any(n.startswith(("docs/_build", ".venv", "docs/site/course/")) for n in names)


def test_wheel_in_a_fresh_venv_runs_the_readme_quickstart(dist, tmp_path):
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # numpy, graphviz and tqdm from this environment (a plain path entry: its .pth files,
    # among them the editable install of chainrule, are not processed)
    Path(purelib, "chainrule_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                              "--no-index", "--no-deps", "-q", str(dist["wheel"])],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr

    text = (ROOT / "README.md").read_text()
    match = re.search(r"## Quickstart.*?```python\n(.*?)```\s*\nprints\s*\n\s*```\n(.*?)```",
                      text, re.S)
    assert match, "README quickstart block not found"
    code, expected = match.groups()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = ("import autograd, nn, viz, sys; "
             "print(autograd.__file__, autograd.__version__, nn.digits()[0].shape)")
    run = subprocess.run([str(python), "-c", where], cwd=tmp_path, capture_output=True,
                         text=True, env=clean)
    assert run.returncode == 0, run.stderr
    location, version, shape = run.stdout.split(" ", 2)
    assert Path(location).is_relative_to(Path(purelib))  # the wheel, not the source tree
    assert version == autograd.__version__ and shape.strip() == "(1797, 64)"
    result = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env=clean)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    # the player's script and styles are package data of the wheel
    page = ("import viz; from viz.demo import xyz_circuit; "
            "p = viz.step(xyz_circuit()).to_html(); print('function (D, S)' in p, '.cr-bar' in p)")
    run = subprocess.run([str(python), "-c", page], cwd=tmp_path, capture_output=True,
                         text=True, env=clean)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]
