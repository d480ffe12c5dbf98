"""One look for every nnfit figure: colours, sizes, and figures made without pyplot.

Every plotting function builds its figure with :func:`new_figure` inside :func:`styled`, so the
same fonts, grid and colours apply everywhere and nothing touches pyplot's global figure list:
a figure made here is an ordinary :class:`matplotlib.figure.Figure` that renders with the Agg
canvas whatever the backend, never opens a window, and is freed when it is no longer referenced.
"""

from __future__ import annotations

import functools
import io

import numpy as np

# What each role is drawn in, the same in every figure.
COLORS = {
    "data": "#4878d0",        # observations
    "fit": "#1a1a1a",         # the model's prediction
    "train": "#4878d0",       # training curves
    "val": "#ee854a",         # validation curves
    "true": "#6acc64",        # the true function, where it is known
    "band": "#1a1a1a",        # ensemble spread
    "path": "#d62728",        # descent trajectories
    "positive": "#2166ac",    # positive weights
    "negative": "#b2182b",    # negative weights
    "train_range": "#bbbbbb", # the region covered by training data
    "warn": "#d62728",
}
# Colours for several series (units, members, classes): colour-blind-safe, seaborn's "muted".
CYCLE = ["#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4", "#8c613c", "#dc7ec0",
         "#797979", "#d5bb67", "#82c6e2"]

RC = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": None,  # filled in by _rc(): cycler needs matplotlib
    "legend.fontsize": 8.5,
    "legend.frameon": True,
    "legend.framealpha": 0.8,
    "legend.edgecolor": "none",
    "lines.linewidth": 1.8,
    "lines.markersize": 4,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "image.cmap": "viridis",
    "figure.dpi": 100,
    "savefig.dpi": 110,
}
PANEL = (4.6, 3.4)  # inches per panel


def _rc():
    from cycler import cycler

    return {**RC, "axes.prop_cycle": cycler(color=CYCLE)}


def styled(func):
    """Run a figure function under nnfit's rcParams (fonts, grid, colour cycle)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        import matplotlib as mpl

        with mpl.rc_context(_rc()):
            return func(*args, **kwargs)

    return wrapper


def new_figure(nrows=1, ncols=1, *, size=None, projection=None, squeeze=True, **subplot_kw):
    """A constrained-layout Figure and its axes, made without pyplot.

    Parameters
    ----------
    nrows, ncols : int
    size : (float, float), optional
        Inches; default :data:`PANEL` per panel.
    projection : str, optional
        e.g. ``"3d"``.
    squeeze : bool
        As in :meth:`Figure.subplots`; ``False`` always returns a 2-D array of axes.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes or ndarray of Axes
    """
    from matplotlib.figure import Figure

    if size is None:
        size = (PANEL[0] * ncols, PANEL[1] * nrows)
    fig = Figure(figsize=size, layout="constrained")
    if projection is not None:
        subplot_kw["projection"] = projection
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, subplot_kw=subplot_kw or None)
    return fig, axes


def figure_to_png(fig, dpi=None):
    """The figure as PNG bytes (Agg), without any display.

    Constrained layout already fits labels and outside legends, so no ``bbox_inches="tight"``
    (which draws the figure twice).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or RC["savefig.dpi"])
    return buf.getvalue()


def save_figure(fig, path, dpi=None):
    """Write the figure to ``path`` (format from the extension); returns ``path``."""
    fig.savefig(path, dpi=dpi or RC["savefig.dpi"])
    return path


def as_1d(name, values):
    """A float array of shape (n,), accepting (n,) or (n, 1); a clear error otherwise."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must have shape (n,) or (n, 1), got {a.shape}")
    return a


def same_length(**arrays):
    """Raise unless every given array has the same first dimension."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(f"arrays must have the same length, got {shown}")


def log_scale_if_wide(ax, values, axis="y", decades=2.0):
    """Use a log scale when positive ``values`` span more than ``decades`` powers of ten."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size and np.all(v > 0) and np.log10(v.max() / v.min()) > decades:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        return True
    return False
