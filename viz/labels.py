"""Any text as a Graphviz label: every character DOT and XML cannot carry is replaced.

Users put arbitrary text into drawings (a ``Value``'s label, a custom op's name, the command
line's ``--name``). Graphviz reads a label three ways, each with its own escapes, and writes
SVG, which is XML; the rules here were found by rendering with ``dot`` 2.43:

- In quoted and HTML-like labels alike, ``\\N``, ``\\G``, ``\\l`` ... are expanded and a final
  ``\\`` swallows the closing quote, so a backslash is written ``\\\\``; ``& < > " '`` become
  entities.
- In record labels entities are decoded *before* the fields are split, so ``{ } | < > " \\``
  are escaped with a backslash and ``&`` as ``&amp;``.
- XML 1.0 cannot carry C0 control characters (except tab and newlines), lone surrogates (what
  Python makes of bytes that are not UTF-8 in ``sys.argv``) or U+FFFE/U+FFFF, and
  Graphviz fails on a tab inside an HTML label. Control characters become their visible
  Unicode "control pictures" (U+0001 -> ``␁``), a tab a space, C1 controls, surrogates and
  non-characters U+FFFD (``�``).
- Graphviz refuses strings longer than 16,384 bytes, so a label longer than
  :data:`viz.limits.MAX_LABEL_CHARS` characters is cut visibly:
  ``"aaaa… (+16,200 characters)"``.

Examples
--------
>>> dot_html('f\\\\'), dot_html('a<b & "c"')
('f\\\\\\\\', 'a&lt;b &amp; &quot;c&quot;')
>>> visible("x\\x01y\\ud800")
'x␁y�'
>>> dot_record("a|b{c}")
'a\\\\|b\\\\{c\\\\}'
"""

from __future__ import annotations

import html
import re

from . import limits

_UNCARRYABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _replace(match: re.Match[str]) -> str:
    c = ord(match.group())
    if c == 0x09:
        return " "
    if c < 0x20:
        return chr(0x2400 + c)  # U+2400..U+241F: control pictures
    if c == 0x7F:
        return "\u2421"  # the DEL picture
    return "\ufffd"


def visible(text: object) -> str:
    """``text`` with every character DOT or XML cannot carry replaced, cut when too long.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        At most about ``MAX_LABEL_CHARS`` characters, all printable in an SVG.
    """
    s = str(text)
    limit = limits.MAX_LABEL_CHARS
    if len(s) > limit:  # cut before replacing: a 10 MB label costs what 1,000 characters do
        cut = max(limit - 30, 1)
        s = f"{s[:cut]}\u2026 (+{len(s) - cut:,} characters)"
    return _UNCARRYABLE.sub(_replace, s)


def dot_html(text: object) -> str:
    """Text for an HTML-like label (``<...>``) or a quoted DOT string: entities and ``\\\\``."""
    return html.escape(visible(text), quote=True).replace("\\", "\\\\")


def dot_record(text: object) -> str:
    """Text for one field of a ``shape=record`` label."""
    out = visible(text).replace("&", "&amp;")
    return re.sub(r'([\\{}|<>"])', r"\\\1", out)
