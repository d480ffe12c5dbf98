"""A stack of linear layers is one linear map (seed 000: "no matter how deep, a linear model").

With every hidden activation linear, the network computes

    z = ((X - mean) / std) @ W0 + b0,   z = z @ W1 + b1,   ...

which composes into ``X @ W + b`` with ``W = diag(1/std) W0 W1 ... WL`` and ``b`` the pushed-through
biases. :func:`collapse_linear` returns that single ``(W, b)`` in the input's own units, the
input normalisation folded in. For a classifier ``X @ W + b`` are the logits, and the
prediction is their sigmoid or softmax.

A column that is constant in the training data (seed 000's ``x0 = 1``) has zero variance, so
the normaliser divides it by its floor of 1e-7: taken literally, the map gives that column a
coefficient near 1e7 cancelled by an intercept near -1e7, to no purpose, since the column only
ever held one value. By default such a column is folded into the intercept instead: its
coefficient is 0 and ``b`` is what the network adds when the column holds its training value
(the network normalises it to 0 there). The map then equals the network wherever the column
holds that value, which is everywhere the column is what it was in training.
``constant_columns='keep'`` gives the literal composition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    constant_columns : tuple of int
        The input columns that were constant in the training data and were folded into ``b``
        (their rows of ``W`` are 0); ``()`` when none were, or with ``constant_columns='keep'``.
    constant_values : ndarray of shape (len(constant_columns),)
        Their training values: the map equals the network where they hold these.
    """

    W: np.ndarray
    b: np.ndarray
    output: str
    y_shape: tuple
    constant_columns: tuple = ()
    constant_values: np.ndarray = field(default_factory=lambda: np.zeros(0))

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


def collapse_linear(fit, *, member=0, constant_columns="fold"):
    """Reduce a network whose hidden activations are all linear to the ``(W, b)`` it equals.

    Parameters
    ----------
    fit : Fit
        A fit whose hidden layers all have ``activation='linear'`` (any depth and widths).
    member : int
        Which member of an ensemble.
    constant_columns : {'fold', 'keep'}
        What to do with input columns that were constant in the training data, for a network
        that normalises its inputs (see the module docstring): ``fold`` their contribution at
        the training value into ``b`` and give them coefficient 0, or ``keep`` the literal
        ``1 / 1e-7`` coefficient and the intercept that cancels it. A column counts as constant
        when its training standard deviation is within rounding of its mean (at most
        ``64 * eps * |mean|``, float64's ``eps``). Networks without normalisation are unchanged.

    Returns
    -------
    LinearCollapse
        ``collapse.predict(X)`` agrees with ``fit.predict(X)`` to rounding (float64 here), for
        rows whose constant columns hold their training values.

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
    if constant_columns not in ("fold", "keep"):
        raise ValueError(f"constant_columns must be 'fold' or 'keep', got {constant_columns!r}")
    n = network.n_inputs
    constant = np.zeros(n, dtype=bool)
    if network.mean is None:
        A, c = np.eye(n), np.zeros(n)
    else:  # Network.normalized: (x - mean) / max(sqrt(var), 1e-7)
        mean = np.asarray(network.mean, dtype=np.float64)
        sd = np.sqrt(np.asarray(network.var, dtype=np.float64))
        std = np.maximum(sd, 1e-7)
        A, c = np.diag(1.0 / std), -mean / std
        if constant_columns == "fold":
            # the column normalises to 0 at its training value: drop its 1/std and -mean/std
            # rather than multiply out two huge numbers that cancel
            constant = sd <= 64 * np.finfo(np.float64).eps * np.abs(mean)
            A[constant, :] = 0.0
            c[constant] = 0.0
    for W, b in member_params(fit, member):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        A, c = A @ W, c @ W + b
    columns = tuple(int(i) for i in np.flatnonzero(constant))
    values = np.asarray(network.mean, dtype=np.float64)[constant] if columns else np.zeros(0)
    return LinearCollapse(W=A, b=c, output=network.spec.output, y_shape=tuple(fit.y_shape),
                          constant_columns=columns, constant_values=values)
