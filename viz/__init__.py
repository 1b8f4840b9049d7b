"""chainrule's drawings: lecture-style computation graphs, a backprop stepper, and training
you can watch (``TrainingRecorder``)."""

from ._guard import require_chainrule_autograd

require_chainrule_autograd("viz")
del require_chainrule_autograd

from . import format  # noqa: E402, F401  (viz.format.fmt: the numbers' first import path)
from .draw import draw, save  # noqa: E402
from .graph import Graph, GraphvizNotFoundError, dot_available  # noqa: E402
from .limits import MAX_RENDER_NODES, GraphTooLargeError  # noqa: E402
from .live import LivePage, explore, practice  # noqa: E402
from .network import NetworkStepper, draw_network, step_network  # noqa: E402
from .stepper import BackpropStepper, Frame, step  # noqa: E402
from .training import (  # noqa: E402
    TrainingRecorder,
    TrainingStepper,
    gradient_flow,
    gradient_norms,
)

__all__ = [
    "BackpropStepper",
    "Frame",
    "Graph",
    "LivePage",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "MAX_RENDER_NODES",
    "NetworkStepper",
    "TrainingRecorder",
    "TrainingStepper",
    "dot_available",
    "draw",
    "draw_network",
    "gradient_flow",
    "gradient_norms",
    "explore",
    "practice",
    "save",
    "step",
    "step_network",
]
