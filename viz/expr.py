"""Expressions typed on the command line, parsed with ``ast`` against a whitelist, never ``eval``.

Allowed: numbers, variable names, ``+ - * / **``, unary ``-``/``+``, parentheses, and calls of
``exp log tanh sigmoid relu sin cos sqrt`` with one argument. Everything else (attribute
access, subscripts, ``__import__``, lambdas, comprehensions, keywords, strings...) is refused
with an :class:`ExprError` before anything is computed. Constant exponents are limited to
``|n| <= MAX_EXPONENT`` so ``10**10**10`` is refused instead of hanging, and the syntax tree
is at most ``MAX_DEPTH`` levels deep (``x ** ------...1`` with a thousand signs is refused
instead of exhausting Python's recursion limit). All arithmetic is done in float64 on
``Value`` nodes (no Python big integers are ever created).

Variable names are Python identifiers, normalised as Python does (NFKC), so ``α`` and ``x1``
are names; they may not start with ``_`` or be one of the function names.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import unicodedata
from collections.abc import Mapping
from numbers import Real

from autograd import Value, opinfo

#: Functions an expression may call: the op-info table's rows marked ``function``.
FUNCTIONS = opinfo.functions()
MAX_LENGTH = 2000
MAX_NODES = 2000
MAX_EXPONENT = 1000.0
#: Deepest nesting of the syntax tree (Python itself allows 200 nested parentheses).
MAX_DEPTH = 200
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
# What each operator does; numbers-only "/" and "**" get guarded versions in _constant_value.
_APPLY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": operator.pow}
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignments",
    ast.Starred: "starred arguments",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
}


class ExprError(ValueError):
    """The expression is not in the allowed language (or a variable is unbound)."""


def _describe(node: ast.AST) -> str:
    for kind, text in _REFUSED.items():
        if isinstance(node, kind):
            return text
    return type(node).__name__


def _constant_value(node: ast.AST) -> float | None:
    """The float value of a sub-expression made only of numbers, else None (not evaluated
    beyond float arithmetic; huge powers become inf)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _constant_value(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _constant_value(node.left), _constant_value(node.right)
        if a is None or b is None:
            return None
        op = _BINOPS[type(node.op)]
        try:
            if op in ("+", "-", "*"):
                return _APPLY[op](a, b)
            if op == "/":
                return a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a))
            if abs(b) > MAX_EXPONENT:
                return math.inf  # never computed: validate() refuses it
            if a < 0 and b != int(b):
                return math.nan
            return float(a**b)
        except (OverflowError, ZeroDivisionError):
            return math.inf
    return None


def _check_size(tree: ast.AST) -> None:
    """Refuse more than MAX_NODES syntax nodes or a depth over MAX_DEPTH (iteratively, first,
    so nothing recursive ever sees a deep tree)."""
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExprError(f"expression too large (more than {MAX_NODES} syntax nodes)")
        if depth > MAX_DEPTH:
            raise ExprError(f"expression nested too deeply (more than {MAX_DEPTH} levels, e.g. "
                            "a long run of signs or a very long chain); write it shorter")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def validate(tree: ast.Expression) -> list[str]:
    """Check every node of the parsed expression; return the variable names in the order
    they are first read (left to right)."""
    names: list[str] = []
    where: dict[str, int] = {}  # first column of each variable: the order it is read
    called: set[int] = set()
    _check_size(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINOPS:
            continue
        if isinstance(node, (ast.USub, ast.UAdd)):
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExprError(f"only numbers are allowed as constants, got {node.value!r}")
            try:
                float(node.value)
            except OverflowError:
                raise ExprError("number too large for float64") from None
            continue
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ExprError(f"names starting with '_' are not allowed: {node.id!r}")
            if node.id not in FUNCTIONS and node.id not in names:
                names.append(node.id)
            if node.id not in FUNCTIONS:
                col = getattr(node, "col_offset", 0)
                where[node.id] = min(where.get(node.id, col), col)
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise ExprError(f"operator {type(node.op).__name__} is not allowed; "
                                "use + - * / **")
            if isinstance(node.op, ast.Pow):
                exponent = _constant_value(node.right)
                if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
                    raise ExprError(f"exponent too large (|exponent| must be <= "
                                    f"{MAX_EXPONENT:g})")
            continue
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExprError(f"operator {type(node.op).__name__} is not allowed")
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise ExprError(f"{_describe(func)} not allowed in an expression (only calls "
                                f"of {', '.join(FUNCTIONS)})")
            if func.id not in FUNCTIONS:
                raise ExprError(f"call of {func.id!r} is not allowed; allowed functions: "
                                f"{', '.join(FUNCTIONS)}")
            called.add(id(func))
            if node.keywords or len(node.args) != 1:
                raise ExprError(f"{func.id}() takes exactly one positional argument")
            continue
        raise ExprError(f"{_describe(node)} not allowed in an expression")
    for node in ast.walk(tree):  # a function name used as a variable
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in called:
            raise ExprError(f"{node.id!r} is a function; call it as {node.id}(...)")
    return sorted(names, key=lambda n: where[n])


def parse(text: str) -> tuple[ast.Expression, list[str]]:
    """Parse and validate ``text``; return the tree and its variable names (first use order)."""
    if not isinstance(text, str):
        raise ExprError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} > {MAX_LENGTH} characters)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}{_product_hint(text)}") from None
    except UnicodeEncodeError:
        raise ExprError("expression is not valid UTF-8 text (the shell passed bytes that are "
                        "not UTF-8); type it in UTF-8") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExprError(f"cannot parse expression: {type(exc).__name__}") from None
    return tree, validate(tree)


#: A number written against a name, as on paper: "2x", "3.5y" (but not "1e5", a literal).
_JUXTAPOSED = re.compile(r"(?<![\w.])(\d+\.?\d*)([^\W\d]\w*)")


def _product_hint(text: str) -> str:
    """'; write 2*x ...' when ``text`` writes a product as ``2x``, which Python cannot read.

    >>> _product_hint("2x + y")
    '; write 2*x for 2 times x'
    >>> _product_hint("1e5 * x")
    ''
    """
    for match in _JUXTAPOSED.finditer(text):
        number, name = match.groups()
        try:
            ast.parse(number + name, mode="eval")
        except SyntaxError:
            return f"; write {number}*{name} for {number} times {name}"
    return ""


def normalize_name(name: str) -> str:
    """A variable name as Python's parser sees it (NFKC: ``ﬁ`` is ``fi``)."""
    return unicodedata.normalize("NFKC", str(name))


def check_name(name: str) -> str:
    """``name`` normalised, or ExprError if it cannot be a variable of an expression.

    >>> check_name("w0"), check_name("α")
    ('w0', 'α')
    """
    n = normalize_name(name)
    if not n.isidentifier():
        raise ExprError(f"{name!r} is not a variable name (letters, digits and _, not starting "
                        "with a digit)")
    if n.startswith("_"):
        raise ExprError(f"names starting with '_' are not allowed: {name!r}")
    if n in FUNCTIONS:
        raise ExprError(f"{n!r} is a function, not a variable")
    return n


def number(value: object, name: str = "value") -> float:
    """A binding's value as a float64; ExprError for anything but a real number in range.

    >>> number(3), number(-0.5)
    (3.0, -0.5)
    >>> number(1j, "x")
    Traceback (most recent call last):
    ...
    viz.expr.ExprError: value of x must be a real number (int or float), got complex 1j
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        kind = type(value).__name__
        raise ExprError(f"value of {name} must be a real number (int or float), "
                        f"got {kind} {value!r}"[:200])
    try:
        return float(value)
    except OverflowError:
        raise ExprError(f"value of {name} is too large for float64 (|value| must be below "
                        "1.8e308)") from None


def build(text: str, bindings: Mapping[str, float], output: str = "f") -> Value:
    """Build the ``Value`` graph of ``text`` with the variables bound to numbers.

    Parameters
    ----------
    text : str
        E.g. ``"(x + y) * z"``.
    bindings : mapping
        Variable name -> real number (int or float; a complex number, a bool or an int too
        large for float64 raises ExprError). Each variable becomes one labelled leaf, so
        ``x * x`` has two edges from the same node. Names not in the expression are ignored.
    output : str
        Label given to the result (if it is not a plain variable).

    Returns
    -------
    Value

    Examples
    --------
    >>> f = build("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    >>> f.data, f.label
    (-12.0, 'f')
    >>> build("__import__('os')", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.expr.ExprError: call of '__import__' is not allowed; allowed functions: exp, ...
    """
    tree, names = parse(text)
    values = {normalize_name(k): v for k, v in bindings.items()}
    missing = [n for n in names if n not in values]
    if missing:
        name = missing[0]
        points = "" if name.isascii() else " (" + " ".join(f"U+{ord(c):04X}" for c in name) + ")"
        raise ExprError(f"unbound variable {name!r}{points}: give it a value, e.g. {name}=1")
    leaves = {n: Value(number(values[n], n), label=n) for n in names}
    result = _evaluate(tree.body, leaves)
    if not isinstance(result, Value):
        result = Value(result, label=output)
    elif result.parents and not result.label:
        result.label = output
    return result


def _evaluate(node: ast.AST, leaves: dict[str, Value]) -> Value | float:
    """Evaluate a validated tree. Iterative post-order: deep nesting cannot recurse."""
    results: dict[int, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if not ready:
            stack.append((current, True))
            for child in _children(current):
                stack.append((child, False))
            continue
        results[id(current)] = _apply(current, results, leaves)
    return results[id(node)]


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _apply(node: ast.AST, results: dict, leaves: dict[str, Value]) -> Value | float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        x = results[id(node.operand)]
        return -x if isinstance(node.op, ast.USub) else x
    if isinstance(node, ast.Call):
        x = results[id(node.args[0])]
        if not isinstance(x, Value):
            x = Value(x, requires_grad=False)
        return getattr(x, node.func.id)()
    a, b = results[id(node.left)], results[id(node.right)]
    op = _BINOPS[type(node.op)]
    if op == "/" and not isinstance(a, Value) and a == 1.0 and isinstance(b, Value):
        return b.reciprocal()  # the lecture's 1/x gate
    if not isinstance(a, Value) and not isinstance(b, Value):
        return _constant_value(node)  # numbers only: float arithmetic, already bounded
    return _APPLY[op](a, b)
