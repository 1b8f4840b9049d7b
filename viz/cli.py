"""``python -m viz`` / ``chainrule-viz``: draw an expression's graph and step through backprop.

The expression is parsed by :mod:`viz.expr` (``ast`` against a whitelist, never ``eval``).
After the files it wrote, the command prints the forward value and every variable's gradient
as a small table (to stderr when the DOT source goes to stdout), and warns, on stderr, about
NaN/inf results and variables given but not used.

Exit status: 0 on success, 2 for a refused expression or bad arguments (one line on stderr,
naming the argument and what is allowed; also for a graph over
:data:`viz.limits.MAX_RENDER_NODES`), 1 when rendering fails (Graphviz not installed, or
``dot`` stopped by its timeout, :data:`viz.limits.DOT_TIMEOUT`). All ``dot`` calls of one
invocation share a budget of :data:`RENDER_BUDGET` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import limits
from .draw import MODES, RANKDIRS, STYLES, draw
from .expr import FUNCTIONS, ExprError, build, check_name, parse
from .graph import (
    DEFAULT_DPI,
    GraphvizError,
    GraphvizNotFoundError,
    check_dpi,
    check_html_path,
    check_save_path,
)
from .limits import DotTimeoutError, GraphTooLargeError
from .nodes import GraphInfo
from .stepper import BackpropStepper
from .texts.numbers import fmt

#: Seconds all ``dot`` calls of one command may take together (a drawing, frames, a player).
RENDER_BUDGET = 120.0

EXAMPLES = """\
examples:
  %(prog)s "(x + y) * z" x=-2 y=5 z=-4 -o xyz.svg
  %(prog)s "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))" w0=2 x0=-1 w1=-3 x1=-2 w2=-3 \\
      -o sigmoid.svg --html sigmoid_steps.html --steps frames/
  %(prog)s "x*x + sin(x)" x=0.5 --mode forward -o square.png
  %(prog)s "(x + y) * z" x=-2 y=5 z=-4          # prints the DOT source

allowed: numbers, variables, + - * / **, unary minus, parentheses, and the functions
  {functions}. Anything else (attribute access, __import__, lambdas,
  comprehensions, exponents above 1000...) is refused with exit status 2.
  Graphs over {max_nodes} nodes are refused (exit 2); a dot run is stopped after
  {timeout} s, all of one command's dot runs after {budget} s (exit 1).
  An expression starting with "-" goes after "--" (options before it):
    %(prog)s -o neg.svg -- "-x * y" x=1 y=2
"""

def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Draw the computation graph of an expression the way the lectures do "
        "(values in green, gradients in red) and step through backpropagation. Prints the "
        "output's value and every variable's value and gradient (to stderr when the DOT "
        "source goes to stdout); warns about NaN/inf and about variables not used.",
        epilog=EXAMPLES.replace("{functions}", ", ".join(FUNCTIONS))
        .replace("{max_nodes}", str(limits.MAX_RENDER_NODES))
        .replace("{timeout}", f"{limits.DOT_TIMEOUT:g}").replace("{budget}", f"{RENDER_BUDGET:g}"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", help='the expression, e.g. "(x + y) * z"')
    p.add_argument("bindings", nargs="*", metavar="NAME=VALUE", help="variable values")
    p.add_argument("-o", "--output",
                   help="write the drawing: .svg .png .pdf .jpg (or .dot/.gv for DOT source)")
    p.add_argument("--dpi", type=float, default=None,
                   help=f"resolution of .png/.jpg output (default: {DEFAULT_DPI}, sharp on a "
                   "1080p projector)")
    p.add_argument("--mode", choices=MODES, default="both",
                   help="values, gradients or both (default: both)")
    p.add_argument("--style", choices=STYLES, default="lecture", help="default: lecture")
    p.add_argument("--rankdir", choices=RANKDIRS, default="LR", help="default: LR")
    p.add_argument("--precision", type=int, default=2, help="decimals shown (default: 2)")
    p.add_argument("--name", default="f", help="label of the output (default: f)")
    p.add_argument("--steps", metavar="DIR", help="write one image per backprop step into DIR")
    p.add_argument("--steps-format", choices=("svg", "png", "pdf", "dot"), default="svg",
                   help="image format of --steps (default: svg)")
    p.add_argument("--html", metavar="FILE", help="write the step-by-step HTML player (.html)")
    p.add_argument("--tags", action="store_true",
                   help="write the name ([exp] = ...) of every unnamed intermediate result")
    return p


class _UsageError(Exception):
    """Bad input: reported on one line, exit status 2."""


def _number(name: str, text: str) -> float:
    """A binding's value: a real number that fits float64 (``inf``/``nan`` spelled out)."""
    try:
        value = float(text)
    except ValueError:
        try:
            complex(text)
        except ValueError:
            raise _UsageError(f"value of {name} must be a number, got {text!r}") from None
        raise _UsageError(f"value of {name} must be a real number (int or float), got the "
                          f"complex {text!r}") from None
    if math.isinf(value) and "inf" not in text.lower():
        raise _UsageError(f"value of {name} is too large for float64 (|value| must be below "
                          f"1.8e308), got {text[:40]!r}{'...' if len(text) > 40 else ''}")
    return value


def _bindings(items: Sequence[str]) -> tuple[dict[str, float], dict[str, str]]:
    """``NAME=VALUE`` items -> values, and the item that gave each name (for messages)."""
    values: dict[str, float] = {}
    given: dict[str, str] = {}
    for item in items:
        name, eq, text = item.partition("=")
        if not eq or not name.strip() or not text.strip():
            raise _UsageError(f"expected NAME=VALUE, got {item!r}")
        try:
            key = check_name(name.strip())
        except ExprError as exc:
            raise _UsageError(f"binding {item!r}: {exc}") from None
        if key in values:
            raise _UsageError(f"{key} is given twice ({given[key]!r} and {item!r}); give each "
                              "variable one value")
        values[key] = _number(key, text.strip())
        given[key] = item
    return values, given


def _check_text(argument: str, text: str) -> None:
    """Refuse text that is not valid UTF-8 (Python keeps such bytes as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _UsageError(f"{argument}: not valid UTF-8 text ({ascii(text)[:60]}); type it in "
                          "UTF-8") from None


def _check_folder(argument: str, path: str) -> None:
    """Refuse a file in a folder that does not exist (a typo in the path would otherwise
    create folders silently)."""
    folder = Path(path).parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise _UsageError(f"{argument}: {str(folder)!r} {what}; create it first "
                          f"(mkdir -p {folder}) or give another path")


def _check_paths(args: argparse.Namespace) -> None:
    try:
        if args.output is not None:
            check_save_path(args.output, "-o/--output")
        if args.html is not None:
            check_html_path(args.html, "--html")
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    for argument, path in (("-o/--output", args.output), ("--html", args.html)):
        if path is not None:
            _check_folder(argument, path)
    if args.steps is not None and not args.steps.strip():
        raise _UsageError("--steps: empty directory name; give the folder for the frames")
    if args.dpi is not None:
        try:
            check_dpi(args.dpi)
        except ValueError as exc:
            raise _UsageError(f"--{exc}") from None


def _say(text: str, stream: Any) -> None:
    """Print, replacing what the stream's encoding cannot write (a non-UTF-8 file name)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)


def _table(root: Any, names: list[str], leaves: dict[str, Any], grads: bool,
           precision: int) -> list[str]:
    """The forward value and each variable's value and gradient, as aligned text lines."""
    out = root.label or "f"
    rows = [("variable", "value", f"d{out}/dvariable" if grads else "")]
    for name in names:
        leaf = leaves[name]
        rows.append((name, fmt(leaf.data, precision), fmt(leaf.grad, precision) if grads else ""))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{out} = {fmt(root.data, precision)}"]
    for r in rows:
        lines.append(f"  {r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:>{width[2]}}".rstrip())
    return lines


def _leaves(root: Any) -> dict[str, Any]:
    return {n.label: n for n in GraphInfo(root).order if not n.parents and n.label}


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it).

    SIGTERM and SIGHUP stop it as Ctrl-C does (status 128 + the signal's number), through
    the code that stops a running ``dot``, so no signal leaves a ``dot`` process behind.
    """
    prog = prog or Path(sys.argv[0]).name or "chainrule-viz"
    if prog == "__main__.py":
        prog = "python -m viz"
    with _stopped_by_signals():
        try:
            return _main(argv, prog)
        except KeyboardInterrupt:
            _say(f"{prog}: interrupted", sys.stderr)
            return 128 + signal.SIGINT


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit(128 + signal) in the main thread while inside."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            previous[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main(argv: Sequence[str] | None, prog: str) -> int:
    parser = _parser(prog)
    argv = list(sys.argv[1:] if argv is None else argv)
    after: list[str] = []
    if "--" in argv:  # everything after "--" is positional (an expression may start with "-")
        cut = argv.index("--")
        argv, after = argv[:cut], argv[cut + 1:]
        if after:
            argv = argv + ["_"]  # placeholder for the expression, restored below
    try:
        args = parser.parse_intermixed_args(argv)
    except SystemExit as exc:  # --help (0) or an argparse usage error (2)
        return int(exc.code or 0)
    if after:
        args.expression, args.bindings = after[0], args.bindings + after[1:]

    def fail(message: str, status: int = 2) -> int:
        _say(f"{prog}: error: {message}", sys.stderr)
        return status

    def warn(message: str) -> None:
        _say(f"{prog}: warning: {message}", sys.stderr)

    try:
        for argument, text in (("expression", args.expression), ("--name", args.name),
                               *(("binding", b) for b in args.bindings)):
            _check_text(argument, text)
        if not args.name.strip():
            raise _UsageError("--name: empty; give the label of the output, e.g. --name f")
        values, given = _bindings(args.bindings)
        if not 0 <= args.precision <= 12:
            raise _UsageError(f"--precision must be in 0..12, got {args.precision}")
        _check_paths(args)
        _, names = parse(args.expression)
        root = build(args.expression, values, output=args.name)
        limits.check_node_count(len(GraphInfo(root)), "expression")
    except (ExprError, _UsageError, GraphTooLargeError) as exc:
        return fail(str(exc))
    unused = [given[k] for k in values if k not in names]
    if unused:
        allowed = ", ".join(names) if names else "none"
        warn(f"{', '.join(unused)}: not used by the expression (its variables: {allowed})")
    draw_options: dict[str, Any] = dict(rankdir=args.rankdir, style=args.style, tags=args.tags)
    stepper = None
    if args.steps or args.html:
        stepper = BackpropStepper(root, precision=args.precision, mode="both", **draw_options)
    grads = args.mode != "forward"
    if grads:
        root.backward()
    leaves = _leaves(root)
    numbers = [(f"{args.name}", root.data)] + [(n, leaves[n].data) for n in names]
    if grads:
        numbers += [(f"d{args.name}/d{n}", leaves[n].grad) for n in names]
    bad = [f"{k} = {fmt(v)}" for k, v in numbers if not math.isfinite(v)]
    if bad:
        warn(f"non-finite numbers: {', '.join(bad)} (an overflow, or a function outside its "
             "domain such as log or sqrt of a negative number)")
    graph = draw(root, mode=args.mode, precision=args.precision, **draw_options)
    try:
        budget = f"viz.cli.RENDER_BUDGET = {RENDER_BUDGET:g} s for all dot runs of a command"
        with limits.render_budget(RENDER_BUDGET, budget):
            if args.output:
                _say(graph.save(args.output, dpi=args.dpi), sys.stdout)
            if stepper is not None and args.steps:
                paths = stepper.save_frames(args.steps, fmt=args.steps_format, dpi=args.dpi)
                _say(f"{len(paths)} frames in {args.steps}", sys.stdout)
            if stepper is not None and args.html:
                _say(stepper.save_html(args.html, title=f"Backprop: {args.expression}"),
                     sys.stdout)
    except GraphTooLargeError as exc:
        return fail(str(exc))
    except (GraphvizNotFoundError, DotTimeoutError, GraphvizError) as exc:
        return fail(str(exc), 1)
    except OSError as exc:
        return fail(f"cannot write output: {exc}", 1)
    wrote = bool(args.output or args.steps or args.html)
    if not wrote:
        sys.stdout.write(graph.source)
    for line in _table(root, names, leaves, grads, args.precision):
        _say(line, sys.stdout if wrote else sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
