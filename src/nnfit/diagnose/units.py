"""What each hidden unit contributes: seed 004's ``plot_layers`` and facetted activations, as data.

The output of a dense network is a weighted sum of its last hidden layer plus a bias:

    prediction(x) = sum_j  W[j] * h_j(x)  +  b

so each last-layer unit ``j`` contributes the curve ``W[j] * h_j(x)``, and those curves plus the
output bias add up to the prediction. :func:`unit_contributions` returns them over a grid of one
input (for a network of several, along one of them with the others held fixed);
:func:`layer_activations` returns every layer's units over any inputs. Both compute in
float64 from one member's parameters. For a classifier the sum is the output *logit* (before
the sigmoid or softmax), which is what the units add up to.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .._checks import check_features
from ._common import check_fit, check_member, member_params


@dataclass(frozen=True)
class UnitContributions:
    """Each last-hidden-layer unit's contribution over a grid of one input.

    ``n`` grid points, ``u`` units in the last hidden layer, ``k`` outputs. The trailing output
    axis is present only when the fit's targets were 2-D, exactly as for ``Fit.predict``.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The grid, in the input's own units: the values of input ``feature``.
    hidden : ndarray of shape (n, u)
        The last hidden layer's outputs ``h_j(x)``.
    weights : ndarray of shape (u,) or (u, k)
        The output layer's weights ``W[j]``.
    contributions : ndarray of shape (n, u) or (n, u, k)
        ``W[j] * h_j(x)``.
    bias : ndarray of shape () or (k,)
        The output bias.
    prediction : ndarray of shape (n,) or (n, k)
        The network's output (logits for a classifier), float64;
        ``contributions.sum(axis=1) + bias`` equals it to rounding.
    feature : int
        The input the grid runs along (0 for a network of one input).
    at : ndarray of shape (n_inputs,) or None
        For a network of several inputs, the values the other inputs were held at (entry
        ``feature``, the grid's, is NaN); None for one input.
    """

    x: np.ndarray
    hidden: np.ndarray
    weights: np.ndarray
    contributions: np.ndarray
    bias: np.ndarray
    prediction: np.ndarray
    feature: int = 0
    at: np.ndarray | None = None

    @property
    def X(self):
        """The inputs the network saw, shape (n, n_inputs): the grid in column ``feature``."""
        if self.at is None:
            return self.x[:, None]
        X = np.repeat(np.asarray(self.at, dtype=np.float64)[None, :], self.x.size, axis=0)
        X[:, self.feature] = self.x
        return X

    @property
    def n_units(self):
        """Number of units in the last hidden layer."""
        return self.hidden.shape[1]

    def to_frame(self):
        """Tidy DataFrame: columns ``x``, ``unit``, ``contribution`` (and ``output``)."""
        import pandas as pd

        c = self.contributions if self.contributions.ndim == 3 else self.contributions[:, :, None]
        n, u, k = c.shape
        frame = pd.DataFrame({
            "x": np.repeat(self.x, u * k),
            "unit": np.tile(np.repeat(np.arange(u), k), n),
            "output": np.tile(np.arange(k), n * u),
            "contribution": c.ravel(),
        })
        return frame if self.contributions.ndim == 3 else frame.drop(columns="output")


@dataclass(frozen=True)
class LayerActivations:
    """Every dense layer's outputs over a set of inputs.

    Attributes
    ----------
    X : ndarray of shape (n, n_inputs)
        The inputs, in their own units (before any normalisation).
    layers : tuple of ndarray
        One per dense layer, hidden layers first and the output layer last: shapes
        (n, hidden[0]), ..., (n, n_outputs). The output layer is after its activation.
    names : tuple of str
        ``dense_0 (tanh)``, ... one per entry of ``layers``.
    """

    X: np.ndarray
    layers: tuple
    names: tuple

    def to_frame(self):
        """Tidy DataFrame for facetted plots: ``layer`` (index), ``name``, ``unit``, ``x`` (the
        first input), ``activation``."""
        import pandas as pd

        frames = []
        for index, (name, h) in enumerate(zip(self.names, self.layers)):
            n, u = h.shape
            frames.append(pd.DataFrame({
                "layer": index, "name": name, "unit": np.tile(np.arange(u), n),
                "x": np.repeat(self.X[:, 0], u), "activation": h.ravel(),
            }))
        return pd.concat(frames, ignore_index=True)


@functools.lru_cache(maxsize=None)
def _compiled_outputs(spec, n_inputs, n_outputs):
    """Jitted ``(params, X, mean, var) -> (layer outputs with logits last, activated output)``."""
    import jax

    from ..mlp import Network, output_activation

    def outputs(params, X, mean, var):
        outs = Network(spec, n_inputs, n_outputs, mean, var).layer_outputs(params, X, logits=True)
        return outs, output_activation(spec.output, outs[-1])

    return jax.jit(outputs)


def _outputs(fit, X, member):
    """Float64 layer outputs (with logits for the last layer) and the activated output."""
    import jax
    import jax.numpy as jnp

    params = member_params(fit, member)
    net = fit.network
    as_j = lambda a: None if a is None else jnp.asarray(a, jnp.float64)  # noqa: E731
    with jax.enable_x64(True):
        p = [(as_j(W), as_j(b)) for W, b in params]
        outs, activated = _compiled_outputs(net.spec, net.n_inputs, net.n_outputs)(
            p, as_j(X), as_j(net.mean), as_j(net.var))
        return [np.asarray(o) for o in outs], np.asarray(activated), params


def _grid(x, name="x"):
    x = np.asarray(x, dtype=np.float64) if not hasattr(x, "to_numpy") else x.to_numpy(np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D grid of the single input, shape (n,) or (n, 1); "
                         f"got shape {x.shape}")
    return check_features(x[:, None], name=name)[:, 0]


def unit_contributions(fit, x, *, member=0, feature=0, at=None):
    """Each last-hidden-layer unit's contribution ``W[j] * h_j(x)`` and the output bias.

    Parameters
    ----------
    fit : Fit
    x : array-like of shape (n,) or (n, 1)
        The grid, in the input's own units (normalisation is applied inside).
    member : int
        Which member of an ensemble.
    feature : int
        For a network of several inputs, the input that ``x`` runs along.
    at : array-like of shape (n_inputs,), optional
        For a network of several inputs (and then required): the values every other input is
        held at, e.g. ``np.median(X, axis=0)``; entry ``feature`` is ignored.

    Returns
    -------
    UnitContributions
        ``contributions.sum(axis=1) + bias`` is the prediction at ``UnitContributions.X``.

    Raises
    ------
    ValueError
        When the network has several inputs and ``at`` is not given, or ``feature`` is not
        one of them.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(-1, 1, 30)[:, None]
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), X, X[:, 0] ** 2, epochs=3)
    >>> u = nnfit.diagnose.unit_contributions(fit, np.linspace(-2, 2, 101))
    >>> u.contributions.shape, np.allclose(u.contributions.sum(axis=1) + u.bias, u.prediction)
    ((101, 4), True)
    """
    check_fit(fit, "unit_contributions")
    member = check_member(fit, member)
    d = fit.network.n_inputs
    if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)) \
            or not 0 <= feature < d:
        raise ValueError(f"feature must be the index of one of the network's {d} inputs "
                         f"(0 to {d - 1}), got {feature!r}")
    x = _grid(x)
    if d == 1:
        held, X = None, x[:, None]
    else:
        if at is None:
            raise ValueError(f"unit_contributions draws curves along one input, but this network "
                             f"has {d} inputs: give the values the others are held at, e.g. "
                             "at=np.median(X, axis=0), and the input to vary, feature=k")
        held = np.array(at, dtype=np.float64).reshape(-1)
        if held.shape != (d,):
            raise ValueError(f"at must hold one value per input, shape ({d},), got {held.shape}")
        held[feature] = 0.0
        X = np.repeat(check_features(held[None, :], name="at"), x.size, axis=0)
        X[:, feature] = x
        held[feature] = np.nan  # the grid's column holds no one value
    outs, _, params = _outputs(fit, X, member)
    hidden = outs[-2]
    W, b = params[-1]
    contributions = hidden[:, :, None] * W[None, :, :]
    prediction = outs[-1]
    if fit.y_shape == ():  # single output given as (n,): drop the output axis, as predict does
        contributions, W, b, prediction = contributions[:, :, 0], W[:, 0], b[0], prediction[:, 0]
    return UnitContributions(x=x, hidden=hidden, weights=W, contributions=contributions,
                             bias=np.asarray(b), prediction=prediction, feature=int(feature),
                             at=held)


def layer_activations(fit, X, *, member=0):
    """Every dense layer's outputs over ``X`` (seed 004's facetted activation plots).

    Parameters
    ----------
    fit : Fit
    X : array-like of shape (n, n_inputs), or (n,) for a network with one input
    member : int

    Returns
    -------
    LayerActivations
        ``layers[l]`` has shape (n, width of layer l); the last is the output after its
        activation.
    """
    check_fit(fit, "layer_activations")
    member = check_member(fit, member)
    X = np.asarray(X) if not hasattr(X, "iloc") else X
    if np.ndim(X) == 1 and fit.network.n_inputs == 1:
        X = _grid(X, "X")[:, None]
    X = check_features(X)
    if X.shape[1] != fit.network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} features but the network was fitted with "
                         f"{fit.network.n_inputs}")
    outs, activated, _ = _outputs(fit, X, member)
    layers = (*outs[1:-1], activated)
    names = tuple(f"dense_{i} ({a})" for i, a in enumerate(fit.network.activations))
    return LayerActivations(X=X, layers=layers, names=names)
