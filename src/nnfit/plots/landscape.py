"""A network's loss landscape and its many starts pictured: the loss along a straight line
between two parameter sets, the loss on a 2-D slice through the fitted parameters, and the
starts of a multi-start fit compared (the figures of :func:`nnfit.diagnose.interpolate`,
:func:`nnfit.diagnose.loss_surface` and :func:`nnfit.diagnose.multistart`).

Each function takes plain arrays; the one with most inputs also takes the diagnose result
itself (``plot_loss_slice(surface)``, ``plot_multistart(ms)``), read by attribute, so nothing
here imports :mod:`nnfit.diagnose`.
"""

from __future__ import annotations

import numpy as np

from .descent import plot_loss_surface
from .style import COLORS, CYCLE, as_1d, log_scale_if_wide, new_figure, styled

__all__ = ["plot_interpolation", "plot_loss_slice", "plot_multistart", "slice_labels"]

_DIRECTIONS = {
    "random": "filter-normalised random direction",
    "pca": "principal direction of the path",
    "given": "direction",
}


@styled
def plot_interpolation(alpha, loss=None, *, start_label="start", end_label="end",
                       loss_label="training loss", title=None):
    """The loss along ``theta(alpha) = (1 - alpha) theta_start + alpha theta_end``.

    Parameters
    ----------
    alpha : array of shape (n,), or the DataFrame of :func:`nnfit.diagnose.interpolate`
        The line's coordinate: 0 at the start, 1 at the end (beyond them with ``extend``).
        A DataFrame with columns ``alpha`` and ``loss`` gives both.
    loss : array of shape (n,), optional
        The objective at each ``alpha`` (not needed with a DataFrame).
    start_label, end_label : str
        What the two ends are, e.g. ``"initial parameters"`` and ``"fitted parameters"``.
    loss_label : str

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the loss (a line with gid ``loss``), the two ends as markers labelled
        ``start_label`` (at alpha = 0) and ``end_label`` (at alpha = 1) when the grid holds
        them, and the largest loss between them, a barrier, marked when it rises above both.
        The loss axis is logarithmic when positive losses span more than two decades.
    """
    if loss is None:
        if not (hasattr(alpha, "columns") and {"alpha", "loss"} <= set(alpha.columns)):
            raise TypeError("give alpha and loss, or the DataFrame of diagnose.interpolate "
                            "(columns alpha and loss)")
        alpha, loss = alpha["alpha"], alpha["loss"]
    a, L = as_1d("alpha", alpha), as_1d("loss", loss)
    if a.size != L.size:
        raise ValueError(f"alpha and loss must have the same length, got {a.size} and {L.size}")
    order = np.argsort(a, kind="stable")
    a, L = a[order], L[order]
    fig, ax = new_figure(size=(5.6, 3.8))
    ax.plot(a, L, color=COLORS["fit"], lw=1.6, label=loss_label, gid="loss")
    for where, label, marker in ((0.0, start_label, "o"), (1.0, end_label, "*")):
        hit = np.flatnonzero(np.isclose(a, where, rtol=0, atol=1e-9))
        if hit.size:
            ax.scatter([a[hit[0]]], [L[hit[0]]], marker=marker, s=70 if marker == "*" else 40,
                       color=COLORS["path"] if marker == "*" else "white", edgecolor="k",
                       zorder=4, label=f"{label} (α = {where:g})")
    inside = (a >= 0) & (a <= 1) & np.isfinite(L)
    if inside.sum() > 2:
        k = np.flatnonzero(inside)[np.argmax(L[inside])]
        ends = [L[np.argmin(np.abs(a - e))] for e in (0.0, 1.0)]
        if 0 < a[k] < 1 and L[k] > max(ends):
            ax.scatter([a[k]], [L[k]], marker="^", s=50, color=COLORS["warn"], zorder=4,
                       label=f"barrier at α = {a[k]:.2g}")
    if a.min() < 0 or a.max() > 1:
        ax.axvspan(0, 1, color=COLORS["train_range"], alpha=0.2, lw=0, label="between the ends")
    log_scale_if_wide(ax, L)
    ax.set(xlabel=f"α: (1 − α)·{start_label} + α·{end_label}", ylabel=loss_label,
           title=title or "loss along the straight line between two parameter sets")
    ax.legend()
    return fig


def slice_labels(direction_kind="random"):
    """Axis labels of a slice ``theta* + alpha d1 + beta d2`` of a network's parameters.

    Parameters
    ----------
    direction_kind : {'random', 'pca', 'given'}
        ``LossSurface.direction_kind``.

    Returns
    -------
    (str, str)
        e.g. ``('α along d₁ (filter-normalised random direction)', 'β along d₂ (...)')``.
    """
    if direction_kind not in _DIRECTIONS:
        raise ValueError(f"direction_kind must be one of {', '.join(_DIRECTIONS)}, "
                         f"got {direction_kind!r}")
    what = _DIRECTIONS[direction_kind]
    return f"α along d₁ ({what} 1)", f"β along d₂ ({what} 2)"


@styled
def plot_loss_slice(alphas, betas=None, loss=None, path_coords=None, path_loss=None, *,
                    direction_kind="random", center_loss=None, path_offplane=None,
                    kind="contour", loss_label="training loss", title=None):
    """The loss on a plane ``theta* + alpha d1 + beta d2`` through a network's fitted
    parameters ``theta*``, with a training path projected onto it.

    Parameters
    ----------
    alphas : array of shape (a,), or a :class:`nnfit.diagnose.LossSurface`
        Coordinates along ``d1``; a LossSurface alone gives every other argument.
    betas : array of shape (b,)
        Coordinates along ``d2``.
    loss : array of shape (b, a)
        ``loss[i, j]`` at ``(alphas[j], betas[i])``.
    path_coords : array of shape (T, 2), optional
        The snapshots' least-squares coordinates on the plane.
    path_loss : array of shape (T,), optional
        The loss at each snapshot itself.
    direction_kind : {'random', 'pca', 'given'}
        How ``d1`` and ``d2`` were chosen; the axes say so (:func:`slice_labels`).
    center_loss : float, optional
        The loss at ``theta*`` (the origin), marked ``fitted parameters``.
    path_offplane : array of shape (T,), optional
        How far each snapshot lies off the plane; the largest is given in the title.
    kind : {'contour', '3d', 'both'}

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled by :func:`slice_labels`, never by parameter names: a slice mixes every
        parameter. The origin (the fitted parameters) is marked on the contour panel.
    """
    if hasattr(alphas, "loss") and hasattr(alphas, "directions"):
        if betas is not None or loss is not None or path_coords is not None:
            raise TypeError("give a LossSurface alone, or alphas, betas and loss")
        s = alphas
        alphas, betas, loss = s.alphas, s.betas, s.loss
        path_coords, path_loss, path_offplane = s.path_coords, s.path_loss, s.path_offplane
        direction_kind = getattr(s, "direction_kind", "given")
        center_loss = s.center_loss
    elif betas is None or loss is None:
        raise TypeError("plot_loss_slice needs alphas, betas and loss, or one LossSurface")
    labels = slice_labels(direction_kind)
    if title is None:
        title = "loss on the plane θ* + α·d₁ + β·d₂ (θ*: the fitted parameters)"
        if path_offplane is not None and np.size(path_offplane):
            title += f"\npath projected; up to {np.max(path_offplane):.3g} off the plane"
    fig = plot_loss_surface(alphas, betas, loss, path_coords, path_loss, kind=kind, i=0, j=1,
                            labels=labels, loss_label=loss_label, title=title)
    center = "fitted parameters" + ("" if center_loss is None else f" (loss {center_loss:.3g})")
    for ax in fig.axes:
        if ax.name != "3d" and ax.get_label() != "<colorbar>":
            ax.scatter([0.0], [0.0], marker="P", s=80, color=COLORS["fit"], edgecolor="white",
                       zorder=5, label=center)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)
        elif ax.name == "3d" and center_loss is not None:
            ax.scatter([0.0], [0.0], [center_loss], marker="P", s=80, color=COLORS["fit"],
                       edgecolor="white", depthshade=False, label=center)
            ax.legend(loc="upper left")
    return fig


@styled
def plot_multistart(x_inside, predictions_inside=None, x_outside=None, predictions_outside=None,
                    *, distance=None, canonical_distance=None, X_train=None, y_train=None,
                    x_label="x", y_label="y", max_legend=10, title=None):
    """Many starts, one curve: each start's predictions, and how far apart their parameters are.

    Parameters
    ----------
    x_inside : array of shape (n,) or (n, d), or a :class:`nnfit.diagnose.MultiStart`
        Inputs inside the data; a MultiStart alone gives every array.
    predictions_inside : array of shape (K, n)
        Each start's prediction there.
    x_outside : array of shape (m,) or (m, d), optional
    predictions_outside : array of shape (K, m), optional
        Inputs outside the data, and each start's prediction there.
    distance, canonical_distance : arrays of shape (K, K), optional
        Euclidean distances between the starts' parameter vectors, before and after removing
        the hidden units' symmetries; drawn as two heat maps on one colour scale.
    X_train, y_train : arrays of shape (n_train,), optional
        The training data (one input).

    Returns
    -------
    matplotlib.figure.Figure
        First axes: with one input, one line per start (gid ``start``) over the inside and
        outside inputs, sorted, and the inside range shaded; with several, each start's
        prediction against the starts' mean (points, inside and outside told apart). Then,
        when given, the two distance heat maps (images with gid ``distance`` and
        ``canonical_distance``).
    """
    if hasattr(x_inside, "predictions_inside"):
        if predictions_inside is not None:
            raise TypeError("give a MultiStart alone, or the inputs and predictions")
        ms = x_inside
        x_inside, predictions_inside = ms.X_inside, ms.predictions_inside
        x_outside, predictions_outside = ms.X_outside, ms.predictions_outside
        distance, canonical_distance = ms.distance, ms.canonical_distance
    elif predictions_inside is None:
        raise TypeError("plot_multistart needs x_inside and predictions_inside, or a MultiStart")
    Xi = _inputs("x_inside", x_inside)
    Pi = _predictions("predictions_inside", predictions_inside, len(Xi))
    K = Pi.shape[0]
    Xo = Po = None
    if x_outside is not None and predictions_outside is not None:
        Xo = _inputs("x_outside", x_outside)
        Po = _predictions("predictions_outside", predictions_outside, len(Xo))
        if Xo.shape[1] != Xi.shape[1] or Po.shape[0] != K:
            raise ValueError("the outside inputs and predictions must match the inside ones "
                             f"(inputs {Xi.shape[1]} wide, {K} starts)")
    panels = 1 + (distance is not None) + (canonical_distance is not None)
    fig, axes = new_figure(1, panels, size=(4.6 * panels + 0.6, 3.8), squeeze=False)
    ax = axes[0, 0]
    spread_in = float(Pi.std(axis=0).max())
    if Xi.shape[1] == 1:
        x = Xi[:, 0] if Xo is None else np.r_[Xi[:, 0], Xo[:, 0]]
        P = Pi if Po is None else np.c_[Pi, Po]
        order = np.argsort(x, kind="stable")
        ax.axvspan(Xi[:, 0].min(), Xi[:, 0].max(), color=COLORS["train_range"], alpha=0.3,
                   lw=0, label="inside the data")
        for k in range(K):
            ax.plot(x[order], P[k, order], color=CYCLE[k % len(CYCLE)], lw=1.2, alpha=0.85,
                    gid="start", label=f"start {k + 1}" if K <= max_legend else
                    (f"{K} starts" if k == 0 else None))
        if X_train is not None and y_train is not None:
            ax.scatter(as_1d("X_train", X_train), as_1d("y_train", y_train), s=12,
                       color=COLORS["data"], alpha=0.6, zorder=3, label="training data")
        ax.set(xlabel=x_label, ylabel=y_label)
    else:
        for name, P, marker in (("inside", Pi, "o"), ("outside", Po, "x")):
            if P is None:
                continue
            mean = P.mean(axis=0)
            ax.scatter(np.broadcast_to(mean, P.shape).ravel(), (P - mean).ravel(), s=10,
                       marker=marker, alpha=0.6, label=f"{name} the data")
        ax.axhline(0, color=COLORS["fit"], lw=1)
        ax.set(xlabel=f"mean of the starts' {y_label}", ylabel="start's prediction − mean")
    spread = f"largest std across starts: {spread_in:.3g} inside"
    if Po is not None:
        spread += f", {float(Po.std(axis=0).max()):.3g} outside"
    ax.set_title(f"{K} starts' predictions\n{spread}", fontsize=9.5)
    ax.legend(fontsize=7.5, ncols=2 if K > 5 else 1)
    maps = [(m, gid, t) for m, gid, t in (
        (distance, "distance", "parameter distance between starts"),
        (canonical_distance, "canonical_distance", "after removing unit symmetries"))
        if m is not None]
    if maps:
        arrays = [np.asarray(m, dtype=np.float64) for m, _, _ in maps]
        for a in arrays:
            if a.shape != (K, K):
                raise ValueError(f"distances must have shape ({K}, {K}), got {a.shape}")
        top = max(float(a.max()) for a in arrays) or 1.0
        for col, (a, (_, gid, text)) in enumerate(zip(arrays, maps), start=1):
            dx = axes[0, col]
            im = dx.imshow(a, vmin=0, vmax=top, cmap="viridis", origin="upper")
            im.set_gid(gid)
            dx.set(xlabel="start", ylabel="start", title=text,
                   xticks=range(K), xticklabels=range(1, K + 1), yticks=range(K),
                   yticklabels=range(1, K + 1))
            dx.grid(False)
        fig.colorbar(im, ax=axes[0, 1:].tolist(), label="Euclidean distance", shrink=0.9)
    if title:
        fig.suptitle(title)
    return fig


def _inputs(name, X):
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (n, d), got {X.shape}")
    return X


def _predictions(name, P, n):
    P = np.asarray(P, dtype=np.float64)
    if P.ndim == 3 and P.shape[2] == 1:
        P = P[:, :, 0]
    if P.ndim != 2 or P.shape[1] != n:
        raise ValueError(f"{name} must have shape (n_starts, {n}) (one target), got {P.shape}")
    return P
