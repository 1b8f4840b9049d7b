"""The panel figure of one recorded epoch, and ``gradient_flow`` after any ``backward()``.

One figure, five panels, laid out once for every epoch of a recording (axes limits and colour
scales cover the whole run, so nothing moves or rescales from frame to frame):

- the decision boundary with the data (2-D inputs; otherwise the weight norms per layer):
  the background is the class the model predicts, paler where it is less sure;
- loss and accuracy up to the epoch;
- activations: per layer, the fraction of dead ReLUs (never positive on the data) or of
  saturated sigmoid/tanh outputs, with the outputs' mean and std;
- the weights: a network drawing (edge colour = sign, blue positive and orange negative,
  width and opacity = |w|) when the layers are at most :data:`MAX_DRAWN_UNITS` wide, else each
  weight matrix as a heatmap;
- the gradient norm ||dL/dW|| of each layer's weights over the epochs, on a log scale: in a
  deep sigmoid network the first layer's line lies orders of magnitude below the last's.

Everything here needs matplotlib (``pip install 'chainrule[plot]'``), imported when a figure is
made; recording does not.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np

#: Layers at most this wide are drawn as a network (one edge per weight); wider as heatmaps.
MAX_DRAWN_UNITS = 16
#: Heatmaps shown at most (the first and last layers when there are more).
MAX_HEATMAPS = 6
#: Frame size in inches (16:9; 1280 x 720 pixels at 100 dpi).
FIGSIZE = (12.8, 7.2)
POSITIVE, NEGATIVE = "#1f77b4", "#e67e00"  # blue, orange (weights, and classes 1 and 0)
CLASS_COLORS = ["#e67e00", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf"]


def require_matplotlib(what: str) -> Any:
    """Import matplotlib or say what needs it and how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            f"{what} needs matplotlib: pip install 'chainrule[plot]' (or pip install "
            "matplotlib). Recording with viz.TrainingRecorder needs only numpy; its figures, "
            "player, GIF, PDF and frames, and viz.gradient_flow, draw with matplotlib."
        ) from None
    return matplotlib


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def boundary_image(probs: np.ndarray) -> np.ndarray:
    """RGB image of grid probabilities (G, G, C): each class's colour, white where unsure.

    The colour is white + strength * sum_c p_c (colour_c - white), with strength =
    (max_c p_c - 1/C) / (1 - 1/C): white on the boundary (p = 1/C each), the class's pale
    colour where the model is sure.

    >>> img = boundary_image(np.array([[[0.5, 0.5], [0.0, 1.0]]]))
    >>> img[0, 0].tolist()  # unsure: white
    [1.0, 1.0, 1.0]
    >>> np.allclose(img[0, 1], 0.45 + 0.55 * _rgb(POSITIVE))  # sure of class 1: pale blue
    True
    """
    p = np.asarray(probs, dtype=np.float64)
    c = p.shape[-1]
    colors = np.array([_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(c)])
    strength = (p.max(axis=-1, keepdims=True) - 1.0 / c) / (1.0 - 1.0 / c)
    mixed = p @ (colors - 1.0)  # sum_c p_c (colour_c - white)
    return np.clip(1.0 + 0.55 * strength * mixed, 0.0, 1.0)


def _finite_range(series: list[list[float | None]], log: bool) -> tuple[float, float] | None:
    values = np.array([v for s in series for v in s if v is not None], dtype=np.float64)
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if values.size == 0:
        return None
    lo, hi = float(values.min()), float(values.max())
    if log:
        return lo / 2.0, hi * 2.0
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    return lo - pad, hi + pad


def network_layout(shapes: list[tuple[int, ...]]) -> list[int] | None:
    """Units per layer when the weights chain as an MLP (W_k is out x in, in = previous out)
    and every layer is at most :data:`MAX_DRAWN_UNITS` wide; else None (draw heatmaps).

    >>> network_layout([(8, 2), (2, 8)])
    [2, 8, 2]
    >>> network_layout([(32, 64), (10, 32)]) is None
    True
    """
    if not shapes or any(len(s) != 2 for s in shapes):
        return None
    units = [shapes[0][1]] + [s[0] for s in shapes]
    if any(s[1] != units[i] for i, s in enumerate(shapes)) or max(units) > MAX_DRAWN_UNITS:
        return None
    return units


class EpochPanels:
    """The panel figure of a recording, laid out once; :meth:`show` switches the epoch.

    Parameters
    ----------
    recorder : TrainingRecorder
        With at least one recorded epoch.
    figure : matplotlib.figure.Figure, optional
        Drawn into (a new ``Figure`` of :data:`FIGSIZE` without pyplot otherwise).
    """

    def __init__(self, recorder: Any, figure: Any = None) -> None:
        require_matplotlib("the training panel figure")
        from matplotlib.figure import Figure

        if not len(recorder):
            raise ValueError("the training panel figure: nothing recorded yet (pass the "
                             "recorder to nn.fit(..., callback=rec) or call rec(epoch))")
        self.rec = recorder
        self.fig = figure if figure is not None else Figure(figsize=FIGSIZE, dpi=100)
        fig = self.fig
        fig.patch.set_facecolor("white")
        grid = fig.add_gridspec(2, 3, left=0.055, right=0.985, top=0.9, bottom=0.07,
                                wspace=0.32, hspace=0.38, width_ratios=[1, 1.15, 1])
        self.title = fig.suptitle("", fontsize=13, x=0.5, y=0.975)
        #: Whether the title says the epoch's summary (an exported frame's caption).
        self.titled = True
        self._updates: list[Any] = []
        self._drawn: list[Any] = []
        self._first_panel(fig.add_subplot(grid[0, 0]))
        self._curves(fig.add_subplot(grid[0, 1]))
        self._activations(fig.add_subplot(grid[0, 2]))
        self._weights(fig, grid[1, 0:2])
        self._gradients(fig.add_subplot(grid[1, 2]))

    # ------------------------------------------------------------------ panels
    def _first_panel(self, ax: Any) -> None:
        rec = self.rec
        if rec.grid_x is None or not rec.boundary:
            self._norm_lines(ax, rec.weight_norms, "weight norm ||W|| per layer")
            return
        extent = (rec.grid_x[0], rec.grid_x[-1], rec.grid_y[0], rec.grid_y[-1])
        image = ax.imshow(boundary_image(rec.boundary[0]), origin="lower", extent=extent,
                          aspect="auto", interpolation="bilinear")
        x = rec.inputs
        labels = rec.labels if rec.labels is not None else np.zeros(len(x), dtype=int)
        colors = [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in labels]
        points = ax.scatter(x[:, 0], x[:, 1], c=colors, s=14, edgecolors="#1a1a1a",
                            linewidths=0.5, zorder=3)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_title("decision boundary and data", fontsize=11)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        state: dict[str, Any] = {"contour": None}
        gx, gy = np.meshgrid(rec.grid_x, rec.grid_y)

        def update(k: int) -> list[Any]:
            probs = rec.boundary[k]
            image.set_data(boundary_image(probs))
            if state["contour"] is not None:
                state["contour"].remove()
                state["contour"] = None
            if probs.shape[-1] == 2 and probs[..., 1].min() < 0.5 < probs[..., 1].max():
                state["contour"] = ax.contour(gx, gy, probs[..., 1], levels=[0.5],
                                              colors="#1a1a1a", linewidths=1.2, zorder=2)
            drawn = [image] + ([state["contour"]] if state["contour"] is not None else [])
            return drawn + [points]  # in drawing order: the data above the background

        self._updates.append(update)

    def _norm_lines(self, ax: Any, norms: dict[str, list[Any]], title: str) -> None:
        series = {n: norms[n] for n in self.rec.weight_names()}
        values = [v for s in series.values() for v in s if v]
        self._lines(ax, series, title, log=bool(values) and max(values) / min(values) > 50)

    def _lines(self, ax: Any, series: dict[str, list[Any]], title: str, log: bool,
               ylabel: str = "", legend: bool = True) -> None:
        """One line per series over the recorded epochs, drawn up to the current epoch."""
        rec = self.rec
        epochs = np.array(rec.epochs, dtype=float)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("epoch")
        if ylabel:
            ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        limits = _finite_range(list(series.values()), log)
        if limits is not None:
            ax.set_ylim(*limits)
        ax.set_xlim(epochs[0] - 0.5, max(epochs[-1], epochs[0] + 1) + 0.5)
        cursor = ax.axvline(epochs[0], color="#999999", linewidth=0.8, linestyle=":")
        lines = []
        cmap = _layer_colors(len(series))
        for i, (name, values) in enumerate(series.items()):
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            (line,) = ax.plot([], [], color=cmap[i], linewidth=1.6, label=name)
            (dot,) = ax.plot([], [], "o", color=cmap[i], markersize=4)
            lines.append((line, dot, y))
        if legend and 0 < len(series) <= 8:  # above the lines: room made at the top of the axes
            ncol = min(3, len(series))
            if limits is not None:
                rows = -(-len(series) // ncol)
                lo, hi = limits
                ax.set_ylim(lo, hi * 10 ** (0.45 * rows) if log else hi + 0.12 * rows * (hi - lo))
            ax.legend(fontsize=7, loc="upper center", ncol=ncol, frameon=False,
                      handlelength=1.5, columnspacing=1.0)
        ax.grid(True, which="major", alpha=0.25)

        def update(k: int) -> list[Any]:
            cursor.set_xdata([epochs[k], epochs[k]])
            drawn = [cursor]
            for line, dot, y in lines:
                line.set_data(epochs[: k + 1], y[: k + 1])
                dot.set_data(epochs[k: k + 1], y[k: k + 1])
                drawn += [line, dot]
            return drawn

        self._updates.append(update)

    def _curves(self, ax: Any) -> None:
        rec = self.rec
        losses = [v for v in rec.loss if v is not None]
        log = bool(losses) and min(losses) > 0 and max(losses) / min(losses) > 50
        self._lines(ax, {"loss": rec.loss}, "loss and accuracy", log=log, ylabel="loss",
                    legend=False)
        ax.get_lines()[1].set_color("#c41e1e")
        ax.get_lines()[2].set_color("#c41e1e")
        if any(v is not None for v in rec.accuracy):
            ax2 = ax.twinx()
            ax2.set_ylim(-0.02, 1.05)
            ax2.set_ylabel("accuracy", color="#17661a")
            epochs = np.array(rec.epochs, dtype=float)
            acc = np.array([np.nan if v is None else v for v in rec.accuracy], dtype=float)
            (line,) = ax2.plot([], [], color="#17661a", linewidth=1.6, linestyle="--")

            def update(k: int) -> list[Any]:
                line.set_data(epochs[: k + 1], acc[: k + 1])
                return [line]

            self._updates.append(update)

    def _activations(self, ax: Any) -> None:
        rec = self.rec
        layers = list(rec.activations)
        ax.set_title("activations: dead / saturated", fontsize=11)
        if not layers:
            ax.text(0.5, 0.5, "no activation layers\n(ReLU, Sigmoid, Tanh modules)",
                    ha="center", va="center", transform=ax.transAxes, color="#666666")
            ax.set_axis_off()
            return
        y = np.arange(len(layers))[::-1]
        kinds = [rec.layer_kinds[name] for name in layers]
        colors = ["#c41e1e" if kind == "relu" else "#7f3fbf" for kind in kinds]
        height = min(0.5, 0.5 * 6 / max(len(layers), 6))
        bars = ax.barh(y, np.zeros(len(layers)), color=colors, height=height)
        ax.set_xlim(0, 1.0)
        ax.set_ylim(-0.6, len(layers) - 0.2)
        ax.set_yticks([])
        for yi, name, kind in zip(y, layers, kinds):  # the layer's name above its bar
            ax.text(0.01, yi + height / 2 + 0.04, f"layer {name} ({kind})", fontsize=7.5,
                    va="bottom", ha="left", color="#444444")
        ax.set_xlabel("fraction: dead ReLU units, saturated outputs", fontsize=8)
        texts = [ax.text(0.99, yi + height / 2 + 0.04, "", ha="right", va="bottom",
                         fontsize=7.5, color="#1a1a1a") for yi in y]

        def update(k: int) -> list[Any]:
            for bar, text, name in zip(bars, texts, layers):
                stats = rec.activations[name]
                frac = stats["dead"][k] if stats["dead"][k] is not None else stats["saturated"][k]
                bar.set_width(0.0 if frac is None else frac)
                mean, std = stats["mean"][k], stats["std"][k]
                what = "dead" if stats["dead"][k] is not None else "saturated"
                text.set_text("" if mean is None else
                              f"{frac:.0%} {what}; mean {mean:.2f}, std {std:.2f}")
            return list(bars) + texts

        self._updates.append(update)

    def _weights(self, fig: Any, cell: Any) -> None:
        rec = self.rec
        names = [n for n in rec.weight_names() if n in rec.weights]
        if not names:
            self._norm_lines(fig.add_subplot(cell), rec.weight_norms,
                             "weight norm ||W|| per layer (weights not kept: large model)")
            return
        units = network_layout([rec.weights[n][0].shape for n in names])
        if units is not None:
            self._network(fig.add_subplot(cell), names, units)
        else:
            self._heatmaps(fig, cell, names)

    def _network(self, ax: Any, names: list[str], units: list[int]) -> None:
        from matplotlib.collections import LineCollection

        rec = self.rec
        tallest = max(units)
        # units from the top (unit 0) down; a narrow layer spreads over more of the height
        ys = [-np.linspace(-1.0, 1.0, n) * min((n - 1) / 2 * max(tallest / n, 1.0),
                                                (tallest - 1) / 2) if n > 1 else np.zeros(1)
              for n in units]
        segments, index = [], []
        for layer, name in enumerate(names):
            out_n, in_n = rec.weights[name][0].shape
            for i in range(out_n):
                for j in range(in_n):
                    segments.append([(layer, ys[layer][j]), (layer + 1, ys[layer + 1][i])])
            index.append((name, out_n * in_n))
        scale = max(float(np.abs(w).max()) for n in names for w in rec.weights[n]) or 1.0
        edges: Any = LineCollection(segments, zorder=1)  # numpy colours: typed loosely
        ax.add_collection(edges)
        size = 260 if tallest <= 8 else 120
        nodes = [ax.scatter(np.full(len(y), layer), y, s=size, color="white",
                            edgecolors="#1a1a1a", linewidths=1.0, zorder=2)
                 for layer, y in enumerate(ys)]
        n_in, n_out = units[0], units[-1]
        for j in range(n_in):
            ax.text(-0.12, ys[0][j], f"x{j + 1}", ha="right", va="center", fontsize=9)
        for i in range(n_out):
            ax.text(len(units) - 1 + 0.12, ys[-1][i], f"class {i}" if n_out > 1 else "out",
                    ha="left", va="center", fontsize=9)
        for layer, name in enumerate(names):
            ax.text(layer + 0.5, tallest / 2 + 0.2, name, ha="center", va="bottom",
                    fontsize=8, color="#444444")
        ax.set_xlim(-0.6, len(units) - 1 + 0.6)
        ax.set_ylim(-tallest / 2 - 0.3, tallest / 2 + 0.8)
        ax.set_axis_off()
        ax.set_title(f"weights (blue > 0, orange < 0; width ~ |w|, largest |w| = {scale:.2g})",
                     fontsize=11, pad=12)
        pos, neg = _rgb(POSITIVE), _rgb(NEGATIVE)

        def update(k: int) -> list[Any]:
            w = np.concatenate([rec.weights[name][k].ravel() for name, _ in index])
            mag = np.abs(w) / scale
            rgba = np.empty((len(w), 4))
            rgba[:, :3] = np.where((w >= 0)[:, None], pos, neg)
            rgba[:, 3] = 0.15 + 0.85 * mag
            edges.set_color(rgba)
            edges.set_linewidth(0.3 + 3.5 * mag)
            return [edges] + nodes  # the units above their edges

        self._updates.append(update)

    def _heatmaps(self, fig: Any, cell: Any, names: list[str]) -> None:
        from matplotlib.colors import LinearSegmentedColormap

        rec = self.rec
        if len(names) > MAX_HEATMAPS:
            half = MAX_HEATMAPS // 2
            names = names[:half] + names[-half:]
        sub = cell.subgridspec(1, len(names), wspace=0.25)
        cmap = LinearSegmentedColormap.from_list("cr_weights", [NEGATIVE, "#ffffff", POSITIVE])
        images = []
        for i, name in enumerate(names):
            ax = fig.add_subplot(sub[0, i])
            first = rec.weights[name][0]
            vmax = max(float(np.abs(w).max()) for w in rec.weights[name]) or 1.0
            image = ax.imshow(first.reshape(first.shape[0], -1), cmap=cmap, vmin=-vmax,
                              vmax=vmax, aspect="auto", interpolation="nearest")
            ax.set_title(f"{name} {'x'.join(map(str, first.shape))}, |w| <= {vmax:.2g}",
                         fontsize=8)
            ax.tick_params(labelsize=7)
            images.append((image, name))
        box = cell.get_position(fig)
        fig.text((box.x0 + box.x1) / 2, box.y1 + 0.045, "weights (blue > 0, orange < 0)",
                 fontsize=11, ha="center", va="bottom")

        def update(k: int) -> list[Any]:
            for image, name in images:
                w = rec.weights[name][k]
                image.set_data(w.reshape(w.shape[0], -1))
            return [image for image, _ in images]

        self._updates.append(update)

    def _gradients(self, ax: Any) -> None:
        rec = self.rec
        self._lines(ax, rec.layer_grad_norms(), "gradient norm ||dL/dW|| per layer",
                    log=True)

    # ------------------------------------------------------------------- epoch
    def show(self, k: int) -> Any:
        """Draw recorded epoch ``k`` (a position in ``recorder.epochs``; -1 the last)."""
        n = len(self.rec)
        if not -n <= k < n:
            raise IndexError(f"recorded epoch position {k} out of range ({n} recorded)")
        k %= n
        drawn = []
        for update in self._updates:
            drawn += update(k)
        self.title.set_text(self.rec.summary(k) if self.titled else "")
        self._drawn = drawn + [self.title]
        return self.fig

    def pngs(self, dpi: int = 100) -> Iterator[bytes]:
        """Every recorded epoch as a PNG, in order: what ``savefig`` gives, much faster.

        The figure's fixed parts (axes, ticks, labels: most of the drawing time) are drawn
        once; each epoch restores that background and draws only what changes (blitting).
        """
        for image in self.images(dpi):
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=6)
            yield buffer.getvalue()

    def images(self, dpi: int = 100) -> Iterator[Any]:
        """Every recorded epoch as a PIL image (RGB), drawn by blitting (see :meth:`pngs`)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        fig = self.fig
        canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) \
            else fig.canvas
        old_dpi = fig.dpi
        fig.set_dpi(dpi)
        self.show(0)
        animated = self._drawn
        for artist in animated:
            artist.set_animated(True)
        try:
            canvas.draw()  # everything but the animated artists
            background = canvas.copy_from_bbox(fig.bbox)
            for k in range(len(self.rec)):
                self.show(k)
                canvas.restore_region(background)
                for artist in self._drawn:
                    artist.set_animated(True)  # a new contour each epoch
                    fig.draw_artist(artist)
                rgba = np.asarray(canvas.buffer_rgba())
                yield Image.fromarray(rgba[..., :3].copy())
        finally:
            for artist in self._drawn + animated:
                artist.set_animated(False)
            fig.set_dpi(old_dpi)


def _layer_colors(n: int) -> list[Any]:
    """Colours from the first layer (dark purple) to the last (green): viridis."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.75 * i / max(n - 1, 1)) for i in range(n)]


def panel_figure(recorder: Any, k: int = -1) -> Any:
    """The panel figure of recorded epoch ``k`` as a pyplot figure (shown by Jupyter)."""
    require_matplotlib("TrainingRecorder.plot")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=FIGSIZE)
    return EpochPanels(recorder, fig).show(k)


def gradient_norms(model: Any) -> dict[str, float | None]:
    """||dL/dW|| of each weight (parameters with 2 or more dimensions) after ``backward()``.

    Biases are left out: the weights' norms are the per-layer picture of lecture 000's
    product of small matrices. None for a weight without a gradient.
    """
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"gradient_norms: model must be an nn.Module, got "
                        f"{type(model).__name__}")
    return {name: (None if p.grad is None else float(np.linalg.norm(p.grad)))
            for name, p in model.named_parameters() if p.data.ndim >= 2}


def gradient_flow(model: Any, ax: Any = None) -> Any:
    """Per-layer gradient norms of ``model`` after any ``backward()``, on a log scale.

    One bar per weight, first layer on the left: ||dL/dW|| (the bar) and max |dL/dW| (the
    dot). Bars falling from right to left by orders of magnitude are vanishing gradients;
    rising ones, exploding gradients. The title gives first/last.

    Parameters
    ----------
    model : nn.Module
        After ``loss.backward()``.
    ax : matplotlib Axes, optional
        Drawn into; a new pyplot figure otherwise (shown by Jupyter).

    Returns
    -------
    matplotlib Axes
    """
    norms = gradient_norms(model)
    if not norms:
        raise ValueError("gradient_flow: the model has no weights (parameters with 2 or more "
                         "dimensions)")
    if all(v is None for v in norms.values()):
        raise ValueError("gradient_flow: no weight has a gradient yet; call loss.backward() "
                         "first")
    require_matplotlib("viz.gradient_flow")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(4.0, 0.7 * len(norms) + 2.0), 3.2))
    params = dict(model.named_parameters())
    names = list(norms)
    values = np.array([np.nan if norms[n] is None else norms[n] for n in names])
    peaks = np.array([np.nan if params[n].grad is None else float(np.abs(params[n].grad).max())
                      for n in names])
    x = np.arange(len(names))
    ax.bar(x, values, color=_layer_colors(len(names)), width=0.6, label="||dL/dW||")
    ax.plot(x, peaks, "o", color="#c41e1e", markersize=5, label="max |dL/dW|")
    ax.set_yscale("log")
    ax.set_xticks(x, names, rotation=30 if len(names) > 6 else 0, fontsize=8)
    ax.set_ylabel("gradient (log scale)")
    ax.set_xlabel("layer (input side on the left)")
    first, last = values[0], values[-1]
    ratio = f": first / last = {first / last:.2g}" if last > 0 and np.isfinite(first) else ""
    ax.set_title(f"gradient flow{ratio}", fontsize=11)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(True, axis="y", which="major", alpha=0.25)
    return ax
