"""chainrule's neural-network layer: perceptrons, scalar MLPs, tensor modules and training."""

from ._guard import require_chainrule_autograd

require_chainrule_autograd("nn")
del require_chainrule_autograd
