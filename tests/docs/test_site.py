"""The course site built by ``make docs``, tested as a web page (headless Chromium) and as files.

Needs the built site (docs/_build/html), so ``make test`` does not collect this folder;
``make docs-test`` runs it after ``make docs`` (and sets CHAINRULE_DOCS_TEST=1, which turns a
missing site, Chromium or Playwright into a failure instead of a skip). ``.ci/run`` calls it.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from headless import chromium, missing_browser

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("CHAINRULE_SITE", ROOT / "docs" / "_build" / "html"))
REQUIRED = os.environ.get("CHAINRULE_DOCS_TEST") == "1"


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site() -> Path:
    _need((SITE / "index.html").exists(), f"no built site in {SITE} (run `make docs`)")
    return SITE


@pytest.fixture(scope="module")
def browser(site):
    missing = missing_browser()
    _need(not missing, "the site test needs " + ", ".join(missing))
    with chromium() as b:
        yield b


class Visit:
    """A page opened from the file system with the network cut off, recording what went wrong."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route(re.compile(r"^(?!file:).*"), self._block)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def _block(self, route) -> None:
        self.remote.append(route.request.url)
        route.abort()

    def close(self) -> None:
        self.context.close()

    def check_clean(self) -> None:
        assert self.remote == [], f"page needs the network: {self.remote}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_page(path: Path) -> Visit:
        v = Visit(browser, path)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.close()


def test_home_page_shows_the_story_and_the_figure(site, visit):
    v = visit(site / "index.html")
    page = v.page
    assert "chainrule" in page.title()
    text = page.inner_text("article")
    assert "make demo" in text and "make test" in text
    assert "3.0 -12.0" in text and "-4.0 -4.0 3.0" in text  # the quickstart, executed
    # the (x+y)z drawing, rendered by viz during the build
    figure = page.locator("article .cell_output img[src$='.svg']")
    assert figure.count() >= 1
    assert page.evaluate("(img) => img.naturalWidth", figure.first.element_handle()) > 0
    links = page.eval_on_selector_all(".sidebar-tree a", "as => as.map(a => a.textContent)")
    assert any("API" in t for t in links) and any("Gallery" in t for t in links)
    v.check_clean()


def test_notebook_page_player_advances_with_a_key(site, visit):
    v = visit(site / "course" / "01_computation_graphs.html")
    page = v.page
    assert page.locator("article h1").first.inner_text().startswith("1. Computation graphs")
    # outputs are there: drawings, matplotlib figures, and at least one player
    assert page.locator("article img[src$='.svg']").count() >= 1
    assert page.locator("article img[src$='.png']").count() >= 1
    player = page.locator(".cr-player").first
    counter = player.locator(".cr-counter")
    before = counter.inner_text()
    assert re.fullmatch(r"1 / \d+", before), before
    player.focus()
    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == "2 / " + before.split(" / ")[1]
    # formulas typeset offline by the bundled MathJax
    page.wait_for_selector("mjx-container svg", timeout=20_000)
    v.check_clean()


@pytest.mark.parametrize("page_name, names", [
    ("autograd", ["autograd.Value.backward", "autograd.Tensor.backward"]),
    ("nn", ["nn.Linear", "nn.Conv2d"]),
    ("viz", ["viz.draw", "viz.step"]),
])
def test_api_page_lists_the_public_names(site, visit, page_name, names):
    v = visit(site / "api" / f"{page_name}.html")
    page = v.page
    for name in names:
        entry = page.locator(f"dt[id='{name}']")
        assert entry.count() == 1, f"{name} missing from api/{page_name}.html"
        assert name.split(".")[-1] in entry.inner_text()
    # docstring examples are shown
    assert page.locator("article .doctest, article pre:has-text('>>>')").count() >= 1
    v.check_clean()


def test_gallery_has_the_figures_and_a_working_player(site, visit):
    v = visit(site / "gallery.html")
    page = v.page
    images = page.locator("article figure img")
    assert images.count() >= 2
    for i in range(images.count()):
        assert page.evaluate("(img) => img.naturalWidth", images.nth(i).element_handle()) > 0
    frame = page.frame_locator("iframe.cr-gallery-player")
    player = frame.locator(".cr-player")
    player.focus()
    counter = frame.locator(".cr-counter")
    start = counter.inner_text()
    page.keyboard.press("ArrowRight")
    assert counter.inner_text() != start
    v.check_clean()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "img", "script", "link", "iframe"):
                self.links.append(a[key])


def test_no_broken_internal_links(site):
    pages = sorted(site.rglob("*.html"))
    pages = [p for p in pages if "_static" not in p.parts]
    assert len(pages) > 10
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            parser = _Links()
            parser.feed(path.read_text(encoding="utf-8"))
            parsed[path] = parser
        return parsed[path]

    broken = []
    checked = 0
    for page in pages:
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:")):
                continue  # external: not checked here (the pages must not need them)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in parse(target).ids:
                    broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    assert checked > 100
    assert broken == []


def _built_files(site: Path, *suffixes: str) -> list[Path]:
    return [p for p in sorted(site.rglob("*")) if p.suffix in suffixes
            and "_static" not in p.relative_to(site).parts]


def test_no_page_shows_a_figure_too_wide_to_read(site):
    """viz marks a drawing it cannot fit at a readable size ("Too wide to fit..."); a course
    page must draw such graphs another way (rankdir="TB", collapse=, the network view)."""
    marked = [str(p.relative_to(site)) for p in _built_files(site, ".html", ".svg")
              if "Too wide to fit" in p.read_text(encoding="utf-8", errors="replace")]
    assert marked == [], f"drawings captioned 'Too wide' in {marked}"


def test_no_page_prints_a_temporary_path(site):
    import tempfile

    temp = re.escape(tempfile.gettempdir().rstrip("/")) + r"/tmp\w+"
    printed = [f"{p.relative_to(site)}: {m.group(0)}" for p in _built_files(site, ".html")
               for m in [re.search(temp, p.read_text(encoding="utf-8"))] if m]
    assert printed == []


def test_back_to_top_button_never_covers_a_player(site, visit):
    v = visit(site / "course" / "01_computation_graphs.html")
    page = v.page
    player = page.locator(".cr-player").first
    player.scroll_into_view_if_needed()
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(200)
    page.mouse.wheel(0, -300)  # scrolling up is when Furo shows its button
    page.wait_for_timeout(300)
    covered = page.evaluate("""() => {
        const button = document.querySelector('.back-to-top');
        if (!button || getComputedStyle(button).display === 'none') return [];
        const b = button.getBoundingClientRect();
        return [...document.querySelectorAll('.cr-player button, .cr-player input')]
            .map(c => c.getBoundingClientRect())
            .filter(c => c.left < b.right && b.left < c.right && c.top < b.bottom
                         && b.top < c.bottom)
            .map(c => [c.left, c.top]);
    }""")
    assert covered == []
    # Furo did ask for its button (the scroll up), and on a page with players it stays hidden
    assert page.evaluate("() => document.documentElement.classList.contains('show-back-to-top')")
    assert page.locator(".back-to-top").is_hidden()
    v.check_clean()


def test_gallery_player_iframe_is_as_tall_as_the_player(site, visit):
    v = visit(site / "gallery.html")
    iframe = v.page.locator("iframe.cr-gallery-player").first
    outer = iframe.bounding_box()["height"]
    frame = v.page.frame_locator("iframe.cr-gallery-player").first
    frame.locator(".cr-player svg").wait_for()
    heights = []
    for _ in range(int(frame.locator(".cr-player").get_attribute("data-frames"))):
        heights.append(frame.locator("html").evaluate(
            "html => [html.scrollHeight, html.clientHeight, "
            "document.querySelector('.cr-player').getBoundingClientRect().bottom]"))
        frame.locator(".cr-player").press("ArrowRight")
    for scroll, inner, _ in heights:
        assert scroll <= inner + 1, f"the player does not fit its iframe ({scroll} > {inner})"
    lowest = max(bottom for _, _, bottom in heights)
    assert lowest >= 0.85 * outer, f"player {lowest:.0f} px tall in a {outer:.0f} px iframe"
    v.check_clean()
