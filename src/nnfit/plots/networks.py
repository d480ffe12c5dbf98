"""Inside the network: the diagram of layers and weights, each hidden unit's contribution to the
output (seed 004's plot_layers), and the activations of every layer."""

from __future__ import annotations

import numpy as np

from .style import COLORS, CYCLE, as_1d, new_figure, styled

__all__ = ["plot_network", "plot_unit_contributions", "plot_layer_activations"]

_MANY = 50  # above this many curves, draw one LineCollection instead of separate lines
_MOST = 500  # above this many, draw the largest only: 8192 curves take seconds and show a blur


def _shown_units(n, max_units):
    """Indices of the units drawn (first and last ones when there are too many) and a gap flag."""
    if n <= max_units:
        return np.arange(n), False
    head = max_units // 2
    tail = max_units - head - 1
    return np.r_[np.arange(head), np.arange(n - tail, n)], True


def _positions(shown, gapped):
    """Vertical positions, first unit on top, centred on 0; one empty slot marks the gap."""
    slots = np.arange(len(shown), dtype=float)
    if gapped:
        head = int(np.argmax(np.diff(shown) > 1)) + 1
        slots[head:] += 1
    return slots.max() / 2 - slots if slots.size else slots


@styled
def plot_network(layer_sizes, activations=None, params=None, *, max_units=12, layer_names=None,
                 input_names=None, title=None):
    """A diagram of the network: layers, units and activations; weights by width and colour.

    Parameters
    ----------
    layer_sizes : sequence of int
        From input to output, e.g. ``(1, 5, 5, 1)`` (``fit.network.layer_sizes``).
    activations : sequence of str, optional
        One per dense layer, the output's last (``fit.network.activations``).
    params : list of (W, b), optional
        One member's parameters, ``W`` of shape (n_in, n_out) (``fit.member_params(0)``). Each
        edge's width grows with ``|w|`` (relative to the largest weight) and its colour gives
        the sign: ``COLORS['positive']`` / ``COLORS['negative']``.
    max_units : int
        Wider layers show their first and last units (``max_units - 1`` in all) around a gap
        labelled with the count of the others.
    layer_names : sequence of str, optional
    input_names : sequence of str, optional
        Feature names, written beside the input units that are drawn.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold one LineCollection labelled ``weights``: per layer, for each drawn input
        unit ``i``, for each drawn output unit ``j``, the segment of ``W[i, j]``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes must list at least an input and an output size >= 1, got {layer_sizes!r}")
    n_dense = len(sizes) - 1
    acts = list(activations) if activations is not None else [None] * n_dense
    if len(acts) != n_dense:
        raise ValueError(f"activations has {len(acts)} entries for {n_dense} dense layers")
    if params is not None:
        if len(params) != n_dense:
            raise ValueError(f"params has {len(params)} layers for layer_sizes {tuple(sizes)}")
        for k, (W, b) in enumerate(params):
            if np.shape(W) != (sizes[k], sizes[k + 1]):
                raise ValueError(f"layer {k} weights have shape {np.shape(W)}, expected "
                                 f"({sizes[k]}, {sizes[k + 1]}); give one member's params, e.g. "
                                 "fit.member_params(0)")
    shown = [_shown_units(n, max_units) for n in sizes]
    ys = [_positions(idx, gap) for idx, gap in shown]
    tallest = max(len(y) + (1 if g else 0) for y, (_, g) in zip(ys, shown))
    fig, ax = new_figure(size=(max(4.5, 1.9 * len(sizes) + 1.0), max(3.0, 0.42 * tallest + 1.6)))
    wmax = 1.0
    if params is not None:
        wmax = max(float(np.max(np.abs(W))) for W, _ in params) or 1.0
    segments, colors, widths = [], [], []
    for k in range(n_dense):
        (src, _), (dst, _) = shown[k], shown[k + 1]
        W = None if params is None else np.asarray(params[k][0], dtype=np.float64)
        for a, i in enumerate(src):
            for c, j in enumerate(dst):
                segments.append([(k, ys[k][a]), (k + 1, ys[k + 1][c])])
                if W is None:
                    colors.append("#999999")
                    widths.append(0.6)
                else:
                    w = W[i, j]
                    colors.append(COLORS["positive"] if w >= 0 else COLORS["negative"])
                    widths.append(0.3 + 3.5 * abs(w) / wmax)
    edges = LineCollection(segments, colors=colors, linewidths=widths, alpha=0.75, zorder=1,
                           label="weights")
    ax.add_collection(edges)
    low = min(y.min() for y in ys)
    for k, (y, (idx, gap)) in enumerate(zip(ys, shown)):
        face = "#dddddd" if k == 0 else ("#fbd2b5" if k == n_dense else "#cfe0f3")
        ax.scatter(np.full(len(y), k), y, s=260, color=face, edgecolor="#333333", linewidth=0.9,
                   zorder=3)
        if k == 0 and input_names is not None:
            for u, yu in zip(idx, y):
                ax.text(-0.12, yu, str(input_names[u]), ha="right", va="center", fontsize=8.5)
        if gap:
            head = int(np.argmax(np.diff(idx) > 1)) + 1
            ax.text(k, (y[head - 1] + y[head]) / 2, f"⋮ {sizes[k] - len(idx)} more", ha="center",
                    va="center", fontsize=7.5, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
        if layer_names is not None:
            name = layer_names[k]
        elif k == 0:
            name = "input"
        elif k == n_dense:
            name = "output"
        else:
            name = f"hidden {k}"
        unit = "unit" if sizes[k] == 1 else "units"
        detail = f"{sizes[k]:,} {unit}" + ("" if k == 0 or acts[k - 1] is None else f"\n{acts[k - 1]}")
        ax.text(k, low - 0.9, f"{name}\n{detail}", ha="center", va="top", fontsize=8.5)
    n_weights = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if params is not None:
        ax.legend(handles=[Line2D([], [], color=COLORS["positive"], lw=2.5, label="positive weight"),
                           Line2D([], [], color=COLORS["negative"], lw=2.5, label="negative weight")],
                  loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=2)
    ax.set_xlim(-0.5 if input_names is None else -0.8, n_dense + 0.5)
    ax.set_ylim(low - 2.1, -low + 0.6)
    ax.set_axis_off()
    ax.set_title(title or "network " + "-".join(map(str, sizes)) + f" ({n_weights:,} parameters)")
    return fig


def _draw_curves(ax, x, Y, labels, *, gid, lw=1.2, alpha=1.0):
    """One line per column of ``Y`` (n, k); a single LineCollection when there are many.

    Returns a description of what was drawn, e.g. ``"8,192 units"`` or, above ``_MOST``
    columns, ``"500 of 8,192 units (largest)"``: those with the largest peak ``|value|``.
    """
    from matplotlib.collections import LineCollection

    k = Y.shape[1]
    if k > _MANY:
        drawn = np.arange(k)
        what = f"{k:,} units"
        if k > _MOST:
            drawn = np.sort(np.argsort(-np.max(np.abs(Y), axis=0), kind="stable")[:_MOST])
            what = f"{_MOST} of {k:,} units (largest)"
        segs = np.stack([np.broadcast_to(x, (len(drawn), x.size)), Y[:, drawn].T], axis=-1)
        coll = LineCollection(segs, colors=[CYCLE[u % len(CYCLE)] for u in drawn],
                              linewidths=0.5, alpha=min(alpha, 0.5), label=what)
        coll.set_gid(gid)
        ax.add_collection(coll)
        ax.autoscale_view()
        return what
    for u in range(Y.shape[1]):
        ax.plot(x, Y[:, u], color=CYCLE[u % len(CYCLE)], lw=lw, alpha=alpha,
                label=labels[u] if labels is not None else None, gid=gid)
    return f"{k:,} unit{'s' if k != 1 else ''}"


def _contributions_of(x_grid, contributions, bias, prediction):
    """The grid, contributions as (n_units, n_grid), bias and prediction, from the arrays or from
    a :class:`nnfit.diagnose.UnitContributions`."""
    if hasattr(x_grid, "contributions") and hasattr(x_grid, "bias"):
        if contributions is not None or bias is not None or prediction is not None:
            raise TypeError("give a UnitContributions alone, or x_grid, contributions and bias")
        u = x_grid
        x_grid, contributions, bias, prediction = u.x, u.contributions, u.bias, u.prediction
    elif contributions is None or bias is None:
        raise TypeError("plot_unit_contributions needs x_grid, contributions and bias, or one "
                        "nnfit.diagnose.UnitContributions")
    x = as_1d("x_grid", x_grid)
    C = np.asarray(contributions, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64)
    if C.ndim == 3:  # (n_grid, n_units, n_outputs) of a fit with 2-D targets
        if C.shape[2] != 1:
            raise ValueError(f"contributions have {C.shape[2]} outputs; draw one at a time, "
                             "e.g. contributions[:, :, k], bias[k] and prediction[:, k]")
        C = C[:, :, 0]
    if b.size != 1:
        raise ValueError(f"bias must be one number (the output bias), got shape {b.shape}")
    if C.ndim != 2 or x.size not in C.shape:
        raise ValueError(f"contributions must have shape ({x.size}, n_units) as "
                         f"nnfit.diagnose.unit_contributions returns them (or (n_units, "
                         f"{x.size})), got {C.shape}")
    if prediction is not None:
        prediction = as_1d("prediction", prediction)
    units_first = C.shape[0] != x.size
    if C.shape[0] == C.shape[1] == x.size and prediction is not None:
        # square: the orientation whose sum is the prediction (diagnose's when both are)
        gap = lambda S: np.max(np.abs(S + float(b.reshape(())) - prediction))  # noqa: E731
        units_first = gap(C.sum(axis=0)) < gap(C.sum(axis=1))
    return x, (C if units_first else C.T), float(b.reshape(())), prediction


@styled
def plot_unit_contributions(x_grid, contributions=None, bias=None, prediction=None, *,
                            X_train=None, y_train=None, max_legend=10, x_label="x", y_label="y",
                            title=None):
    """Each last-hidden-layer unit's contribution to the output, and their sum (seed 004).

    ``contribution_j(x) = h_j(x) * w_j``, with ``h_j`` the unit's activation and ``w_j`` its
    output weight; the contributions plus the output bias add up to the prediction exactly.

    Parameters
    ----------
    x_grid : array of shape (n_grid,), or a :class:`nnfit.diagnose.UnitContributions`
        The grid; or what :func:`nnfit.diagnose.unit_contributions` returns, alone, which
        gives the grid, contributions, bias and prediction.
    contributions : array of shape (n_grid, n_units)
        As ``UnitContributions.contributions`` (grid first; ``(n_grid, n_units, 1)`` is
        accepted too). The transpose, ``(n_units, n_grid)``, is read as well; a square array
        is read grid first unless only its transpose adds up to ``prediction``.
    bias : float
        The output bias.
    prediction : array of shape (n_grid,), optional
        The network's output on the grid; checked against the contributions' sum plus ``bias``.
        Default: that sum.
    X_train, y_train : arrays of shape (m,), optional
        The training data, drawn with the prediction.
    max_legend : int
        Name each unit in the legend when there are at most this many.

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: the units (lines with gid ``unit``, or one LineCollection when there are more
        than 50; above 500 units, the 500 with the largest peak contribution, as the legend
        says) and the bias (gid ``bias``); right axes: the prediction (gid ``prediction``),
        always the sum over every unit.

    Raises
    ------
    ValueError
        When ``prediction`` is not the sum of the contributions and the bias.

    Examples
    --------
    >>> u = nnfit.diagnose.unit_contributions(fit, np.linspace(0, 1, 101))   # doctest: +SKIP
    >>> fig = nnfit.plots.plot_unit_contributions(u)                          # doctest: +SKIP
    """
    x, C, bias, prediction = _contributions_of(x_grid, contributions, bias, prediction)
    total = C.sum(axis=0) + bias
    if prediction is None:
        prediction = total
    else:
        scale = np.abs(C).sum(axis=0) + abs(bias) + np.abs(prediction)
        if np.any(np.abs(prediction - total) > 1e-4 * scale + 1e-6):
            worst = float(np.max(np.abs(prediction - total)))
            raise ValueError(f"prediction differs from contributions.sum(0) + bias by up to "
                             f"{worst:.3g}: the contributions must be h_j(x) * w_j of the last "
                             "hidden layer, with the output bias, for a linear output")
    order = np.argsort(x, kind="stable")
    x, C, prediction = x[order], C[:, order], prediction[order]
    fig, (ax, px) = new_figure(1, 2, size=(10.0, 3.9))
    n_units = C.shape[0]
    labels = [f"unit {u + 1}" for u in range(n_units)] if n_units <= max_legend else None
    what = _draw_curves(ax, x, C.T, labels, gid="unit", alpha=0.9 if n_units <= max_legend else 0.6)
    ax.axhline(bias, color=COLORS["fit"], ls="--", lw=1.2, label=f"output bias {bias:.3g}",
               gid="bias")
    if labels is None:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=CYCLE[0], lw=1, label=f"{what} (h_j·w_j)"),
                   Line2D([], [], color=COLORS["fit"], ls="--", label=f"output bias {bias:.3g}")]
        ax.legend(handles=handles)
    else:
        ax.legend(ncols=2 if n_units > 5 else 1)
    ax.set(xlabel=x_label, ylabel="contribution to output",
           title="hidden-unit contributions h_j(x)·w_j")
    if X_train is not None and y_train is not None:
        px.scatter(as_1d("X_train", X_train), as_1d("y_train", y_train), s=12,
                   color=COLORS["data"], alpha=0.6, label="training data")
    px.plot(x, prediction, color=COLORS["fit"], label="prediction = Σ contributions + bias",
            gid="prediction")
    px.set(xlabel=x_label, ylabel=y_label, title="network output")
    px.legend()
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_layer_activations(x_grid, activations, *, layer_names=None, facet="layers", layer=0,
                           max_units=32, max_legend=8, x_label="x", title=None):
    """The output of every unit of every layer over a 1-D input grid.

    Parameters
    ----------
    x_grid : array of shape (n_grid,)
    activations : list of arrays of shape (n_grid, width)
        One per layer (e.g. the hidden layers of ``fit.layer_outputs(grid)``).
    layer_names : list of str, optional
        Default ``hidden 1``, ``hidden 2``, ...
    facet : {'layers', 'units'}
        One panel per layer with its units (the 500 largest when wider), or one panel per unit
        of layer ``layer``
        (seed 004's facetted view).
    layer : int
        The layer shown with ``facet='units'``.
    max_units : int
        With ``facet='units'``, the first this many units get a panel.
    max_legend : int
        Name units in the legend up to this width.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per layer (or per unit) that is shown.
    """
    x = as_1d("x_grid", x_grid)
    acts = [np.asarray(a, dtype=np.float64) for a in activations]
    for k, a in enumerate(acts):
        if a.ndim == 1:
            acts[k] = a = a[:, None]
        if a.ndim != 2 or a.shape[0] != x.size:
            raise ValueError(f"activations[{k}] must have shape ({x.size}, width), got {a.shape}")
    if not acts:
        raise ValueError("activations is empty: the network has no hidden layers to show")
    names = list(layer_names) if layer_names is not None else [f"hidden {k + 1}" for k in range(len(acts))]
    order = np.argsort(x, kind="stable")
    x = x[order]
    acts = [a[order] for a in acts]
    if facet == "units":
        A = acts[layer]
        n = min(A.shape[1], max_units)
        ncols = min(8, n)
        nrows = -(-n // ncols)
        fig, axes = new_figure(nrows, ncols, size=(1.9 * ncols + 0.4, 1.6 * nrows + 0.6),
                               squeeze=False, sharex=True)
        for u, ax in enumerate(axes.ravel()):
            if u >= n:
                ax.set_visible(False)
                continue
            ax.plot(x, A[:, u], color=CYCLE[u % len(CYCLE)], lw=1.2)
            ax.set_title(f"unit {u + 1}", fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in axes[-1, :]:
            ax.set_xlabel(x_label, fontsize=8)
        more = "" if A.shape[1] <= n else f" (first {n} of {A.shape[1]:,})"
        fig.suptitle(title or f"{names[layer]}: activation of each unit{more}")
        return fig
    if facet != "layers":
        raise ValueError(f"facet must be 'layers' or 'units', got {facet!r}")
    ncols = min(3, len(acts))
    nrows = -(-len(acts) // ncols)
    fig, axes = new_figure(nrows, ncols, squeeze=False)
    for k, (ax, A) in enumerate(zip(axes.ravel(), acts)):
        labels = [f"unit {u + 1}" for u in range(A.shape[1])] if A.shape[1] <= max_legend else None
        what = _draw_curves(ax, x, A, labels, gid="activation")
        ax.set(xlabel=x_label, ylabel="activation", title=f"{names[k]} ({what})")
        if labels is not None:
            ax.legend(ncols=2 if A.shape[1] > 4 else 1)
    for ax in axes.ravel()[len(acts):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig
