"""chainrule's drawings: lecture-style computation graphs and a backprop stepper."""

from ._guard import require_chainrule_autograd

require_chainrule_autograd("viz")
del require_chainrule_autograd
