"""Figures straight from a :class:`~nnfit.Fit`: thin wrappers that compute the arrays the
plain-data functions take (predictions, members, layer outputs, unit contributions)."""

from __future__ import annotations

import numpy as np

from . import curves, fits, networks

__all__ = ["FitPlots", "unit_contributions"]


def unit_contributions(fit, x_grid, member=0, *, feature=0, at=None):
    """Each last-hidden-layer unit's contribution ``h_j(x) * w_j`` to a regression's output.

    The units-first view of :func:`nnfit.diagnose.unit_contributions`;
    :func:`plot_unit_contributions` takes either.

    Parameters
    ----------
    fit : Fit
        A regression with one output, a linear output and at least one hidden layer.
    x_grid : array of shape (n_grid,) or (n_grid, 1)
        Values of input ``feature``.
    member : int
    feature : int
        The input the grid runs along.
    at : array of shape (n_inputs,), optional
        With several inputs (and then required), the values the others are held at.

    Returns
    -------
    contributions : ndarray of shape (n_units, n_grid)
    bias : float
        The output bias; ``contributions.sum(0) + bias`` equals ``prediction``.
    prediction : ndarray of shape (n_grid,)
        The member's output on the grid.
    """
    from ..diagnose import unit_contributions as contributions_of

    net = fit.network
    if fit.task != "regression" or net.n_outputs != 1 or net.spec.output != "linear":
        raise ValueError("unit contributions need a regression with one linear output")
    if not net.spec.hidden:
        raise ValueError("the network has no hidden layer: its output is one linear map")
    u = contributions_of(fit, np.asarray(x_grid, dtype=np.float64).reshape(-1), member=member,
                         feature=feature, at=at)
    C = np.asarray(u.contributions)
    C = C.reshape(C.shape[:2])
    return C.T, float(np.asarray(u.bias).reshape(-1)[0]), np.asarray(u.prediction).reshape(-1)


def _with_note(fig, note):
    """Say on the figure where the other inputs were held (a line under any title)."""
    if note:
        shown = fig.get_suptitle()
        fig.suptitle(f"{shown}\n{note}" if shown else note, fontsize=9)
    return fig


class FitPlots:
    """The standard figures of one fit, given its data once.

    Parameters
    ----------
    fit : Fit
    X : array of shape (n, n_features), optional
        Data to show (usually the training data); needed for :meth:`data` and :meth:`residuals`,
        and sets the range of the 1-D grids.
    y : array of shape (n,), optional

    Notes
    -----
    The curves of a fit with several inputs (:meth:`band`, :meth:`units`) run along one input,
    ``feature`` (an index or a name; the first by default), with every other input held at
    its median over ``X``, or, without ``X``, at its training mean
    (``fit.input_stats['mean']``, else the normaliser's mean). The figure says which values
    were used, in its title.

    Examples
    --------
    >>> figs = FitPlots(fit, X, y)                           # doctest: +SKIP
    >>> figs.data(); figs.learning_curves(); figs.units()    # doctest: +SKIP
    """

    def __init__(self, fit, X=None, y=None):
        if getattr(fit, "table", None) is not None:  # raw rows in; the network's numbers drawn
            X = None if X is None else fit.inputs(X, warn=False)
            fit = fit.encoded()
        self.fit = fit
        self.X = None if X is None else np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        self.y = None if y is None else np.asarray(y)
        if self.X is not None and self.X.shape[1] != fit.network.n_inputs:
            raise ValueError(f"X has {self.X.shape[1]} features; the fit has {fit.network.n_inputs}")
        self._names = fit.feature_names or tuple(f"x{i + 1}" for i in range(fit.network.n_inputs))

    # ---------------------------------------------------------------------------- helpers
    def _need_data(self, what):
        if self.X is None or self.y is None:
            raise ValueError(f"{what} needs the data: FitPlots(fit, X, y)")

    def _regression(self, what):
        if self.fit.task != "regression":
            raise ValueError(f"{what} is for regressions; this fit is a classifier")

    def _feature(self, feature):
        """The index of ``feature`` (an index or a name)."""
        d = self.fit.network.n_inputs
        if isinstance(feature, str):
            if feature not in self._names:
                raise ValueError(f"feature {feature!r} is not one of the inputs "
                                 f"{', '.join(self._names)}")
            return self._names.index(feature)
        if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)) \
                or not -d <= feature < d:
            raise ValueError(f"feature must be an input's name or index (0 to {d - 1}), "
                             f"got {feature!r}")
        return int(feature) % d

    def _stats(self):
        """The training inputs' mean, min and max when the fit recorded them, else None."""
        stats = getattr(self.fit, "input_stats", None) or {}
        if "mean" in stats:
            return stats
        net = self.fit.network
        if net.mean is not None:
            sd = np.sqrt(np.asarray(net.var, dtype=np.float64))
            return {"mean": np.asarray(net.mean, dtype=np.float64),
                    "min": net.mean - 2 * sd, "max": net.mean + 2 * sd}
        return None

    def held_values(self, feature=0):
        """Where the other inputs are held when curves run along ``feature``.

        Returns
        -------
        at : ndarray of shape (n_inputs,)
            The medians of ``X`` (or, without ``X``, the training means); entry ``feature``
            is NaN.
        note : str
            What the figure says, e.g. ``"other inputs at their median: x2 = 0.5"``; empty
            for a fit of one input.
        """
        f = self._feature(feature)
        d = self.fit.network.n_inputs
        if self.X is not None:
            at, what = np.median(self.X, axis=0), "median"
        elif (stats := self._stats()) is not None:
            at, what = np.array(stats["mean"], dtype=np.float64), "training mean"
        elif d == 1:
            at, what = np.zeros(1), ""
        else:
            raise ValueError("give X (FitPlots(fit, X, y)): the fit records no training "
                             "statistics to hold the other inputs at")
        at = np.asarray(at, dtype=np.float64).copy()
        at[f] = np.nan
        others = [f"{self._names[j]} = {at[j]:.4g}" for j in range(d) if j != f]
        if len(others) > 8:
            others = others[:8] + [f"… ({len(others) - 8} more)"]
        return at, (f"other inputs at their {what}: " + ", ".join(others)) if others else ""

    def grid(self, n=200, pad=0.0, feature=0):
        """A 1-D grid over the data's range of ``feature`` (widened by ``pad`` of it), (n,)."""
        f = self._feature(feature)
        if self.X is not None:
            lo, hi = float(self.X[:, f].min()), float(self.X[:, f].max())
        elif (stats := self._stats()) is not None and "min" in stats:
            lo, hi = float(stats["min"][f]), float(stats["max"][f])
        else:
            raise ValueError("give X (FitPlots(fit, X, y)) or x_grid: the fit does not know its data range")
        width = (hi - lo) or 1.0
        return np.linspace(lo - pad * width, hi + pad * width, n)

    def _slice(self, x_grid, feature, pad):
        """Feature index, grid (n,), inputs (n, n_inputs), held values and the figure's note."""
        f = self._feature(feature)
        x = (self.grid(pad=pad, feature=f) if x_grid is None
             else np.asarray(x_grid, dtype=np.float64).ravel())
        at, note = self.held_values(f)
        X = np.repeat(np.nan_to_num(at)[None, :], x.size, axis=0)
        X[:, f] = x
        return f, x, X, at, note

    # ---------------------------------------------------------------------------- figures
    def data(self):
        """Data and fit (one input), predicted vs observed (several), or decision boundary."""
        self._need_data("data()")
        fit, X, y = self.fit, self.X, self.y
        if fit.task == "classification":
            return fits.plot_decision_boundary(fit, X, y, feature_names=self._names)
        mean, std = fit.predict(X, return_std=True)
        if mean.ndim > 1:
            raise ValueError("data() draws one target; this fit has several outputs")
        if X.shape[1] == 1:
            return fits.plot_fit(X[:, 0], y, mean, x_label=self._names[0])
        return fits.plot_predicted_vs_true(y, mean, std=std if fit.n_members > 1 else None)

    def learning_curves(self, metrics=None):
        """Loss and metrics per epoch; every member and their mean for an ensemble."""
        fit = self.fit
        history = fit.histories if fit.n_members > 1 else fit.history
        best = None
        restored = fit.config.get("restore_best_weights")
        restored = fit.config.get("early_stopping") if restored is None else restored
        if restored and fit.n_members == 1 and fit.best_epoch is not None:
            best = int(np.asarray(fit.best_epoch).reshape(-1)[0])
        return curves.plot_learning_curves(history, metrics, best_epoch=best)

    def residuals(self):
        """Residuals against the input (one input) or the prediction."""
        self._need_data("residuals()")
        self._regression("residuals()")
        pred = self.fit.predict(self.X)
        x = self.X[:, 0] if self.X.shape[1] == 1 else None
        return fits.plot_residuals(self.y, pred, x, x_label=self._names[0])

    def band(self, x_grid=None, k=2.0, *, feature=0):
        """The ensemble's mean and spread over a 1-D grid, each member drawn thin.

        With several inputs the grid runs along ``feature`` (name or index), the others held
        at their medians (see the class notes); the data are drawn against that input.
        """
        self._regression("band()")
        f, x, X, _, note = self._slice(x_grid, feature, pad=0.05)
        members = self.fit.predict_members(X)
        if members.ndim > 2:
            raise ValueError("band() draws one target; this fit has several outputs")
        return _with_note(fits.plot_ensemble_band(
            x, members.mean(0), members.std(0), None if self.X is None else self.X[:, f], self.y,
            members=members, k=k, x_label=self._names[f]), note)

    def extrapolation(self, x_grid, y_true=None, *, feature=0):
        """The prediction on ``x_grid`` with the data's range shaded (and the truth, if known).

        With several inputs the grid runs along ``feature``, the others held at their medians.
        """
        self._regression("extrapolation()")
        f, x, X, _, note = self._slice(x_grid, feature, pad=0.0)
        mean, std = self.fit.predict(X, return_std=True)
        return _with_note(fits.plot_extrapolation(
            x, y_true, mean, std if self.fit.n_members > 1 else None,
            X_train=None if self.X is None else self.X[:, f], y_train=self.y,
            x_label=self._names[f]), note)

    def units(self, x_grid=None, member=0, *, feature=0):
        """Each hidden unit's contribution to the output, and their sum.

        With several inputs the grid runs along ``feature`` (name or index), the others held
        at their medians (see the class notes).
        """
        f, x, _, at, note = self._slice(x_grid, feature, pad=0.0)
        C, bias, pred = unit_contributions(self.fit, x, member, feature=f,
                                           at=None if self.fit.network.n_inputs == 1 else at)
        return _with_note(networks.plot_unit_contributions(
            x, C, bias, pred, X_train=None if self.X is None else self.X[:, f], y_train=self.y,
            x_label=self._names[f]), note)

    def activations(self, x_grid=None, member=0, *, feature=0, **kwargs):
        """The hidden layers' activations over a 1-D grid (``facet='units'`` for small multiples).

        With several inputs the grid runs along ``feature``, the others held at their medians.
        """
        f, x, X, _, note = self._slice(x_grid, feature, pad=0.0)
        outs = self.fit.layer_outputs(X, member=member)[1:-1]
        if not outs:
            raise ValueError("the network has no hidden layer")
        acts = self.fit.network.spec.activation
        names = [f"hidden {k + 1} ({a})" for k, a in enumerate(acts)]
        return _with_note(networks.plot_layer_activations(x, outs, layer_names=names,
                                                          x_label=self._names[f], **kwargs), note)

    def network(self, member=0, **kwargs):
        """The network diagram, weights of ``member`` by width and sign."""
        net = self.fit.network
        kwargs.setdefault("input_names", self._names)
        return networks.plot_network(net.layer_sizes, net.activations,
                                     self.fit.member_params(member), **kwargs)

    def decision_boundary(self):
        """Class regions of a classifier with two inputs."""
        self._need_data("decision_boundary()")
        return fits.plot_decision_boundary(self.fit, self.X, self.y, feature_names=self._names)
