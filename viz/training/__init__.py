"""Watching a network learn: a recorder for ``nn.fit`` and the views of what it kept.

- :mod:`.record`: :class:`TrainingRecorder`, the per-epoch numbers (numpy only);
- :mod:`.stats`: activation statistics of one layer (dead ReLUs, saturated sigmoids);
- :mod:`.panels`: the panel figure of one epoch and :func:`gradient_flow` (matplotlib);
- :mod:`.export`: the epochs as an HTML player, a GIF, a PDF, image files (matplotlib).
"""

from .export import TrainingStepper
from .panels import gradient_flow, gradient_norms
from .record import TrainingRecorder
from .stats import layer_stats

__all__ = ["TrainingRecorder", "TrainingStepper", "gradient_flow", "gradient_norms",
           "layer_stats"]
