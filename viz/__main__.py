"""``python -m viz``: see :mod:`viz.cli`."""

import sys

from .cli import main

sys.exit(main(prog="python -m viz"))
