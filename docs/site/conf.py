"""Sphinx configuration of chainrule's course site (``make docs``; output in docs/_build/html).

The course pages are the top-level ``notebooks/`` themselves: ``course`` is a symlink to them
that this file creates (it is not committed, and no notebook is copied). myst-nb executes them
during the build and keeps the results in a jupyter-cache under docs/_build/.jupyter_cache, so a
rebuild re-runs only notebooks that changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT))

COURSE = HERE / "course"
if not COURSE.is_symlink():
    COURSE.symlink_to(Path("..", "..", "notebooks"), target_is_directory=True)

import autograd  # noqa: E402

project = "chainrule"
author = "the chainrule authors"
copyright = "the chainrule authors"  # noqa: A001 (Sphinx's name)
release = autograd.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "chainrule_site",
]

exclude_patterns = ["_build", "_generated/**.html", "**/.ipynb_checkpoints", "Thumbs.db",
                    ".DS_Store"]
# The notebooks' folder is also read as a document tree (its README is the course index).
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# --- notebooks (myst-nb) ------------------------------------------------------------------
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_timeout = 300  # seconds per cell
nb_execution_raise_on_error = True  # a failing notebook (an assert) fails the build
nb_execution_show_tb = True
nb_merge_streams = True
# No widget JavaScript from a CDN: progress bars fall back to their text form.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath"]


def _encrypted_kernels() -> None:
    """Start the build's notebook kernels with CurveZMQ transport encryption.

    myst-nb runs the notebooks through jupyter-cache and nbclient, which give no way to pass
    a kernel manager's settings; with jupyter_client's default (``transport_encryption =
    "disabled"``) ipykernel logs "Kernel is running over TCP without encryption" once per
    kernel, a warning per notebook in every `make docs`. ``"auto"`` provisions Curve keys
    when the kernelspec declares support (ipykernel's does) and falls back to plain TCP
    otherwise; the default changes in this Sphinx process only.
    """
    import zmq
    from jupyter_client.manager import KernelManager

    if zmq.has("curve"):
        KernelManager.class_traits()["transport_encryption"].default_value = "auto"


_encrypted_kernels()
myst_heading_anchors = 3

# --- math: MathJax 3 (SVG output, glyphs inside the script: no web fonts to fetch) served from
# _static/mathjax, copied from the django-static-mathjax wheel by chainrule_site; no CDN -----
mathjax_path = "mathjax/tex-svg.js"
mathjax3_config = {"svg": {"fontCache": "global"}}  # myst-parser adds the classes to process

# --- API reference (autodoc + napoleon for the numpy-style docstrings) ---------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" sections as fields: no duplicate of a documented property

# --- HTML ----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"chainrule {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_show_sourcelink = False
html_copy_source = False
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
