"""The README and the site's index page, run as a newcomer pastes them.

Every ```python block of the README runs, in order, in one fresh interpreter (as pasted into
one session, in an empty folder); a block followed by "prints" and a plain block must print
exactly that, and the others print nothing. The step texts the README quotes in its prose are
the library's texts, its command line runs, and its images load from absolute URLs (relative
links do not display on PyPI). The site's index page runs the same way, and every "N notebooks"
in the pages counts the notebooks there are.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INDEX = ROOT / "docs" / "site" / "index.md"

BLOCK = re.compile(r"```python\n(.*?)```(?:\s*\nprints\s*\n\s*```\n(.*?)```)?", re.S)
CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)

# Runs each block in one namespace, capturing what each prints; reports the first failure.
RUNNER = r"""
import contextlib, io, json, sys, traceback
blocks, check = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
outputs = []
for i, code in enumerate(blocks):
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, f"<block {i + 1}>", "exec"), namespace)
    except BaseException:
        print(json.dumps({"failed": i, "traceback": traceback.format_exc()}))
        sys.exit(0)
    outputs.append(buffer.getvalue())
checked = eval(compile(check, "<check>", "eval"), namespace) if check else None
print(json.dumps({"outputs": outputs, "checked": checked}))
"""


def _need_dot() -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz 'dot' must be installed in CI (make test installs it)")
        pytest.skip("the README's drawings need Graphviz 'dot'")


def _run_blocks(blocks: list[str], cwd: Path, check: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"  # a plain interpreter, as pasted into a terminal
    result = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps([blocks, check]),
                            cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "failed" not in report, (
        f"block {report.get('failed', 0) + 1} fails as pasted:\n"
        f"{blocks[report.get('failed', 0)]}\n{report.get('traceback')}")
    return report


def _quote(text: str, before: str) -> str:
    """The first backquoted text after ``before`` in ``text``, with line breaks as spaces."""
    match = re.search(re.escape(before) + r"[^`]*`([^`]+)`", text)
    assert match, f"README no longer quotes a text after {before!r}"
    return " ".join(match.group(1).split())


def test_readme_blocks_run_in_order_and_print_what_they_say(tmp_path):
    _need_dot()
    text = README.read_text()
    found = BLOCK.findall(text)
    assert len(found) >= 5, "README's Python blocks not found"
    blocks = [code for code, _ in found]
    sigmoid = "__import__('viz.demo').demo.sigmoid_circuit()"
    check = ("{'f': [fr.text for fr in viz.step(f).frames],"
             f" 'sigmoid': [fr.text for fr in viz.step({sigmoid}).frames],"
             f" 'tags': viz.draw({sigmoid}, tags=True).source}}")
    report = _run_blocks(blocks, tmp_path, check)
    for (code, expected), output in zip(found, report["outputs"]):
        assert output == (expected or ""), f"this block prints {output!r}:\n{code}"
    assert (tmp_path / "xyz.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "<html" in (tmp_path / "steps.html").read_text().lower()

    # the texts its prose quotes are what the library writes
    texts = report["checked"]
    assert _quote(text, "Texts never read circularly (") in texts["f"]
    rule = _quote(text, "as a rule, from the op-info\ntable: ")
    assert any(rule in t for t in texts["sigmoid"]), rule
    shown = _quote(text, "product round to the shown result (")
    assert any(shown in t for t in texts["sigmoid"]), shown
    name = _quote(text, "sigmoid_circuit()`, ")
    assert f">{name} = <" in texts["tags"], f"{name} not drawn with tags=True"
    step = _quote(text, f"`{name}` is")
    assert step in texts["sigmoid"] and step.startswith(f"{name} = ")


def test_readme_command_line_runs(tmp_path):
    _need_dot()
    text = README.read_text()
    (line,) = re.findall(r"^python -m viz .*$", text, re.M)
    args = shlex.split(line)
    assert args[:3] == ["python", "-m", "viz"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, *args[1:]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for flag in ("-o", "--html"):
        assert (tmp_path / args[args.index(flag) + 1]).stat().st_size > 100


def test_readme_images_use_absolute_urls_of_files_in_the_repository():
    text = README.read_text()
    source = re.search(r'^Source = "https://github.com/([^"]+)"', (ROOT / "pyproject.toml")
                       .read_text(), re.M).group(1)
    base = f"https://raw.githubusercontent.com/{source}/main/"
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert len(images) >= 3
    for url in images:
        assert url.startswith(base), f"{url} does not display on PyPI (not under {base})"
        path = url[len(base):].split("?")[0]
        assert (ROOT / path).is_file(), f"{url}: no {path} in the repository"


def test_index_page_code_runs_in_order(tmp_path):
    _need_dot()
    cells = CODE_CELL.findall(INDEX.read_text())
    assert len(cells) >= 2
    report = _run_blocks(cells, tmp_path, "[x.grad, y.grad, z.grad, q.label, f.label]")
    assert report["outputs"][0] == "3.0 -12.0\n-4.0 -4.0 3.0\n"
    assert report["checked"] == [-4.0, -4.0, 3.0, "q", "f"]


NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten "
                                      "eleven twelve".split())}


@pytest.mark.parametrize("page", [README, INDEX, ROOT / "notebooks" / "README.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_counts_are_right(page):
    count = len(list((ROOT / "notebooks").glob("[0-9]*.ipynb")))
    said = re.findall(rf"\b({'|'.join(NUMBERS)})\s+notebooks\b", page.read_text(), re.I)
    assert all(NUMBERS[w.lower()] == count for w in said), (said, count)
