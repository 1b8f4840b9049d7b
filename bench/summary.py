"""Run every benchmark and print one table of the ratios they measured (``make bench``).

Each benchmark runs in its own process (so one's threads or memory cannot skew another), prints
its own detailed report, and records its comparisons (``bench/record.py``). The table then
lists chainrule's time over the reference's time for each, both measured in the same run, so
the ratios stay meaningful on a loaded machine (< 1: chainrule is faster).

A benchmark that crashes or records nothing fails the run (exit status 1) after the table;
a missed target is reported in the table but is not a failure (timings on a shared machine
are noisy; the ratio is the measurement).

Run: ``python bench/summary.py [BENCH.py ...] [-- ARGS]`` (default: every bench/*.py script).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import ENV

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"record.py", "summary.py", "pin_threads.py", "minimal_engine.py"}  # modules


def run(script: Path, args: list[str], results: Path) -> tuple[int, float]:
    print(f"\n=== {script.name} " + "=" * max(0, 70 - len(script.name)), flush=True)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, str(script), *args],
                           env=dict(os.environ, **{ENV: str(results)}))
    return code, time.perf_counter() - start


def main(argv: list[str]) -> int:
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    names = argv[:argv.index("--")] if "--" in argv else argv
    scripts = ([Path(n) for n in names] if names else
               sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS))
    rows: list[dict] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            results = Path(tmp, script.stem + ".jsonl")
            code, seconds = run(script, args, results)
            found = ([json.loads(line) for line in results.read_text().splitlines()]
                     if results.exists() else [])
            if code != 0:
                failures.append(f"{script.name} exited with status {code}")
            elif not found:
                failures.append(f"{script.name} recorded no comparison")
            rows += found
            print(f"({script.name}: {seconds:.0f} s)")

    load = os.getloadavg()[0]
    print(f"\n=== summary: chainrule time / reference time, both measured in this run "
          f"(< 1: chainrule faster; load average {load:.1f}) ===")
    header = f"{'bench':<9}{'measurement':<40}{'chainrule':>11}{'reference':>11}  " \
             f"{'ratio':>6}  {'target':>7}  reference"
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = r["chainrule_s"] / r["reference_s"]
        target = r["target"]
        verdict = "" if target is None else f"<= {target:<4g}" + (" " if ratio <= target else "!")
        print(f"{r['bench']:<9}{r['measurement'][:39]:<40}{_t(r['chainrule_s']):>11}"
              f"{_t(r['reference_s']):>11}  {ratio:6.2f}  {verdict:>7}  {r['reference']}")
    missed = [r for r in rows if r["target"] is not None
              and r["chainrule_s"] / r["reference_s"] > r["target"]]
    if missed:
        print(f"{len(missed)} target(s) missed (marked !): timings on a busy machine are noisy")
    if failures:
        print("\nBENCHMARK FAILURE:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def _t(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
