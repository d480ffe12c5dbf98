"""A stack of linear layers is one linear map (seed 000: "no matter how deep, a linear model").

With every hidden activation linear, the network computes

    z = ((X - mean) / std) @ W0 + b0,   z = z @ W1 + b1,   ...

which composes into ``X @ W + b`` with ``W = diag(1/std) W0 W1 ... WL`` and ``b`` the pushed-through
biases. :func:`collapse_linear` returns that single ``(W, b)`` in the input's own units, the
input normalisation folded in. For a classifier ``X @ W + b`` are the logits, and the
prediction is their sigmoid or softmax.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_features
from ._common import check_fit, check_member, member_params


@dataclass(frozen=True)
class LinearCollapse:
    """The single affine map a network of linear layers equals.

    Attributes
    ----------
    W : ndarray of shape (n_inputs, n_outputs)
    b : ndarray of shape (n_outputs,)
    output : str
        The output activation applied to ``X @ W + b`` (``linear`` for regression).
    y_shape : tuple
        ``()`` when the fit's targets were 1-D: :meth:`predict` then returns shape (n,).
    """

    W: np.ndarray
    b: np.ndarray
    output: str
    y_shape: tuple

    @property
    def coef(self):
        """``W`` without the output axis for a 1-D target: (n_inputs,), else (n_inputs, k)."""
        return self.W[:, 0] if self.y_shape == () else self.W

    @property
    def intercept(self):
        """``b`` as a scalar array for a single 1-D target, else (k,)."""
        return self.b[0] if self.y_shape == () else self.b

    def predict(self, X):
        """``output(X @ W + b)``: shape (n,) for a 1-D target, else (n, n_outputs).

        For a classifier these are the output probabilities (not class labels).
        """
        X = check_features(X)
        z = X @ self.W + self.b[None, :]
        if self.output == "sigmoid":
            z = 1.0 / (1.0 + np.exp(-z))
        elif self.output == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            z = e / e.sum(axis=1, keepdims=True)
        return z[:, 0] if self.y_shape == () else z


def collapse_linear(fit, *, member=0):
    """Reduce a network whose hidden activations are all linear to the ``(W, b)`` it equals.

    Parameters
    ----------
    fit : Fit
        A fit whose hidden layers all have ``activation='linear'`` (any depth and widths).
    member : int
        Which member of an ensemble.

    Returns
    -------
    LinearCollapse
        ``collapse.predict(X)`` agrees with ``fit.predict(X)`` to rounding (float64 here).

    Raises
    ------
    ValueError
        When a hidden layer has a non-linear activation: such a network is no linear map.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = X @ [1.0, -2.0] + 0.5
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(8, 8), activation="linear"), X, y, epochs=50)
    >>> lin = nnfit.diagnose.collapse_linear(fit)
    >>> lin.W.shape, np.allclose(lin.predict(X), fit.predict(X), atol=1e-4)
    ((2, 1), True)
    """
    check_fit(fit, "collapse_linear")
    member = check_member(fit, member)
    network = fit.network
    bad = [f"dense_{i} ({a})" for i, a in enumerate(network.spec.activation) if a != "linear"]
    if bad:
        raise ValueError(f"only a network of linear layers collapses to one linear map; "
                         f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not linear")
    n = network.n_inputs
    if network.mean is None:
        A, c = np.eye(n), np.zeros(n)
    else:  # Network.normalized: (x - mean) / max(sqrt(var), 1e-7)
        std = np.maximum(np.sqrt(np.asarray(network.var, dtype=np.float64)), 1e-7)
        A, c = np.diag(1.0 / std), -np.asarray(network.mean, dtype=np.float64) / std
    for W, b in member_params(fit, member):
        A, c = A @ W, c @ W + b
    return LinearCollapse(W=A, b=c, output=network.spec.output, y_shape=tuple(fit.y_shape))
