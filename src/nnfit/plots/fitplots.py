"""Figures straight from a :class:`~nnfit.Fit`: thin wrappers that compute the arrays the
plain-data functions take (predictions, members, layer outputs, unit contributions)."""

from __future__ import annotations

import numpy as np

from . import curves, fits, networks

__all__ = ["FitPlots", "unit_contributions"]


def unit_contributions(fit, x_grid, member=0):
    """Each last-hidden-layer unit's contribution ``h_j(x) * w_j`` to a one-input regression.

    The figure-ready view of :func:`nnfit.diagnose.unit_contributions` (units first).

    Parameters
    ----------
    fit : Fit
        A regression with one input, one output, a linear output and at least one hidden layer.
    x_grid : array of shape (n_grid,) or (n_grid, 1)
    member : int

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
    u = contributions_of(fit, np.asarray(x_grid, dtype=np.float64).reshape(-1), member=member)
    squeeze = lambda a: np.asarray(a).reshape(a.shape[:2]) if np.ndim(a) == 3 else np.asarray(a)  # noqa: E731
    return (squeeze(u.contributions).T, float(np.asarray(u.bias).reshape(-1)[0]),
            np.asarray(u.prediction).reshape(-1))


class FitPlots:
    """The standard figures of one fit, given its data once.

    Parameters
    ----------
    fit : Fit
    X : array of shape (n, n_features), optional
        Data to show (usually the training data); needed for :meth:`data` and :meth:`residuals`,
        and sets the range of the 1-D grids.
    y : array of shape (n,), optional

    Examples
    --------
    >>> figs = FitPlots(fit, X, y)                           # doctest: +SKIP
    >>> figs.data(); figs.learning_curves(); figs.units()    # doctest: +SKIP
    """

    def __init__(self, fit, X=None, y=None):
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

    def grid(self, n=200, pad=0.0):
        """A 1-D grid over the data's range (widened by ``pad`` of it on each side), (n,)."""
        if self.fit.network.n_inputs != 1:
            raise ValueError("a 1-D grid needs a fit with one input")
        if self.X is not None:
            lo, hi = float(self.X.min()), float(self.X.max())
        elif self.fit.network.mean is not None:
            m, s = float(self.fit.network.mean[0]), float(np.sqrt(self.fit.network.var[0]))
            lo, hi = m - 2 * s, m + 2 * s
        else:
            raise ValueError("give X (FitPlots(fit, X, y)) or x_grid: the fit does not know its data range")
        width = (hi - lo) or 1.0
        return np.linspace(lo - pad * width, hi + pad * width, n)

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

    def band(self, x_grid=None, k=2.0):
        """The ensemble's mean and spread over a 1-D grid, each member drawn thin."""
        self._regression("band()")
        x = self.grid(pad=0.05) if x_grid is None else np.asarray(x_grid, dtype=np.float64).ravel()
        members = self.fit.predict_members(x[:, None])
        return fits.plot_ensemble_band(
            x, members.mean(0), members.std(0), None if self.X is None else self.X[:, 0], self.y,
            members=members, k=k, x_label=self._names[0])

    def extrapolation(self, x_grid, y_true=None):
        """The prediction on ``x_grid`` with the data's range shaded (and the truth, if known)."""
        self._regression("extrapolation()")
        x = np.asarray(x_grid, dtype=np.float64).ravel()
        mean, std = self.fit.predict(x[:, None], return_std=True)
        return fits.plot_extrapolation(
            x, y_true, mean, std if self.fit.n_members > 1 else None,
            X_train=None if self.X is None else self.X[:, 0], y_train=self.y,
            x_label=self._names[0])

    def units(self, x_grid=None, member=0):
        """Each hidden unit's contribution to the output, and their sum (one input)."""
        x = self.grid() if x_grid is None else np.asarray(x_grid, dtype=np.float64).ravel()
        C, bias, pred = unit_contributions(self.fit, x, member)
        return networks.plot_unit_contributions(
            x, C, bias, pred, X_train=None if self.X is None else self.X[:, 0], y_train=self.y,
            x_label=self._names[0])

    def activations(self, x_grid=None, member=0, **kwargs):
        """The hidden layers' activations over a 1-D grid (``facet='units'`` for small multiples)."""
        x = self.grid() if x_grid is None else np.asarray(x_grid, dtype=np.float64).ravel()
        outs = self.fit.layer_outputs(x[:, None], member=member)[1:-1]
        if not outs:
            raise ValueError("the network has no hidden layer")
        acts = self.fit.network.spec.activation
        names = [f"hidden {k + 1} ({a})" for k, a in enumerate(acts)]
        return networks.plot_layer_activations(x, outs, layer_names=names,
                                               x_label=self._names[0], **kwargs)

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
