"""Pictures of a sweep: metric against capacity with the spread over seeds, heat maps, a report.

Each figure function returns a matplotlib Figure; :func:`write_report` puts the summary table and
the figures into one self-contained HTML file (images inlined as base64 PNG).
"""

from __future__ import annotations

import base64
import html
import io
import os

import numpy as np

from .._runfolder import _atomic_write
from ..errors import InvalidOptionError


def _label(value):
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def _axes(ax, size=(6.4, 4.4)):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size)
    return fig, ax


def _check_metric(result, metric):
    if metric not in result.table.columns:
        numeric = [c for c in result.table.columns
                   if c.startswith(("train_", "val_", "best_"))]
        raise InvalidOptionError(f"unknown metric {metric!r}; the table has {', '.join(numeric)}")


def plot_capacity(result, metric, by=None, ax=None):
    """``metric`` against trainable parameters: seeds' mean (line), min-max (band), each seed.

    Parameters
    ----------
    result : SweepResult
    metric : str
        A table column, e.g. ``val_mse``, ``train_mse``, ``val_accuracy``.
    by : str or list of str, optional
        Configuration columns whose values get separate lines (e.g. ``"l2"``); default: every
        swept key except ``hidden``. Configurations of one line are joined in order of size.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_metric(result, metric)
    t = result.table
    if by is None:
        by = [c for c in result.swept() if c != "hidden"]
    by = [by] if isinstance(by, str) else list(by)
    for key in by:
        if key not in t.columns:
            raise InvalidOptionError(f"by={key!r} is not a column of the table; choose from "
                             f"{result.swept()}")
    fig, ax = _axes(ax)
    label = t[by].apply(lambda r: ", ".join(f"{k}={_label(r[k])}" for k in by), axis=1) \
        if by else t.seed.map(lambda _: "")
    for name in dict.fromkeys(label):
        part = t[label == name]
        agg = part.groupby("config_id", sort=False).agg(
            n=("n_params", "first"), mean=(metric, "mean"), lo=(metric, "min"),
            hi=(metric, "max")).sort_values("n")
        line, = ax.plot(agg.n, agg["mean"], "o-", label=name or None)
        if part.seed.nunique() > 1:
            ax.fill_between(agg.n, agg.lo, agg.hi, alpha=0.2, color=line.get_color())
            ax.plot(part.n_params, part[metric], ".", color=line.get_color(), alpha=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters")
    ax.set_ylabel(metric)
    seeds = t.seed.nunique()
    ax.set_title(f"{metric} against capacity" + (f" (mean, band: min-max over {seeds} seeds)"
                                                   if seeds > 1 else ""), fontsize=10)
    if by:
        ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig


def plot_heatmap(result, x, y, metric, ax=None):
    """Heat map of ``metric`` (mean over seeds and over any key not on the axes) for ``x``, ``y``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_metric(result, metric)
    t = result.table
    for key in (x, y):
        if key not in t.columns:
            raise InvalidOptionError(f"{key!r} is not a column of the table; choose from {result.swept()}")
    xs, ys = list(dict.fromkeys(t[x].map(_label))), list(dict.fromkeys(t[y].map(_label)))
    grid = np.full((len(ys), len(xs)), np.nan)
    cells = t.assign(_x=t[x].map(_label), _y=t[y].map(_label)).groupby(["_y", "_x"])[metric].mean()
    for (vy, vx), value in cells.items():
        grid[ys.index(vy), xs.index(vx)] = value
    fig, ax = _axes(ax, (1.2 + 0.9 * len(xs), 1.2 + 0.6 * len(ys)))
    image = ax.imshow(grid, aspect="auto", cmap="viridis_r" if "accuracy" not in metric else "viridis")
    ax.set_xticks(range(len(xs)), xs, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(ys)), ys, fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(grid):
        if np.isfinite(value):
            shade = image.cmap(image.norm(value))
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7,
                    color="w" if dark else "k")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{metric}, mean over seeds", fontsize=10)
    fig.tight_layout()
    return fig


def _png(fig):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def write_report(result, folder, metric):
    """``report.html`` with the summary table, capacity plots and heat maps; PNGs beside it."""
    os.makedirs(folder, exist_ok=True)
    figures = []
    train = metric.replace("val_", "train_")
    for m in dict.fromkeys([metric, train]):
        if m in result.table:
            figures.append((f"capacity_{m}", plot_capacity(result, m)))
    swept = [k for k in result.swept() if k != "hidden"]
    axes = [("hidden", k) for k in swept] + [
        (a, b) for i, a in enumerate(swept) for b in swept[i + 1:]]
    for x, y in axes[:4]:
        figures.append((f"heatmap_{x}_{y}_{metric}", plot_heatmap(result, x, y, metric)))
    parts = [f"<h1>Sweep: {len(result.table)} runs</h1>",
             f"<p>{html.escape(repr(result))}; folder {html.escape(str(result.folder))}</p>"]
    for name, fig in figures:
        data = _png(fig)
        _atomic_write(os.path.join(folder, f"{name}.png"), lambda f, d=data: f.write(d), "wb")
        parts.append(f'<h2>{html.escape(name)}</h2><img src="data:image/png;base64,'
                     f'{base64.b64encode(data).decode()}">')
    keep = [c for c in result.summary().columns
            if not c.endswith(("_min", "_max")) and c != "config_id"]
    parts.append("<h2>Summary over seeds</h2>" + result.summary()[keep].to_html(
        index=False, float_format=lambda v: f"{v:.4g}"))
    parts.append("<h2>All runs</h2>" + result.table.to_html(index=False,
                                                            float_format=lambda v: f"{v:.4g}"))
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>nnfit sweep</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
            "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
    path = os.path.join(folder, "report.html")
    _atomic_write(path, lambda f: f.write(page), "w")
    return path
