"""Gradient descent pictured: the loss surface over two parameters with the descent path
(seed 003), and the fitted line every ``k`` steps (seed 001).

Parameter paths are the linear solvers' convention: one row per recorded point, intercept
first, ``path[0]`` the start.
"""

from __future__ import annotations

import numpy as np

from .style import COLORS, as_1d, new_figure, styled

__all__ = ["plot_loss_surface", "plot_gd_snapshots"]


def _grid_axes(grid_i, grid_j, surface):
    gi, gj = np.asarray(grid_i, dtype=np.float64), np.asarray(grid_j, dtype=np.float64)
    if gi.ndim == 2:  # meshgrid output (indexing "xy"): the values vary along columns / rows
        gi = gi[0, :]
    if gj.ndim == 2:
        gj = gj[:, 0]
    Z = np.asarray(surface, dtype=np.float64)
    if gi.ndim != 1 or gj.ndim != 1 or Z.shape != (gj.size, gi.size):
        raise ValueError(f"surface must have shape (len(grid_j), len(grid_i)) = ({gj.size}, "
                         f"{gi.size}), got {Z.shape}")
    return gi, gj, Z


def _path_points(path, i, j, losses, gi, gj, Z):
    """Path coordinates (k,), (k,) and the loss at each point (k,)."""
    from scipy.interpolate import RegularGridInterpolator

    P = np.asarray(path, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] <= max(i, j):
        raise ValueError(f"path must have shape (k, n_params) with columns {i} and {j}, got {P.shape}")
    pi, pj = P[:, i], P[:, j]
    on_surface = RegularGridInterpolator((gj, gi), Z, bounds_error=False, fill_value=np.nan)(
        np.column_stack([pj, pi]))
    if losses is None:
        return pi, pj, on_surface
    L = as_1d("losses", losses)
    if L.size == P.shape[0]:
        return pi, pj, L
    if L.size == P.shape[0] - 1:  # one loss per update, after it: the start from the surface
        return pi, pj, np.r_[on_surface[0], L]
    raise ValueError(f"losses must have {P.shape[0]} (one per path row) or {P.shape[0] - 1} "
                     f"(one per update) entries, got {L.size}")


def _theta(k):
    """``θ`` with ``k`` as a subscript: θ₀, θ₁₂."""
    return "θ" + str(int(k)).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _levels(Z, n=25):
    finite = Z[np.isfinite(Z)]
    lo, hi = finite.min(), finite.max()
    if lo > 0 and hi / lo > 100:
        return np.geomspace(lo, hi, n), True
    return np.linspace(lo, hi, n), False


@styled
def plot_loss_surface(grid_i, grid_j=None, surface=None, path=None, losses=None, *, kind="3d",
                      i=0, j=1, labels=None, loss_label="loss", title=None):
    """The loss over two parameters, with the descent path on it.

    Parameters
    ----------
    grid_i : array of shape (n_i,), or (n_j, n_i) as from ``np.meshgrid``
        Values of the first parameter (horizontal axis). A
        :class:`nnfit.diagnose.LossSurface` (a slice of a network's parameters along two
        directions) alone is drawn by :func:`~nnfit.plots.plot_loss_slice`, whose axes name
        the directions.
    grid_j : array of shape (n_j,), or (n_j, n_i)
        Values of the second parameter (vertical axis).
    surface : array of shape (n_j, n_i)
        ``surface[b, a]`` is the loss at ``(grid_i[a], grid_j[b])`` (``nnfit.linear.loss_surface``).
    path : array of shape (k, n_params), optional
        The parameters at each recorded step; columns ``i`` and ``j`` are drawn.
    losses : array of shape (k,) or (k - 1,), optional
        The loss at each path row (or after each update). Default: read off the surface.
    kind : {'3d', 'contour', 'both'}
    i, j : int
        The path columns that match ``grid_i`` and ``grid_j`` (intercept first: 0 and 1).
    labels : (str, str), optional
        Axis names of the two parameters. Default: the linear solvers' ``θ₀ (intercept)`` and
        ``θ₁ (slope)`` for columns 0 and 1, else ``θᵢ`` and ``θⱼ`` by their column numbers.

    Returns
    -------
    matplotlib.figure.Figure
        With a path: legend entries ``descent path (k points)``, ``start``, ``end``.
    """
    if hasattr(grid_i, "directions") and hasattr(grid_i, "loss"):  # a network's slice
        if grid_j is not None or surface is not None or path is not None:
            raise TypeError("give a LossSurface alone, or grid_i, grid_j and surface")
        from .landscape import plot_loss_slice

        named = {} if loss_label == "loss" else {"loss_label": loss_label}  # else its default
        return plot_loss_slice(grid_i, kind=kind, title=title, **named)
    if grid_j is None or surface is None:
        raise TypeError("plot_loss_surface needs grid_i, grid_j and surface, or a LossSurface")
    if kind not in ("3d", "contour", "both"):
        raise ValueError(f"kind must be '3d', 'contour' or 'both', got {kind!r}")
    if labels is None:  # intercept first; with it, column 1 is the line's slope
        roles = {0: " (intercept)", 1: " (slope)"} if {i, j} == {0, 1} else {0: " (intercept)"}
        labels = tuple(_theta(k) + roles.get(k, "") for k in (i, j))
    gi, gj, Z = _grid_axes(grid_i, grid_j, surface)
    pts = None if path is None else _path_points(path, i, j, losses, gi, gj, Z)
    Gi, Gj = np.meshgrid(gi, gj)
    panels = ["3d", "contour"] if kind == "both" else [kind]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.6 * len(panels), 4.6), layout="constrained")
    for n, panel in enumerate(panels, start=1):
        if panel == "3d":
            # computed_zorder off: the path is drawn over the surface, not hidden inside it
            ax = fig.add_subplot(1, len(panels), n, projection="3d", computed_zorder=False)
            ax.plot_surface(Gi, Gj, Z, cmap="viridis", alpha=0.55 if pts is not None else 0.9,
                            linewidth=0, antialiased=True, rcount=60, ccount=60)
            if pts is not None:
                pi, pj, pz = pts
                ax.plot(pi, pj, pz, color=COLORS["path"], marker="o", ms=2.5, lw=1.4,
                        label=f"descent path ({len(pi)} points)", zorder=10)
                ax.scatter([pi[0]], [pj[0]], [pz[0]], color="white", edgecolor="k", s=40,
                           label="start", depthshade=False)
                ax.scatter([pi[-1]], [pj[-1]], [pz[-1]], color=COLORS["path"], marker="*",
                           s=110, edgecolor="k", label="end", depthshade=False)
                ax.legend(loc="upper left")
            ax.set_xlabel(labels[0], labelpad=6)
            ax.set_ylabel(labels[1], labelpad=6)
            ax.set_zlabel(loss_label, labelpad=6)
            ax.set_title(title or ("descent on the loss surface" if pts is not None else "loss surface"))
            ax.view_init(elev=30, azim=-125)
        else:
            ax = fig.add_subplot(1, len(panels), n)
            levels, logged = _levels(Z)
            from matplotlib.colors import LogNorm

            norm = LogNorm(levels[0], levels[-1]) if logged else None
            cf = ax.contourf(Gi, Gj, Z, levels=levels, cmap="viridis", norm=norm)
            ax.contour(Gi, Gj, Z, levels=levels[::3], colors="white", linewidths=0.4, alpha=0.6,
                       norm=norm)
            fig.colorbar(cf, ax=ax, label=loss_label + (" (log scale)" if logged else ""),
                         shrink=0.9, format="%.3g")
            b, a = np.unravel_index(np.nanargmin(Z), Z.shape)
            ax.scatter([gi[a]], [gj[b]], marker="X", color="white", edgecolor="k", s=60, zorder=4,
                       label="grid minimum")
            if pts is not None:
                pi, pj, _ = pts
                ax.plot(pi, pj, color=COLORS["path"], marker="o", ms=2.5, lw=1.4,
                        label=f"descent path ({len(pi)} points)")
                ax.scatter([pi[0]], [pj[0]], color="white", edgecolor="k", s=40, zorder=4,
                           label="start")
                ax.scatter([pi[-1]], [pj[-1]], color=COLORS["path"], marker="*", s=110,
                           edgecolor="k", zorder=4, label="end")
            ax.set(xlabel=labels[0], ylabel=labels[1], xlim=(gi[0], gi[-1]), ylim=(gj[0], gj[-1]),
                   title=title if (title and len(panels) == 1) else "loss contours")
            ax.grid(False)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)
    return fig


@styled
def plot_gd_snapshots(x, y, path, every=20, losses=None, *, max_panels=12, layout="grid",
                      loss_label="loss", step_label="step", x_label="x", y_label="y", title=None):
    """The fitted line every ``every`` steps of gradient descent (seed 001's snapshots).

    Parameters
    ----------
    x, y : arrays of shape (n,)
        The data.
    path : array of shape (k, 2)
        Intercept and slope at each recorded step, intercept first; ``path[0]`` is the start.
    every : int
        Draw steps 0, every, 2 * every, ... and the last.
    losses : array of shape (k,), optional
        The loss at each path row, shown in the legends.
    max_panels : int
        At most this many snapshots; more are thinned evenly, keeping the first and last.
    layout : {'grid', 'overlay'}
        One panel per snapshot, or all lines in one panel coloured by step.

    Returns
    -------
    matplotlib.figure.Figure
        ``grid``: one axes per snapshot, titled with its step; ``overlay``: one axes with one line
        per snapshot and a colour bar of the step.
    """
    x, y = as_1d("x", x), as_1d("y", y)
    P = np.asarray(path, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"path must have shape (k, 2): intercept and slope per step, got {P.shape}")
    if int(every) < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    if layout not in ("grid", "overlay"):
        raise ValueError(f"layout must be 'grid' or 'overlay', got {layout!r}")
    L = None if losses is None else as_1d("losses", losses)
    if L is not None and L.size != P.shape[0]:
        raise ValueError(f"losses must have one entry per path row ({P.shape[0]}), got {L.size}")
    steps = list(range(0, P.shape[0], int(every)))
    if steps[-1] != P.shape[0] - 1:
        steps.append(P.shape[0] - 1)
    if len(steps) > max_panels:
        keep = np.unique(np.round(np.linspace(0, len(steps) - 1, max_panels)).astype(int))
        steps = [steps[k] for k in keep]
    line_x = np.array([x.min(), x.max()])

    def label(t):
        return f"{step_label} {t}" + ("" if L is None else f", {loss_label} {L[t]:.4g}")

    if layout == "overlay":
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        fig, ax = new_figure(size=(6.2, 4.2))
        ax.scatter(x, y, s=14, color=COLORS["data"], alpha=0.5, label="data")
        norm = Normalize(0, max(steps[-1], 1))
        cmap = colormaps["plasma"]
        for t in steps:
            ax.plot(line_x, P[t, 0] + P[t, 1] * line_x, color=cmap(norm(t)), lw=1.3)
        fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label=step_label)
        ax.set(xlabel=x_label, ylabel=y_label,
               title=title or f"fit every {every} {step_label}s ({len(steps)} lines)")
        ax.legend()
        return fig

    ncols = min(4, len(steps))
    nrows = -(-len(steps) // ncols)
    fig, axes = new_figure(nrows, ncols, size=(3.2 * ncols, 2.6 * nrows + 0.3), squeeze=False,
                           sharex=True, sharey=True)
    pad = 0.1 * (np.ptp(y) or 1.0)
    for ax, t in zip(axes.ravel(), steps):
        ax.scatter(x, y, s=8, color=COLORS["data"], alpha=0.5, label="data")
        ax.plot(line_x, P[t, 0] + P[t, 1] * line_x, color=COLORS["path"], lw=1.5, label="fit")
        ax.set_title(label(t), fontsize=8.5)
        ax.set_ylim(y.min() - pad, y.max() + pad)
    for ax in axes.ravel()[len(steps):]:
        ax.set_visible(False)
    for c in range(ncols):  # the lowest visible panel of each column carries the x label
        r = max(r for r in range(nrows) if r * ncols + c < len(steps))
        axes[r, c].set_xlabel(x_label)
        axes[r, c].tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel(y_label)
    axes[0, 0].legend(loc="upper left")
    fig.suptitle(title or f"gradient descent: the fit every {every} {step_label}s")
    return fig
