"""Everything the steppers and drawings write as text, by concern.

- :mod:`viz.texts.numbers`: numbers as the slides print them (decimals, integers without
  them, parentheses around negative operands, shapes, constant gates);
- :mod:`viz.texts.scalar`: the scalar step texts' rules (consistent arithmetic, the local
  derivative as a formula from :mod:`autograd.opinfo`).

Tensor (matrix-calculus) step texts belong here too, as ``viz.texts.tensor``, fed by the op-info
table's :class:`~autograd.opinfo.MatrixForm` rows.
"""
