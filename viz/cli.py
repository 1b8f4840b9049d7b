"""``python -m viz`` / ``chainrule-viz``: draw an expression's graph and step through backprop.

The expression is parsed by :mod:`viz.expr` (``ast`` against a whitelist, never ``eval``).
Exit status: 0 on success, 2 for a refused expression or bad arguments (one line on stderr),
1 when rendering fails (e.g. Graphviz is not installed).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .draw import MODES, RANKDIRS, STYLES, draw
from .expr import FUNCTIONS, ExprError, build
from .graph import IMAGE_FORMATS, GraphvizNotFoundError
from .stepper import BackpropStepper

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
  An expression starting with "-" goes after "--" (options before it):
    %(prog)s -o neg.svg -- "-x * y" x=1 y=2
"""

_BINDING = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=(.+)$")


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Draw the computation graph of an expression the way the lectures do "
        "(values in green, gradients in red) and step through backpropagation.",
        epilog=EXAMPLES.replace("{functions}", ", ".join(FUNCTIONS)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", help='the expression, e.g. "(x + y) * z"')
    p.add_argument("bindings", nargs="*", metavar="NAME=VALUE", help="variable values")
    p.add_argument("-o", "--output", help="write the drawing: .svg .png .pdf (or .dot/.gv)")
    p.add_argument("--mode", choices=MODES, default="both",
                   help="values, gradients or both (default: both)")
    p.add_argument("--style", choices=STYLES, default="lecture", help="default: lecture")
    p.add_argument("--rankdir", choices=RANKDIRS, default="LR", help="default: LR")
    p.add_argument("--precision", type=int, default=2, help="decimals shown (default: 2)")
    p.add_argument("--name", default="f", help="label of the output (default: f)")
    p.add_argument("--steps", metavar="DIR", help="write one image per backprop step into DIR")
    p.add_argument("--steps-format", choices=("svg", "png", "pdf", "dot"), default="svg",
                   help="image format of --steps (default: svg)")
    p.add_argument("--html", metavar="FILE", help="write the step-by-step HTML player")
    return p


class _UsageError(Exception):
    """Bad input: reported on one line, exit status 2."""


def _bindings(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        m = _BINDING.match(item)
        if not m:
            raise _UsageError(f"expected NAME=VALUE, got {item!r}")
        name, text = m.groups()
        try:
            values[name] = float(text)
        except ValueError:
            raise _UsageError(f"value of {name} must be a number, got {text!r}") from None
    return values


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    prog = prog or Path(sys.argv[0]).name or "chainrule-viz"
    if prog == "__main__.py":
        prog = "python -m viz"
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
        print(f"{prog}: error: {message}", file=sys.stderr)
        return status

    try:
        values = _bindings(args.bindings)
        if not 0 <= args.precision <= 12:
            raise _UsageError(f"--precision must be in 0..12, got {args.precision}")
        if args.output:
            suffix = Path(args.output).suffix.lower().lstrip(".")
            if suffix not in IMAGE_FORMATS + ("dot", "gv"):
                raise _UsageError(f"-o: unknown format {suffix!r}; use .svg, .png, .pdf or .dot")
        root = build(args.expression, values, output=args.name)
    except (ExprError, _UsageError) as exc:
        return fail(str(exc))
    stepper = None
    if args.steps or args.html:
        stepper = BackpropStepper(root, precision=args.precision, mode="both",
                                  rankdir=args.rankdir, style=args.style)
    if args.mode != "forward":
        root.backward()
    graph = draw(root, mode=args.mode, rankdir=args.rankdir, style=args.style,
                 precision=args.precision)
    try:
        if args.output:
            print(graph.save(args.output))
        if stepper is not None and args.steps:
            paths = stepper.save_frames(args.steps, fmt=args.steps_format)
            print(f"{len(paths)} frames in {args.steps}")
        if stepper is not None and args.html:
            print(stepper.save_html(args.html, title=f"Backprop: {args.expression}"))
    except GraphvizNotFoundError as exc:
        return fail(str(exc), 1)
    except OSError as exc:
        return fail(f"cannot write output: {exc}", 1)
    if not (args.output or args.steps or args.html):
        sys.stdout.write(graph.source)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
