"""Sphinx glue for chainrule's course site: nothing here is copied from the package, it is
computed from it at build time.

- ``.. lecture-gallery::`` calls :func:`viz.demo.write_lecture_figures` during the build and shows
  every file it writes: SVGs as figures, HTML players embedded in an iframe (and linked), so the
  gallery cannot drift from the drawing code.
- ``.. api-submodules:: PACKAGE`` documents each public submodule of ``PACKAGE`` whose public names
  are not already exported by the package itself (``nn.optim``, ``nn.functional``...), so a new
  module or function appears in the API reference without editing the pages.
- MathJax 3 is copied from the ``django-static-mathjax`` wheel into ``_static/mathjax`` so pages
  render their formulas offline, from the file system, with no CDN.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

GALLERY_DIR = "_generated/gallery"  # inside the source folder (gitignored)
PLAYER_DIR = "players"  # inside the output folder


# --------------------------------------------------------------------------------------------
# Gallery


def _write_gallery(app: Sphinx) -> None:
    from viz.demo import write_lecture_figures

    out = Path(app.srcdir) / GALLERY_DIR
    if out.exists():
        shutil.rmtree(out)
    files = write_lecture_figures(out)
    app.env_gallery_files = [Path(f).resolve() for f in files]  # type: ignore[attr-defined]
    logger.info("lecture gallery: %s", ", ".join(f.name for f in files))


def _title(path: Path) -> str:
    return path.stem.replace("_", " ")


class LectureGallery(Directive):
    """Every figure ``viz.demo.write_lecture_figures`` writes, in the order it returns them."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        app = env.app
        env.note_reread()  # the figures are regenerated on every build: re-read this page too
        container = nodes.container(classes=["cr-gallery"])
        for path in app.env_gallery_files:
            rel = path.relative_to(Path(app.srcdir).resolve()).as_posix()
            if path.suffix == ".svg":
                figure = nodes.figure()
                figure += nodes.image(uri=f"/{rel}", alt=_title(path))
                figure += nodes.caption("", "", nodes.literal(text=path.name))
                container += figure
            elif path.suffix == ".html":
                target = f"{PLAYER_DIR}/{path.name}"
                ratio = _drawing_ratio(path.read_text(encoding="utf-8"))
                container += nodes.raw("", (
                    f'<p><a class="reference external" href="{target}">Open '
                    f"<code>{path.name}</code> on its own page</a> (click the player, then "
                    "use the arrow keys).</p>\n"
                    f'<iframe class="cr-gallery-player" src="{target}" '
                    f'style="--cr-ratio: {ratio:.4f}" title="{_title(path)}"></iframe>'),
                    format="html")
            else:
                container += nodes.paragraph("", "", nodes.literal(text=path.name))
        return [container]


_VIEWBOX = re.compile(r'viewBox=\\?"[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)')


def _drawing_ratio(page: str) -> float:
    """Height / width of the drawing in a player page (its SVG's viewBox): the player scales
    the drawing to the width it gets, so the iframe's height follows from its width."""
    match = _VIEWBOX.search(page)
    if not match or not float(match.group(1)):
        raise ValueError("lecture-gallery: no drawing (SVG viewBox) in a player page")
    return float(match.group(2)) / float(match.group(1))


def _copy_players(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / PLAYER_DIR
    target.mkdir(parents=True, exist_ok=True)
    for path in getattr(app, "env_gallery_files", []):
        if path.suffix == ".html":
            shutil.copy2(path, target / path.name)


# --------------------------------------------------------------------------------------------
# API: public submodules not covered by the package's own __all__


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items()
                 if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
                 and (inspect.isfunction(obj) or inspect.isclass(obj))]
    return sorted(names)


class ApiSubmodules(Directive):
    """``automodule`` for each public submodule, listing the names the package does not export."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        package = importlib.import_module(self.arguments[0])
        exported = {id(getattr(package, n)) for n in getattr(package, "__all__", [])}
        lines: list[str] = []
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            name = f"{package.__name__}.{info.name}"
            module = importlib.import_module(name)
            # A name re-exported by several submodules (``View`` by viz.draw and viz.render) is
            # documented once, at the first module that lists it.
            rest = [n for n in _public_names(module) if id(getattr(module, n)) not in exported]
            exported.update(id(getattr(module, n)) for n in rest)
            if not rest:
                continue
            # The module's docstring without an index entry (``viz.draw`` is both a module and
            # the function the package exports), then each remaining name, indexed.
            lines += [f"``{name}``", "-" * (len(name) + 4), "",
                      f".. automodule:: {name}", "   :no-index:", "",
                      f".. currentmodule:: {name}", ""]
            for member in rest:
                obj = getattr(module, member)
                if not (inspect.isclass(obj) or callable(obj)) and obj.__doc__ == type(obj).__doc__:
                    continue  # a plain constant (a dict, a tuple) has only its type's docstring
                kind = ("autoclass" if inspect.isclass(obj)
                        else "autofunction" if callable(obj) else "autodata")
                lines += [f".. {kind}:: {name}.{member}", ""]
        container = nodes.section()
        source = f"api-submodules {package.__name__}"
        nested_parse_with_titles(self.state, StringList(lines, source=source), container,
                                 self.content_offset)
        return container.children


# --------------------------------------------------------------------------------------------
# The course: links between notebooks, and docstrings borrowed from other libraries


def _relink_course(app: Sphinx, doctree: nodes.document) -> None:
    """Point links between notebooks at their pages in the site.

    ``course`` is a symlink to the repository's ``notebooks/``; MyST resolves a link such as
    ``[next](02_perceptron.ipynb)`` through the symlink to the real file, which lies outside the
    source folder. Map that real path back to the document under ``course/``.
    """
    course = Path(app.srcdir) / "course"
    real = course.resolve()
    docs = app.env.found_docs
    for node in doctree.findall(addnodes.pending_xref):
        if node.get("reftype") != "myst":
            continue
        target = Path(node["reftarget"])
        if target.is_absolute() and target.is_relative_to(real):
            docname = (Path("course") / target.relative_to(real)).as_posix()
            if docname in docs:
                node["reftarget"] = docname


PACKAGES = ("autograd", "nn", "viz")


def _no_foreign_docstrings(app: Sphinx, what: str, name: str, obj: Any, options: Any,
                           lines: list[str]) -> None:
    """A method without a docstring of its own that inherits one from another library
    (``viz.Graph.render`` from graphviz) gets a pointer instead of that library's text."""
    if what != "method" or getattr(obj, "__doc__", "") is not None or not lines:
        return
    owner_name, _, attr = name.rpartition(".")
    module_name, _, cls_name = owner_name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError, ValueError):
        return
    for base in inspect.getmro(cls)[1:]:
        if getattr(vars(base).get(attr), "__doc__", None):
            if base.__module__.split(".")[0] not in PACKAGES:
                lines[:] = [f"As ``{base.__module__}.{base.__qualname__}.{attr}`` (see that "
                            "library's documentation)."]
            return


#: ``|x|`` in a docstring is an absolute value, never a reStructuredText substitution.
_BARS = re.compile(r"(?<![\\|])\|(?=\S)([^|`]*?\S)\|(?![|_])")
_LITERAL = re.compile(r"(``.+?``|`[^`]+`_?)")


def _plain_bars(app: Sphinx, what: str, name: str, obj: Any, options: Any,
                lines: list[str]) -> None:
    """Escape ``|...|`` outside literals, doctests and literal blocks in our docstrings, so the
    plain-text math they use (``|x - t|``, ``e^-|z|``) renders as written."""
    if name.split(".")[0] not in PACKAGES:
        return
    in_doctest = False
    literal_indent: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if stripped and indent <= literal_indent:
                literal_indent = None
            else:
                continue
        if stripped.startswith(">>>"):
            in_doctest = True
        elif not stripped:
            in_doctest = False
        if in_doctest:
            continue
        parts = _LITERAL.split(line)
        lines[i] = "".join(p if k % 2 else _BARS.sub(r"\\|\1\\|", p)
                           for k, p in enumerate(parts))
        if stripped.endswith("::"):
            literal_indent = indent


# --------------------------------------------------------------------------------------------
# Offline MathJax

#: MathJax 3's TeX-to-SVG bundle and the TeX extensions it may autoload (no speech, no fonts).
MATHJAX_PARTS = ("tex-svg.js", "input/tex")


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    import mathjax  # the django-static-mathjax wheel: MathJax's own files, no Django needed

    source = Path(mathjax.__file__).parent / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / MATHJAX_PARTS[0]).exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "LICENSE", target / "LICENSE")
    for part in MATHJAX_PARTS:
        src = source / "es5" / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _write_gallery)
    app.connect("doctree-read", _relink_course)
    app.connect("autodoc-process-docstring", _no_foreign_docstrings)
    app.connect("autodoc-process-docstring", _plain_bars, priority=600)  # after napoleon
    app.connect("build-finished", _copy_players)
    app.connect("build-finished", _copy_mathjax)
    app.add_directive("lecture-gallery", LectureGallery)
    app.add_directive("api-submodules", ApiSubmodules)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
