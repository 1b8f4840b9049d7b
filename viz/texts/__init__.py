"""Everything the steppers and drawings write as text, by concern.

- :mod:`viz.texts.numbers`: numbers as the slides print them (decimals, integers without
  them, parentheses around negative operands, shapes, constant gates);
- :mod:`viz.texts.names`: names of unlabelled nodes after what the drawing shows (``f``,
  ``[exp]``, ``[+]₁``);
- :mod:`viz.texts.scalar`: the scalar step texts' rules (consistent arithmetic, the local
  derivative as a formula from :mod:`autograd.opinfo`);
- :mod:`viz.texts.tensor`: Tensor backward steps in matrix-calculus form with shapes, from the
  op-info table's :class:`~autograd.opinfo.MatrixForm` rows;
- :mod:`viz.texts.conv`: a convolution's or pooling's arguments (``k=3×3 s=2 p=1``) and its
  output-size formula with the numbers;
- :mod:`viz.texts.steps`: the backprop stepper's frame texts (forward, seed, backward, one
  neuron's), assembled from the rules above.
"""
