"""Tables as pictures: heat maps of a metric over two settings (penalty x width, capacity tables)
and capacity curves (train and validation metrics against size), from tidy DataFrames such as
``nnfit.sweep``'s: one row per configuration and seed."""

from __future__ import annotations

import numpy as np

from .style import CYCLE, new_figure, styled

__all__ = ["plot_heatmap", "plot_capacity"]


def _check_columns(table, names):
    missing = [n for n in names if n is not None and n not in table.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the table; it has {list(table.columns)}")


@styled
def plot_heatmap(table, index=None, columns=None, value=None, *, aggfunc="mean", fmt="{:.3g}",
                 log=None, cmap="viridis", best="min", title=None):
    """A table of numbers as a colour grid, each cell annotated.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy (one row per run; give ``index``, ``columns`` and ``value``) or already wide (rows
        and columns as shown; leave them ``None``), e.g. seed 004's table of train/val MSE.
    index, columns : str
        Columns of ``table`` for the rows and columns of the grid.
    value : str
        Column holding the numbers; several rows per cell (seeds) are combined by ``aggfunc``.
    fmt : str
        Format of the cell annotations.
    log : bool, optional
        Logarithmic colour scale; default when positive values span more than two decades.
    best : {'min', 'max', None}
        Outline the best cell (of a tidy table) or the best cell of each column (of a wide
        table, whose columns are usually metrics).

    Returns
    -------
    matplotlib.figure.Figure
        One image, one text per cell, a colour bar.
    """
    import pandas as pd
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.patches import Rectangle

    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    if value is not None:
        _check_columns(table, [index, columns, value])
        if index is None or columns is None:
            raise ValueError("give index and columns with value (a tidy table), or none of them")
        grid = table.pivot_table(index=index, columns=columns, values=value, aggfunc=aggfunc)
    else:
        grid = table.select_dtypes("number")
    if grid.empty:
        raise ValueError("nothing numeric to show in the table")
    Z = grid.to_numpy(dtype=np.float64)
    finite = Z[np.isfinite(Z)]
    if log is None:
        log = finite.size > 0 and finite.min() > 0 and finite.max() / finite.min() > 100
    norm = (LogNorm(finite.min(), finite.max()) if log and finite.size
            else Normalize(*(finite.min(), finite.max()) if finite.size else (0, 1)))
    nr, nc = Z.shape
    fig, ax = new_figure(size=(max(4.0, 1.05 * nc + 2.6), max(2.6, 0.42 * nr + 1.4)))
    image = ax.imshow(np.ma.masked_invalid(Z), cmap=cmap, norm=norm, aspect="auto")
    cmap_obj = image.get_cmap()
    for r in range(nr):
        for c in range(nc):
            v = Z[r, c]
            if not np.isfinite(v):
                ax.text(c, r, "–", ha="center", va="center", fontsize=8)
                continue
            rgb = np.asarray(cmap_obj(norm(v)))[:3]
            dark = rgb @ [0.299, 0.587, 0.114] < 0.5
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    note = ""
    if best in ("min", "max") and finite.size:
        # a tidy table's grid is one metric: one best cell; a wide table's columns are metrics
        # (train_mse, val_mse): the best of each column
        pick = np.nanargmin if best == "min" else np.nanargmax
        cells = ([np.unravel_index(pick(Z), Z.shape)] if value is not None else
                 [(pick(Z[:, c]), c) for c in range(nc) if np.isfinite(Z[:, c]).any()])
        for r, c in cells:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="#d62728", lw=2.2))
        what = "lowest" if best == "min" else "highest"
        note = f"\n(outlined: {what}{'' if value is not None else ' per column'})"
    ax.set_xticks(range(nc), [str(c) for c in grid.columns], rotation=30 if nc > 4 else 0,
                  ha="right" if nc > 4 else "center")
    ax.set_yticks(range(nr), [str(i) for i in grid.index])
    ax.set_xlabel(columns if columns is not None else (grid.columns.name or ""))
    ax.set_ylabel(index if index is not None else (grid.index.name or ""))
    ax.grid(False)
    ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=ax, label=(value or "value") + (" (log scale)" if log else ""),
                 shrink=0.9)
    ax.set_title((title or (f"{value} by {index} and {columns}" if value else "values")) + note,
                 fontsize=10)
    return fig


@styled
def plot_capacity(table, x, metrics=None, *, hue=None, logx=None, logy=None, title=None):
    """Train and validation metrics against a capacity setting (width, depth, parameters...).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per configuration and seed.
    x : str
        Column on the horizontal axis (e.g. ``n_params``, ``width``, ``l2``); non-numeric values
        are placed in their order of appearance.
    metrics : list of str, optional
        Columns to draw; default every numeric column starting with ``train_`` or ``val_``.
    hue : str, optional
        A column whose values get one colour each (e.g. ``activation``); the metrics are then
        told apart by line style.
    logx, logy : bool, optional
        Log axes; default when positive values span more than two decades.

    Returns
    -------
    matplotlib.figure.Figure
        One line per metric (and hue value): the mean over rows with the same ``x``, with a
        band from their minimum to maximum when there are several (seeds).
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    if metrics is None:
        metrics = [c for c in table.select_dtypes("number").columns
                   if c.startswith(("train_", "val_"))]
    metrics = list(metrics)
    _check_columns(table, [x, hue, *metrics])
    if not metrics:
        raise ValueError("no metrics to plot: give metrics=[...] (columns of the table)")
    numeric = pd.api.types.is_numeric_dtype(table[x])
    categories = None if numeric else list(dict.fromkeys(table[x].astype(str)))
    fig, ax = new_figure(size=(6.2, 4.0))
    styles = ["-", "--", ":", "-."]
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=False))
    for g, (key, rows) in enumerate(groups):
        for m, metric in enumerate(metrics):
            stats = rows.groupby(x, sort=numeric)[metric].agg(["mean", "min", "max", "count"])
            if not numeric:
                stats = stats.reindex([c for c in categories if c in stats.index.astype(str)])
                pos = np.array([categories.index(str(v)) for v in stats.index], dtype=float)
            else:
                pos = stats.index.to_numpy(dtype=float)
            colour = CYCLE[(g if hue is not None else m) % len(CYCLE)]
            ls = styles[m % len(styles)] if hue is not None else "-"
            label = metric if hue is None else f"{metric}, {hue}={key}"
            ax.plot(pos, stats["mean"], color=colour, ls=ls, marker="o", label=label)
            if (stats["count"] > 1).any():
                ax.fill_between(pos, stats["min"], stats["max"], color=colour, alpha=0.15, lw=0)
    if numeric:
        vals = table[x].to_numpy(dtype=float)
        if logx or (logx is None and np.all(vals > 0) and vals.max() / vals.min() > 100):
            ax.set_xscale("log")
    else:
        ax.set_xticks(range(len(categories)), categories, rotation=30 if len(categories) > 4 else 0,
                      ha="right" if len(categories) > 4 else "center")
    vals = table[metrics].to_numpy(dtype=float)
    vals = vals[np.isfinite(vals)]
    if logy or (logy is None and vals.size and np.all(vals > 0) and vals.max() / vals.min() > 100):
        ax.set_yscale("log")
    ax.set(xlabel=x, ylabel=", ".join(metrics) if len(metrics) <= 2 else "metric",
           title=title or f"capacity: {', '.join(metrics)} by {x}")
    ax.legend()
    return fig
