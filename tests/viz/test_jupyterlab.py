"""Drawings and the player inside a real JupyterLab, driven by headless Chromium (issue 15).

One test, two halves:

1. Trusted: JupyterLab (headless, loopback port, a token) opens notebook 01, runs all cells,
   and a player is stepped with a key and with its "next" button; its highlighted table row
   must have the highlight colour (JupyterLab's zebra stripes must not win), and the page
   must log no console errors.
2. Untrusted: a copy of notebook 01 executed by nbclient (as ``nbconvert --execute`` or a
   shared notebook would be) is opened without running it. JupyterLab shows no SVG there, so
   every drawing must show its PNG, and every player its no-script form: frame images and
   step texts, no SVG text leaking, a bounded height.
3. Live pages (issue 22): notebook 09, trusted, runs all cells; its explore and practice pages
   are scripted through ``window.chainrule.players`` (a descent step, a set, a wrong answer).

The server is stopped at the end. Skips with a reason when Chromium, Playwright, JupyterLab
or Graphviz is missing (and fails in CI, where ``make`` installs them). About 40-60 s.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from headless import chromium, missing_browser

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_computation_graphs.ipynb"
HIGHLIGHT_RGB = "rgb(255, 224, 102)"  # #ffe066, the player's current row
TIMEOUT_MS = 90_000


def _requirements() -> None:
    missing = missing_browser()
    for module, what in (("jupyterlab", "jupyterlab (the dev extra)"),
                         ("nbclient", "nbclient"), ("ipykernel", "ipykernel")):
        try:
            __import__(module)
        except ImportError:
            missing.append(what)
    if shutil.which("dot") is None:
        missing.append("Graphviz dot")
    if missing:
        reason = "JupyterLab browser test needs " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lab:
    """A JupyterLab server on 127.0.0.1 with a random token, serving ``root``."""

    def __init__(self, root: Path) -> None:
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        home = root.parent / "jupyter-home"
        settings = home / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # no news or update checks: the machine is offline and the page must log no errors
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        # render every cell (no windowing), so each output can be measured where it is
        tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)
        (tracker / "tracker.jupyterlab-settings").write_text(
            json.dumps({"windowingMode": "none"}))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = (home / "server.log").open("wb")
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url("/api/status"), timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (home / "server.log").read_text()[-2000:]
                    raise RuntimeError(f"JupyterLab did not start: {log}") from None
                time.sleep(0.3)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}?token={self.token}"

    def stop(self) -> None:
        try:  # a clean shutdown also stops the kernels
            request = urllib.request.Request(self.url("/api/shutdown"), method="POST")
            urllib.request.urlopen(request, timeout=10).close()
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


UNTRUSTED = "01_untrusted.ipynb"


def _execute_with_nbclient(root: Path) -> list[dict]:
    """Run notebook 01 as nbconvert would and save it unsigned (JupyterLab: untrusted)."""
    import nbclient
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(root)}}).execute()
    nbformat.write(nb, root / UNTRUSTED)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _requirements()
    root = tmp_path_factory.mktemp("lab") / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    with ThreadPoolExecutor(1) as pool:  # the untrusted copy is made while the server starts
        server = _Lab(root)
        server.untrusted_outputs = pool.submit(_execute_with_nbclient, root)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    with chromium() as b:
        yield b


def _open(browser, lab, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(lab.url(f"/lab/tree/{name}"))
    page.wait_for_function("""() => {
        const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        return w && w.content && w.content.widgets && w.content.widgets.length > 0
            && w.context && w.context.isReady; }""")
    return page, errors


# Everything the tests read from JupyterLab goes through its own model and widgets.
RUN_ALL = """async () => {
  const app = window.jupyterapp, panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
}"""
ALL_DONE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return kernel && kernel.status === 'idle'
      && cells.every(c => c.model.executionCount !== null && c.model.executionCount > 0);
}"""
ERRORS_IN_OUTPUTS = """() => {
  const panel = window.jupyterapp.shell.currentWidget, found = [];
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs.get(i).toJSON();
      if (o.output_type === 'error') found.push(o.ename + ': ' + o.evalue);
    }
  }
  return found;
}"""
# [cell index, output index, node] of every output holding a given MIME type
OUTPUT_NODES = """(mime) => {
  const panel = window.jupyterapp.shell.currentWidget, found = [];
  panel.content.widgets.forEach((cell, ci) => {
    if (cell.model.type !== 'code') return;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const data = outputs.get(i).data || {};
      const text = typeof data['text/html'] === 'string' ? data['text/html']
          : (data['text/html'] || []).join('');
      if (mime === 'player' ? text.includes('cr-player') : (mime in data)) {
        found.push([ci, i]);
      }
    }
  });
  return found;
}"""
PLAYER_STATE = """() => {
  const player = document.querySelector('.jp-Notebook .cr-player');
  const visible = el => el.offsetParent !== null;
  const rows = [...player.querySelectorAll('tr.cr-hl')].filter(visible);
  const row = rows[0];
  const colours = row ? [getComputedStyle(row).backgroundColor,
                         ...[...row.children].map(c => getComputedStyle(c).backgroundColor)] : [];
  return {counter: player.querySelector('.cr-counter').textContent.trim(), rows: rows.length,
          colours: colours, focused: player.contains(document.activeElement)};
}"""


def _output_node(page, cell: int, output: int):
    return page.evaluate_handle(
        "([c, o]) => window.jupyterapp.shell.currentWidget.content.widgets[c]"
        ".outputArea.widgets[o].node", [cell, output])


def test_trusted_notebook_runs_and_its_player_steps(lab, browser):
    page, errors = _open(browser, lab, NOTEBOOK.name)
    page.evaluate(RUN_ALL)
    page.wait_for_function(ALL_DONE, polling=500)
    assert page.evaluate(ERRORS_IN_OUTPUTS) == []
    drawings = page.evaluate(OUTPUT_NODES, "image/svg+xml")
    assert drawings, "notebook 01 shows drawings"
    for cell, out in drawings:  # trusted: the SVG is shown, fitted to the output width
        node = _output_node(page, cell, out)
        node.scroll_into_view_if_needed()
        box = node.evaluate("n => { const i = n.querySelector('img'); const r = i && "
                            "i.getBoundingClientRect(); return i && [i.src.slice(0, 19), "
                            "r.width, n.getBoundingClientRect().width]; }")
        assert box and box[0] == "data:image/svg+xml,", box
        assert 0 < box[1] <= box[2] + 1, f"drawing wider than its output: {box}"
    assert page.evaluate(OUTPUT_NODES, "player"), "notebook 01 shows a player"
    player = page.locator(".jp-Notebook .cr-player").first
    player.scroll_into_view_if_needed()
    start = page.evaluate(PLAYER_STATE)
    assert start["counter"].startswith("1 /"), start
    player.evaluate("p => p.focus()")
    page.keyboard.press("ArrowRight")
    after_key = page.evaluate(PLAYER_STATE)
    assert after_key["counter"].startswith("2 /"), after_key
    player.locator("button", has_text="next").first.click()
    after_button = page.evaluate(PLAYER_STATE)
    assert after_button["counter"].startswith("3 /"), after_button
    page.close()
    assert errors == [], errors
    # the current row keeps the highlight colour against JupyterLab's zebra stripes
    assert after_button["rows"] == 1, after_button
    assert HIGHLIGHT_RGB in after_button["colours"], after_button


def test_untrusted_copy_shows_pngs_and_the_player_fallback(lab, browser):
    outputs = lab.untrusted_outputs.result(timeout=180)
    name = UNTRUSTED
    n_png = sum("image/png" in o.get("data", {}) for o in outputs)
    n_drawings = sum("image/svg+xml" in o.get("data", {}) for o in outputs)
    assert n_drawings >= 1
    page, errors = _open(browser, lab, name)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.content.model"
                           ".trusted")
    page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook "
                           f".jp-RenderedImage img').length >= {n_png}")
    shown = page.evaluate("() => [...document.querySelectorAll('.jp-Notebook "
                          ".jp-RenderedImage img')].map(i => i.src.slice(0, 22))")
    assert len(shown) == n_png and set(shown) == {"data:image/png;base64,"}
    text = page.evaluate("() => document.querySelector('.jp-Notebook').innerText")
    assert "<viz.graph.Graph" not in text and "Cannot display an untrusted SVG" not in text
    for cell, out in page.evaluate(OUTPUT_NODES, "image/svg+xml"):  # every drawing: its PNG
        node = _output_node(page, cell, out)
        assert node.evaluate("n => !!n.querySelector('img[src^=\"data:image/png\"]')")
    players = page.evaluate(OUTPUT_NODES, "player")
    states = [_output_node(page, cell, out).evaluate("""n => (n.scrollIntoView(), {
        images: n.querySelectorAll('img[src^="data:image/png"]').length,
        svgs: n.querySelectorAll('svg').length, text: n.innerText,
        height: n.getBoundingClientRect().height})""") for cell, out in players]
    page.close()
    assert errors == [], errors
    assert players, "notebook 01 shows a player"
    for state in states:  # the no-script player: frame images and texts, no SVG text
        assert "df/d" in state["text"], "the fallback shows the step texts"
        assert state["svgs"] == 0
        assert "->" not in state["text"] and "chainrule" not in state["text"], \
            "SVG text (node titles like n0->n2) leaks into the fallback"
        assert state["images"] >= 2, "the fallback shows the frames as images"
        assert state["height"] <= 800, "the fallback has a bounded height"


PRACTICE = NOTEBOOK.parent / "09_practice.ipynb"


def test_trusted_live_pages_work_in_jupyterlab(lab, browser):
    # notebook 09's explore and practice pages run their scripts in a trusted notebook
    shutil.copy(PRACTICE, lab.root / PRACTICE.name)
    page, errors = _open(browser, lab, PRACTICE.name)
    # the workspace may restore an earlier test's notebook first: wait for this one
    page.wait_for_function("""(name) => { const w = window.jupyterapp.shell.currentWidget;
        return w && w.context && w.context.path === name && w.context.isReady
            && w.content.widgets.length > 0; }""", arg=PRACTICE.name)
    page.evaluate(RUN_ALL)
    page.wait_for_function(ALL_DONE, polling=500)
    assert page.evaluate(ERRORS_IN_OUTPUTS) == []
    page.wait_for_function("() => window.chainrule && window.chainrule.players.length >= 5")
    state = page.evaluate("""() => {
      const ps = window.chainrule.players, has = (p, n) => { try { p.value(n); return true; }
        catch (e) { return false; } };
      const net = ps.find(p => p.mode === 'explore' && has(p, 'W2_11'));
      const circuit = ps.find(p => p.mode === 'explore' && has(p, 'x0'));
      const quiz = ps.find(p => p.mode === 'practice' && has(p, 'w1'));
      const before = net.value('L');
      net.descend();
      circuit.set('x0', 3);
      for (let k = 0; k < quiz.frames() && quiz.ask() === null; k++) quiz.goto(k);
      return {modes: ps.map(p => p.mode), before: before, after: net.value('L'),
              w: net.value('W2_11'), f: circuit.value('f'), asked: quiz.ask(),
              wrong: quiz.answer('12345'),
              live: document.querySelectorAll('.jp-Notebook .cr-live.cr-js').length};
    }""")
    page.close()
    assert errors == [], errors
    assert state["modes"].count("practice") == 3 and state["modes"].count("explore") == 2
    assert state["live"] == 5  # every page's script ran (none left as its fallback)
    assert abs(state["w"] - 0.2723) < 1e-4 and state["after"] < state["before"]
    assert state["f"] > 0.99  # w0 x0 = 6: the neuron saturates
    assert state["asked"] == "w1" and state["wrong"] is False
