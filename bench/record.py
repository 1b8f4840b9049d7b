"""Hand a benchmark's ratios to ``bench/summary.py`` (``make bench``).

A benchmark calls :func:`record` once per comparison it prints. When the summary runner started
it, the row goes to the JSON-lines file named by ``CHAINRULE_BENCH_RESULTS``; run on its own, a
benchmark only prints, as before.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ENV = "CHAINRULE_BENCH_RESULTS"


def record(measurement: str, chainrule_s: float, reference_s: float, reference: str,
           target: float | None = None) -> None:
    """One comparison, timed in this run: chainrule's and the reference's seconds.

    ``target`` is the largest acceptable ``chainrule_s / reference_s``, if there is one.
    """
    path = os.environ.get(ENV)
    if not path:
        return
    row = {"bench": Path(sys.argv[0]).stem, "measurement": measurement,
           "chainrule_s": chainrule_s, "reference_s": reference_s, "reference": reference,
           "target": target}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
