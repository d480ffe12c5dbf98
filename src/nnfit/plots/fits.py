"""Data and fit: the fit itself, predicted against true, residuals, the ensemble band,
extrapolation, and decision boundaries of 2-D classifiers.

Every function takes plain arrays and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np

from .style import COLORS, CYCLE, as_1d, new_figure, same_length, styled

__all__ = ["plot_fit", "plot_predicted_vs_true", "plot_residuals", "plot_ensemble_band",
           "plot_extrapolation", "plot_decision_boundary"]


@styled
def plot_fit(x, y, y_hat, *, series=True, x_label="x", y_label="y", title=None):
    """Data and prediction against one input, and the series view (seed 000's plot_regression).

    Parameters
    ----------
    x : array of shape (n,) or (n, 1)
        The input.
    y : array of shape (n,)
        The observed targets.
    y_hat : array of shape (n,)
        The prediction at ``x``.
    series : bool
        Add a second panel with ``y`` and ``y_hat`` against the sample index.
    x_label, y_label, title : str

    Returns
    -------
    matplotlib.figure.Figure
        Legend entries ``data`` and ``prediction`` in each panel.

    Examples
    --------
    >>> x = np.linspace(0, 1, 20); fig = plot_fit(x, 2 * x, 2 * x + 0.1)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['data', 'prediction']
    """
    x, y, y_hat = as_1d("x", x), as_1d("y", y), as_1d("y_hat", y_hat)
    same_length(x=x, y=y, y_hat=y_hat)
    fig, axes = new_figure(1, 2 if series else 1, squeeze=False)
    ax = axes[0, 0]
    order = np.argsort(x, kind="stable")
    ax.scatter(x, y, s=16, color=COLORS["data"], alpha=0.65, label="data")
    ax.plot(x[order], y_hat[order], color=COLORS["fit"], label="prediction")
    ax.set(xlabel=x_label, ylabel=y_label, title="data and fit")
    ax.legend()
    if series:
        ax = axes[0, 1]
        index = np.arange(len(y))
        ax.plot(index, y, color=COLORS["data"], lw=1.2, label="data")
        ax.plot(index, y_hat, color=COLORS["fit"], lw=1.2, label="prediction")
        ax.set(xlabel="sample index", ylabel=y_label, title="series view")
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_predicted_vs_true(y, y_hat, *, std=None, label="y", title=None):
    """Predicted against observed values, with the identity line.

    Parameters
    ----------
    y, y_hat : arrays of shape (n,)
    std : array of shape (n,), optional
        Error bars (e.g. the ensemble's standard deviation).
    label : str
        Name of the target, for the axis labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    y, y_hat = as_1d("y", y), as_1d("y_hat", y_hat)
    same_length(y=y, y_hat=y_hat)
    fig, ax = new_figure(size=(4.4, 4.0))
    if std is not None:
        ax.errorbar(y, y_hat, yerr=as_1d("std", std), fmt="none", ecolor=COLORS["band"],
                    alpha=0.3, lw=0.8, label="± 1 std")
    ax.scatter(y, y_hat, s=16, color=COLORS["data"], alpha=0.7, label="samples")
    lo, hi = np.nanmin(np.r_[y, y_hat]), np.nanmax(np.r_[y, y_hat])
    ax.plot([lo, hi], [lo, hi], color=COLORS["fit"], lw=1, ls="--", label="y = ŷ")
    ax.set(xlabel=f"observed {label}", ylabel=f"predicted {label}", title=title or "predicted vs observed")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend()
    return fig


@styled
def plot_residuals(y, y_hat, x=None, *, x_label="x", title=None):
    """Residuals ``y - y_hat`` against the input (or the prediction), and their histogram.

    Parameters
    ----------
    y, y_hat : arrays of shape (n,)
    x : array of shape (n,), optional
        Plot against this input; default against ``y_hat``.
    x_label : str

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: residual scatter with a zero line, and a histogram.
    """
    y, y_hat = as_1d("y", y), as_1d("y_hat", y_hat)
    same_length(y=y, y_hat=y_hat)
    r = y - y_hat
    against, label = (y_hat, "prediction ŷ") if x is None else (as_1d("x", x), x_label)
    same_length(y=y, x=against)
    fig, (ax, hx) = new_figure(1, 2)
    ax.scatter(against, r, s=14, color=COLORS["data"], alpha=0.7, label="residual")
    ax.axhline(0, color=COLORS["fit"], lw=1, label="zero")
    ax.set(xlabel=label, ylabel="residual y − ŷ", title="residuals")
    ax.legend()
    finite = r[np.isfinite(r)]
    try:
        hx.hist(finite, bins=min(30, max(5, len(r) // 4)), color=COLORS["data"], alpha=0.8)
    except ValueError:  # a diverged fit: huge residuals spanning too few floats for any bin
        hx.text(0.5, 0.5, "residuals too large\nto bin", ha="center", va="center",
                transform=hx.transAxes)
    rmse = float(np.sqrt(np.nanmean(r ** 2)))
    hx.axvline(0, color=COLORS["fit"], lw=1)
    hx.set(xlabel="residual y − ŷ", ylabel="count",
           title=f"distribution (mean {np.nanmean(r):.3g}, RMSE {rmse:.3g})")
    if title:
        fig.suptitle(title)
    return fig


def _training_points(ax, X_train, y_train, size):
    """The training data as points, when both arrays are given."""
    if X_train is not None and y_train is not None:
        ax.scatter(as_1d("X_train", X_train), as_1d("y_train", y_train), s=size,
                   color=COLORS["data"], alpha=0.6, label="training data", zorder=3)


def _std_band(ax, x, order, mean, std, k):
    """A band of ``k`` standard deviations around ``mean``, drawn along sorted ``x``."""
    ax.fill_between(x[order], (mean - k * std)[order], (mean + k * std)[order],
                    color=COLORS["band"], alpha=0.18, lw=0, label=f"mean ± {k:g} std")


@styled
def plot_ensemble_band(x, mean, std, X_train=None, y_train=None, *, members=None, k=2.0,
                       x_label="x", y_label="y", title=None):
    """The members' mean with a band of ``k`` standard deviations, over one input.

    Parameters
    ----------
    x : array of shape (n,)
        Where the ensemble was evaluated (usually a grid).
    mean, std : arrays of shape (n,)
        The members' mean and standard deviation at ``x`` (``fit.predict(X, return_std=True)``).
    X_train, y_train : arrays of shape (m,), optional
        The training data, drawn as points.
    members : array of shape (n_members, n), optional
        Each member's prediction, drawn as thin lines.
    k : float
        Half-width of the band in standard deviations.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x, mean, std = as_1d("x", x), as_1d("mean", mean), as_1d("std", std)
    same_length(x=x, mean=mean, std=std)
    order = np.argsort(x, kind="stable")
    fig, ax = new_figure(size=(6.0, 3.8))
    _training_points(ax, X_train, y_train, size=14)
    if members is not None:
        members = np.asarray(members, dtype=np.float64)
        if members.ndim != 2 or members.shape[1] != len(x):
            raise ValueError(f"members must have shape (n_members, {len(x)}), got {members.shape}")
        for m, row in enumerate(members):
            ax.plot(x[order], row[order], color=CYCLE[m % len(CYCLE)], lw=0.8, alpha=0.6,
                    label=f"members ({len(members)})" if m == 0 else None)
    _std_band(ax, x, order, mean, std, k)
    ax.plot(x[order], mean[order], color=COLORS["fit"], label="ensemble mean")
    ax.set(xlabel=x_label, ylabel=y_label, title=title or "ensemble mean and spread")
    ax.legend()
    return fig


@styled
def plot_extrapolation(x, y_true, mean, std=None, train_range=None, *, X_train=None,
                       y_train=None, k=2.0, x_label="x", y_label="y", title=None):
    """The model beyond its training data: true function, prediction, and the training range.

    Parameters
    ----------
    x : array of shape (n,)
        A grid that reaches past the training data (seed 002: train on [0, 1], look at [0, 10]).
    y_true : array of shape (n,) or None
        The true function on ``x``, where it is known.
    mean : array of shape (n,)
        The prediction on ``x``.
    std : array of shape (n,), optional
        The ensemble's spread; drawn as a band of ``k`` standard deviations.
    train_range : (float, float), optional
        The interval the model was trained on, shaded; default the range of ``X_train``.
    X_train, y_train : arrays of shape (m,), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    x, mean = as_1d("x", x), as_1d("mean", mean)
    same_length(x=x, mean=mean)
    order = np.argsort(x, kind="stable")
    if train_range is None and X_train is not None:
        xt = as_1d("X_train", X_train)
        train_range = (float(np.min(xt)), float(np.max(xt)))
    fig, ax = new_figure(size=(6.0, 3.8))
    if train_range is not None:
        lo, hi = train_range
        ax.axvspan(lo, hi, color=COLORS["train_range"], alpha=0.3, lw=0, label="training range")
    _training_points(ax, X_train, y_train, size=12)
    if y_true is not None:
        y_true = as_1d("y_true", y_true)
        same_length(x=x, y_true=y_true)
        ax.plot(x[order], y_true[order], color=COLORS["true"], ls="--", label="true function")
    if std is not None:
        _std_band(ax, x, order, mean, as_1d("std", std), k)
    ax.plot(x[order], mean[order], color=COLORS["fit"], label="model")
    ax.set(xlabel=x_label, ylabel=y_label, title=title or "extrapolation")
    ax.legend()
    return fig


@styled
def plot_decision_boundary(model, X, y, *, grid=150, padding=0.08, feature_names=("x1", "x2"),
                           class_names=None, title=None):
    """Predicted class regions and boundary of a 2-D classifier, with the data.

    Parameters
    ----------
    model : Fit or callable
        A classifier :class:`~nnfit.Fit` (its ``predict_proba`` is used), or a function mapping
        an array (m, 2) to probabilities (m, n_classes), or to P(class 1) of shape (m,).
    X : array of shape (n, 2)
    y : array of shape (n,)
        Integer class labels.
    grid : int
        Grid points per axis.
    padding : float
        Margin around the data, as a fraction of its range.

    Returns
    -------
    matplotlib.figure.Figure
        Filled regions, the boundary drawn in black, a legend entry per class.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    proba_fn = model.predict_proba if hasattr(model, "predict_proba") else model
    if not callable(proba_fn):
        raise TypeError("model must be a classifier Fit or a function X -> probabilities, "
                        f"got {type(model).__name__}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision boundaries need X of shape (n, 2), got {X.shape}")
    y = np.asarray(y).ravel()
    same_length(X=X, y=y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * np.where(hi > lo, hi - lo, 1.0)
    g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
    g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
    G1, G2 = np.meshgrid(g1, g2)
    P = np.asarray(proba_fn(np.column_stack([G1.ravel(), G2.ravel()])), dtype=np.float64)
    if P.ndim == 1:
        P = np.column_stack([1 - P, P])
    n_classes = max(P.shape[1], int(y.max()) + 1 if y.size else 0)
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(n_classes)]
    colors = [CYCLE[c % len(CYCLE)] for c in range(n_classes)]
    fig, ax = new_figure(size=(5.4, 4.4))
    if P.shape[1] == 2:
        from matplotlib.colors import LinearSegmentedColormap

        p1 = P[:, 1].reshape(G1.shape)
        two = LinearSegmentedColormap.from_list("classes", [colors[0], "#ffffff", colors[1]])
        cf = ax.contourf(G1, G2, p1, levels=np.linspace(0, 1, 11), cmap=two, alpha=0.5)
        fig.colorbar(cf, ax=ax, label=f"P({names[1]})", shrink=0.85)
        ax.contour(G1, G2, p1, levels=[0.5], colors="k", linewidths=1.6)
    else:
        label = P.argmax(axis=1).reshape(G1.shape)
        cmap = ListedColormap(colors[:P.shape[1]])
        ax.contourf(G1, G2, label, levels=np.arange(P.shape[1] + 1) - 0.5, cmap=cmap, alpha=0.25)
        ax.contour(G1, G2, label, levels=np.arange(P.shape[1]) + 0.5, colors="k", linewidths=1.2)
    handles = []
    for c in range(n_classes):
        rows = y == c
        if rows.any():
            ax.scatter(X[rows, 0], X[rows, 1], s=16, color=colors[c], edgecolor="white",
                       linewidth=0.4)
            handles.append(Line2D([], [], marker="o", ls="", color=colors[c], label=names[c]))
    handles.append(Line2D([], [], color="k", lw=1.6, label="decision boundary"))
    ax.legend(handles=handles, loc="best", frameon=True, framealpha=0.8)
    ax.set(xlabel=feature_names[0], ylabel=feature_names[1], title=title or "decision boundary",
           xlim=(g1[0], g1[-1]), ylim=(g2[0], g2[-1]))
    return fig
