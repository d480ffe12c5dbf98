"""Curves over training and spectra: learning curves (loss and metrics, train and validation)
and the Hessian's eigenvalues at the optimum."""

from __future__ import annotations

import numpy as np

from .style import COLORS, log_scale_if_wide, new_figure, styled

__all__ = ["plot_learning_curves", "plot_hessian_spectrum"]

_NOT_METRICS = {"epoch", "member", "loss", "penalty", "step", "iteration"}


def _as_history(history):
    import pandas as pd

    if isinstance(history, pd.DataFrame):
        frame = history.copy()
    else:
        values = np.asarray(history, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"history must be a DataFrame or a 1-D array of losses, got shape {values.shape}")
        frame = pd.DataFrame({"loss": values})
        frame.insert(0, "epoch", np.arange(len(frame)))  # a path's losses: 0 is the start
    if "epoch" not in frame.columns:
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    if "loss" not in frame.columns:
        raise ValueError(f"history needs a 'loss' column, has {list(frame.columns)}")
    return frame


@styled
def plot_learning_curves(history, metrics=None, *, best_epoch=None, log=None, loss_label="loss",
                         x_label="epoch", title=None):
    """Loss and metrics per epoch, training against validation (seed 000's two plots).

    Parameters
    ----------
    history : pandas.DataFrame or array of shape (n_epochs,)
        ``fit.history`` (one row per epoch: ``epoch``, ``loss``, ``val_loss``, metrics and
        ``val_`` metrics), ``fit.histories`` (with a ``member`` column: every member is drawn
        thin and their mean bold), or a plain array of losses (seed 001's SSE curve, counted
        from 0).
    metrics : list of str, optional
        Metric columns to plot, one panel each, with their ``val_`` twins; default every
        metric in the history. ``[]`` draws the loss alone.
    best_epoch : int, optional
        Marked with a dotted vertical line (the epoch whose weights were kept).
    log : bool, optional
        Logarithmic y axes; default when a curve spans more than two decades.
    loss_label, x_label, title : str

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel (loss first), legend entries ``train`` and ``validation``.

    Examples
    --------
    >>> fig = plot_learning_curves(np.exp(-np.arange(50) / 10), loss_label="SSE")
    >>> fig.axes[0].get_ylabel()
    'SSE'
    """
    frame = _as_history(history)
    if metrics is None:
        metrics = [c for c in frame.columns
                   if c not in _NOT_METRICS and not c.startswith("val_")]
    else:
        missing = [m for m in metrics if m not in frame.columns]
        if missing:
            raise ValueError(f"metrics {missing} are not in the history; it has {list(frame.columns)}")
    panels = ["loss", *metrics]
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = new_figure(nrows, ncols, squeeze=False)
    by_member = None
    if "member" in frame.columns and frame["member"].nunique() > 1:
        by_member = frame.groupby("member")
        mean = frame.drop(columns="member").groupby("epoch", as_index=False).mean()
    else:
        mean = frame.drop(columns="member", errors="ignore")
    n_members = frame["member"].nunique() if by_member is not None else 1
    for ax, name in zip(axes.ravel(), panels):
        plotted = []
        for col, colour, label in ((name, COLORS["train"], "train"),
                                   (f"val_{name}", COLORS["val"], "validation")):
            if col not in mean.columns or mean[col].isna().all():
                continue
            if by_member is not None:
                for _, member in by_member:
                    ax.plot(member["epoch"], member[col], color=colour, lw=0.7, alpha=0.35)
                label = f"{label} (mean of {n_members})"
            ax.plot(mean["epoch"], mean[col], color=colour, label=label)
            plotted.append(mean[col].to_numpy())
        if name == "loss" and "penalty" in mean.columns and np.nanmax(np.abs(mean["penalty"])) > 0:
            ax.plot(mean["epoch"], mean["penalty"], color=COLORS["fit"], ls=":", lw=1.2,
                    label="penalty")
        if best_epoch is not None:
            ax.axvline(best_epoch, color=COLORS["fit"], ls=":", lw=1, label=f"best epoch {best_epoch}")
        if log or (log is None and plotted):
            if log:
                ax.set_yscale("log")
            else:
                log_scale_if_wide(ax, np.concatenate(plotted))
        ylabel = loss_label if name == "loss" else name
        ax.set(xlabel=x_label, ylabel=ylabel, title=ylabel)
        ax.legend()
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


@styled
def plot_hessian_spectrum(eigenvalues, *, rtol=1e-6, title=None):
    """The Hessian's eigenvalues by magnitude, flagging negative and near-zero ones.

    Near-zero eigenvalues (``|λ| <= rtol * max|λ|``) are directions in which the loss does not
    change: redundant parameters (seed 002's singular Hessian). Negative ones mean the point is
    not a minimum.

    Parameters
    ----------
    eigenvalues : array of shape (n_params,)
    rtol : float
        Relative threshold for "near zero".

    Returns
    -------
    matplotlib.figure.Figure
        ``|λ|`` on a log axis, sorted descending; legend entries ``positive``, ``negative``,
        ``near zero`` for the kinds present.
    """
    lam = np.asarray(eigenvalues)
    if np.iscomplexobj(lam):
        lam = lam.real
    lam = np.asarray(lam, dtype=np.float64).ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues is empty")
    order = np.argsort(-np.abs(lam), kind="stable")
    lam = lam[order]
    mag = np.abs(lam)
    top = mag.max() if mag.max() > 0 else 1.0
    zero = mag <= rtol * top
    floor = top * 1e-16
    fig, ax = new_figure(size=(6.0, 3.6))
    index = np.arange(1, lam.size + 1)
    kinds = [("positive", (lam > 0) & ~zero, COLORS["positive"], "o"),
             ("negative", (lam < 0) & ~zero, COLORS["negative"], "s"),
             ("near zero", zero, COLORS["train_range"], "x")]
    ax.vlines(index, floor, np.maximum(mag, floor), color="#999999", lw=0.6)
    for label, rows, colour, marker in kinds:
        if rows.any():
            ax.scatter(index[rows], np.maximum(mag[rows], floor), color=colour, marker=marker,
                       s=24, zorder=3, label=f"{label} ({int(rows.sum())})")
    ax.axhline(rtol * top, color=COLORS["fit"], ls=":", lw=1, label=f"threshold {rtol:g}·max")
    ax.set_yscale("log")
    ax.set(xlabel="eigenvalue index (by magnitude)", ylabel="|eigenvalue|",
           title=title or f"Hessian spectrum ({_condition(mag, zero)})")
    ax.legend()
    return fig


def _condition(mag, zero):
    kept = mag[~zero]
    if kept.size == 0:
        return "undefined"
    if zero.any():
        return f"singular, {int(zero.sum())} near-zero"
    return f"condition number {kept.max() / kept.min():.3g}"
