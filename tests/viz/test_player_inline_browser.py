"""An inline player (a notebook cell, a course page) keeps a readable drawing when its table
of numbers is open: the table sits below and the page scrolls to it.

Before: the open table (one row per node, 20 rows for lecture 003's 2-2-1 network) counted as
part of the player's height, and the drawing shrank to its 120 px floor (a thumbnail on the
course page of lecture 003). Skips with a reason without Chromium/Playwright/dot; fails in CI.
"""

from __future__ import annotations

import shutil

import pytest
from headless import chromium, missing_browser, require

import nn
import viz
from autograd import Value


def _loss() -> Value:
    net = nn.scalar.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                                     activation="sigmoid")
    y = net([Value(0.35, label="x1", requires_grad=False),
             Value(0.9, label="x2", requires_grad=False)])
    loss = 0.5 * (0.5 - y) ** 2
    loss.label = "L"
    return loss


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_an_open_table_does_not_shrink_the_inline_drawing(tmp_path, width, height):
    missing = list(missing_browser())
    if shutil.which("dot") is None:
        missing.append("Graphviz dot (the player's drawing)")
    require(missing)
    stepper = viz.step(_loss(), precision=4, collapse="neuron", rankdir="TB")
    page = tmp_path / "cell.html"
    page.write_text("<!doctype html><meta charset='utf-8'><body>"
                    + stepper.to_html(full_page=False, images=False) + "</body>",
                    encoding="utf-8")
    with chromium() as browser:
        view = browser.new_page(viewport={"width": width, "height": height})
        view.goto(page.resolve().as_uri())
        view.locator(".cr-player svg").wait_for()
        opened, rows, drawing = view.evaluate("""() => {
            const d = document.querySelector('.cr-player details.cr-numbers');
            const svg = document.querySelector('.cr-player svg');
            return [d.open, d.querySelectorAll('tr').length,
                    svg.getBoundingClientRect().height];
        }""")
        assert opened and rows > 10  # the table is there and open, as in a notebook
        assert drawing >= 0.45 * height, f"drawing {drawing:.0f} px high in a {height} px window"
        view.keyboard.press("End")  # and it stays so on the last step, with the longest text
        view.locator(".cr-player").click()
        view.keyboard.press("End")
        last = view.evaluate("() => document.querySelector('.cr-player svg')"
                             ".getBoundingClientRect().height")
        assert last >= 0.45 * height
