"""Shared plumbing of :mod:`nnfit.diagnose`: checking a Fit, its parameters in float64, and the
training objective as a function of one flat parameter vector.

The objective is the one training minimised (see :mod:`nnfit.objectives`): the Fit's data loss
(``config['loss']``) on the given data plus the Fit's per-layer L1/L2 weight penalties
(``config['l1']``, ``config['l2']``), evaluated in float64 whatever the Fit's training dtype.
Everything JAX computes here runs inside ``jax.enable_x64(True)``; the global flag is never
touched.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_features, check_targets
from ..mlp import flatten_params, unflatten_params


def check_fit(fit, what="this diagnostic"):
    """Return ``fit`` if it is a trained :class:`~nnfit.Fit` (a table fit as a function of its
    network's inputs, :meth:`~nnfit.Fit.encoded`: give it ``fit.inputs(table)``); otherwise
    raise ``TypeError``."""
    from ..fitted import Fit
    from ..mlp import MLP, Network

    if isinstance(fit, Fit):
        return fit.encoded()  # a table fit: diagnostics work on the network's numbers
    if isinstance(fit, (MLP, Network)):
        raise TypeError(f"{what} needs a trained model, got an unfitted {type(fit).__name__}; "
                        "train it first: fit = nnfit.fit(model, X, y)")
    raise TypeError(f"{what} needs an nnfit.Fit (the result of nnfit.fit), "
                    f"got {type(fit).__name__}")


def check_member(fit, member):
    """Return ``member`` as an int index of one of the fit's members."""
    if isinstance(member, bool) or not isinstance(member, (int, np.integer)):
        raise TypeError(f"member must be an integer, got {member!r}")
    if not 0 <= member < fit.n_members:
        raise ValueError(f"member {member} does not exist: the fit has {fit.n_members} member(s), "
                         f"0..{fit.n_members - 1}")
    return int(member)


def member_params(fit, member=0):
    """One member's parameters as a list of float64 NumPy ``(W, b)`` copies."""
    member = check_member(fit, member)
    return [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64))
            for W, b in fit.member_params(member)]


def layer_penalties(fit, member=0):
    """The fit's L1 and L2 strengths for one member, each of shape (n_layers,)."""
    n_layers = len(fit.network.layer_sizes) - 1
    out = []
    for name in ("l1", "l2"):
        value = np.asarray(fit.config.get(name, 0.0) or 0.0, dtype=np.float64)
        if value.ndim == 2:  # (n_members, n_layers or 1)
            value = value[member if value.shape[0] > 1 else 0]
        out.append(np.broadcast_to(value, (n_layers,)).astype(np.float64))
    return out[0], out[1]


def training_data(fit, X, y, sample_weight=None):
    """``X`` (n, n_inputs), targets encoded as training saw them (n, n_outputs), weights (n,)."""
    X = check_features(X)
    if X.shape[1] != fit.network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} features but the network was fitted with "
                         f"{fit.network.n_inputs}")
    y = check_targets(y, len(X))
    if fit.task == "regression":
        Y = y if y.ndim == 2 else y[:, None]
    elif fit.network.spec.output == "sigmoid":
        Y = y.reshape(-1, 1)
    else:
        Y = np.eye(fit.network.n_outputs)[y.ravel().astype(int)]
    if Y.shape[1] != fit.network.n_outputs:
        raise ValueError(f"y has {Y.shape[1]} outputs but the network has {fit.network.n_outputs}")
    w = np.ones(len(X)) if sample_weight is None else check_targets(sample_weight, len(X),
                                                                   name="sample_weight")
    return X, Y, w


class Objective(NamedTuple):
    """The training objective of one member, ready for the compiled transforms below.

    ``key`` names the compiled functions (one per network shape and loss, cached across
    calls); ``theta`` (p,) is the member's flat float64 parameter vector (``W0`` row-major,
    ``b0``, ``W1``, ``b1``, ...); ``args`` the data, penalties and input statistics the
    objective ``f(theta, *args)`` reads.
    """

    key: tuple
    theta: Any
    args: tuple

    def __call__(self, theta):
        return pure_objective(*self.key)(theta, *self.args)


def flat_objective(fit, X, y, *, member=0, sample_weight=None, penalties=True, loss=None):
    """The training objective of one member as a function of a flat float64 vector.

    Must be called (and the result used) inside ``jax.enable_x64(True)``.

    Parameters
    ----------
    fit, X, y, member, sample_weight
        The fit, the data (targets as given to :func:`nnfit.fit`), the member, the weights.
    penalties : bool
        Add the fit's L1/L2 weight penalties to the data loss.
    loss : str, optional
        A data loss other than the fit's own.

    Returns
    -------
    Objective
        Callable on a flat vector of shape (p,); see :func:`compiled` for its fast transforms.
    """
    import jax.numpy as jnp

    from .. import objectives

    theta = jnp.asarray(flatten_params(member_params(fit, member)))
    Xn, Y, w = training_data(fit, X, y, sample_weight)
    l1, l2 = layer_penalties(fit, member)
    name = objectives.canonical_loss(loss or fit.config.get("loss", "mse"), fit.task)
    net = fit.network
    as_j = lambda a: None if a is None else jnp.asarray(a, jnp.float64)  # noqa: E731
    args = (as_j(Xn), as_j(Y), as_j(w), as_j(l1), as_j(l2), as_j(net.mean), as_j(net.var))
    return Objective((net.spec, net.n_inputs, net.n_outputs, name, bool(penalties)), theta, args)


@functools.lru_cache(maxsize=None)
def pure_objective(spec, n_inputs, n_outputs, loss, penalties):
    """``f(theta, X, Y, w, l1, l2, mean, var)``: data loss (+ penalties) of flat parameters."""
    from .. import objectives
    from ..mlp import Network

    sizes = (n_inputs, *spec.hidden, n_outputs)
    data_loss = objectives.LOSSES[loss]

    def f(theta, X, Y, w, l1, l2, mean, var):
        params = unflatten_params(theta, sizes)
        value = data_loss(Y, Network(spec, n_inputs, n_outputs, mean, var).apply(
            params, X, logits=True), w)
        return value + objectives.penalty(params, l1, l2) if penalties else value

    return f


@functools.lru_cache(maxsize=None)
def compiled(kind, key):
    """A jitted transform of the objective named by ``key`` (see :class:`Objective`).

    ``value_and_grad(theta, *args)``; ``hvp(theta, v, *args)``, the Hessian-vector product
    (forward over reverse); ``hessian(theta, *args)``, dense, built from HVPs a few hundred
    columns at a time to bound the memory; ``values(thetas, *args)``, the objective at each row
    of ``thetas`` (m, p).
    """
    import jax
    import jax.numpy as jnp

    from .._programs import cache_from_environment

    cache_from_environment()  # a report's second run skips compilation, as training does
    f = pure_objective(*key)

    def hvp(theta, v, *args):
        return jax.jvp(lambda t: jax.grad(f)(t, *args), (theta,), (v,))[1]

    if kind == "value_and_grad":
        return jax.jit(jax.value_and_grad(f))
    if kind == "hvp":
        return jax.jit(hvp)
    if kind == "hessian":
        def hessian(theta, *args):
            p = theta.shape[0]
            eye = jnp.eye(p, dtype=theta.dtype)
            column = lambda v: hvp(theta, v, *args)  # noqa: E731
            if p <= 1024:  # all columns at once: one program, the fastest to compile
                return jax.vmap(column)(eye)
            return jax.lax.map(column, eye, batch_size=256)  # bounds the memory
        return jax.jit(hessian)
    if kind == "values":
        return jax.jit(lambda thetas, *args: jax.lax.map(lambda t: f(t, *args), thetas,
                                                          batch_size=256))
    raise ValueError(f"unknown transform {kind!r}")


def parameter_names(network):
    """Names of the flat parameters in ``ravel_pytree`` order: ``W0[i,j]``, ``b0[j]``, ..."""
    names = []
    sizes = network.layer_sizes
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        names += [f"W{layer}[{i},{j}]" for i in range(n_in) for j in range(n_out)]
        names += [f"b{layer}[{j}]" for j in range(n_out)]
    return tuple(names)


def copy_fit(fit, member_params, note):
    """A new Fit like ``fit`` with other parameters (arrays with a member axis), noting why."""
    from ..fitted import Fit

    config = dict(fit.config)
    config["edits"] = [*config.get("edits", []), note]
    return Fit(fit.network, [(np.array(W), np.array(b)) for W, b in member_params],
               fit.histories.copy(), config=config, task=fit.task, classes=fit.classes,
               y_shape=fit.y_shape, feature_names=fit.feature_names, dtype=fit.dtype,
               stop_reasons=list(fit.stop_reasons),
               best_epoch=None if fit.best_epoch is None else np.array(fit.best_epoch),
               timings=dict(fit.timings), solver_info=None)  # edited: no solver produced it


def stacked_params(fit):
    """Every member's parameters with a leading member axis, as NumPy copies.

    Returns a list of ``(W, b)`` with shapes (n_members, n_in, n_out) and (n_members, n_out).
    """
    members = [fit.member_params(m) for m in range(fit.n_members)]
    return [(np.stack([np.array(p[layer][0]) for p in members]),
             np.stack([np.array(p[layer][1]) for p in members]))
            for layer in range(len(members[0]))]
