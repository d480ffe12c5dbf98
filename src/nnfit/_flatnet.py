"""The training program's network: one member's flat parameter vector as [W; b] matrices.

The program carries each member's parameters as one vector, each layer's W and then its b
(:func:`~nnfit.mlp.flatten_params` order): an update, a finite check or a select is then one
kernel, not one per array, and on a small network the kernels' fixed cost, not their
arithmetic, is the epoch's time. Read row by row, a layer's W and b are the matrix [W; b], so
each layer is one product [h, 1] @ [W; b] of a ones-augmented input: a bias's gradient comes out
of its layer's product instead of a reduction over the rows of its own, and the inputs are
normalised and augmented once a call (:func:`inputs`), not once a batch (~10 % off a small
network's step). :meth:`Network.apply <nnfit.mlp.Network.apply>` computes the same function.

On a wide network the one vector costs more than it saves: every step copies each layer's
[W; b] out of it for the products and joins the layers' gradients back into it, two passes over
every parameter that a network of 4.2M parameters pays in memory traffic, not kernel count. So
the program's parameters have one of two layouts, chosen at plan time by size
(:data:`~nnfit._static.LAYERS_FROM`): ``"flat"``, the one vector, or ``"layers"``, a tuple of
each layer's ``(W, b)``, whose products ``h @ W + b`` are the plain ones (the odd 1025-wide
[W; b] of a 1024-unit layer brings no gain there and picks slower matrix kernels). The two
layouts compute the same function, rounded differently.

A flat program whose every width is at most :data:`~nnfit._featuremajor.NARROW` (seed 000's
2 -> 5 -> 5 -> 1) runs its layers feature-major instead (:func:`feature_major`): activations
(units, rows), each layer :func:`nnfit._featuremajor.dense` of its [W; b] and its
non-augmented input, a fused sum of broadcast products with a hand-written gradient. Under the
ensembles' ``vmap`` the products of tiny matrices cost each member its own kernels; the sums
only grow longer with the members. Seed 000's fit (200 epochs of 13 steps, 2-core CPU): one
member 0.059 s as products, 0.030 s feature-major; 100 members 2.08 s and 0.94 s.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _featuremajor, objectives
from .mlp import ACTIVATIONS, Network, flatten_params, output_activation, unflatten_params


def _sizes(static):
    return (static.n_inputs, *static.spec.hidden, static.n_outputs)


def unflatten(static, params):
    """The parameter list of the program's ``params`` (a leading member axis and any layout)
    as (W, b) arrays (..., *shape)."""
    if static.layout == "flat":
        return unflatten_params(params, _sizes(static))
    return [(W, b) for W, b in params]


def pack(static, params):
    """One member's parameter list of (W, b) in the program's layout."""
    if static.layout == "flat":
        return flatten_params(params)
    return tuple((W, b) for W, b in params)


def from_flat(static, flat):
    """Host parameters ``flat``, (n_members, n_parameters) in :func:`~nnfit.mlp.flatten_params`
    order (what a caller that edits a state may give), in the program's layout."""
    if static.layout == "flat" or not isinstance(flat, (np.ndarray, jax.Array)):
        return flat
    return tuple((W, b) for W, b in unflatten_params(flat, _sizes(static)))


def gradient(static, grads):
    """The gradients of :func:`matrices`' layers in the program's layout: for ``"flat"`` one
    concatenation, where the gradient of a slice of the vector would pad every piece to full
    length."""
    if static.layout == "flat":
        return jnp.concatenate([g.ravel() for g in grads])
    return tuple(tuple(g) for g in grads)


def all_finite(params):
    """Whether every parameter of ``params`` (any layout) is finite: a scalar."""
    leaves = [jnp.all(jnp.isfinite(a)) for a in jax.tree.leaves(params)]
    return leaves[0] if len(leaves) == 1 else jnp.all(jnp.stack(leaves))


def gated(static):
    """Whether the program of ``static`` runs its members one after another (``"layers"``),
    so that a flag can skip work instead of selecting between two results of it."""
    return static.layout != "flat"


def choose(flag, new, old):
    """``new`` where the scalar ``flag`` holds, else ``old`` (pytrees of one shape), as a
    branch: XLA passes the chosen buffers through, where a select reads both and writes a
    third, a pass over every parameter and optimizer moment that a wide network pays each
    epoch. Only outside ``vmap`` (under it a branch becomes that select)."""
    return jax.lax.cond(flag, lambda: new, lambda: old)


def for_members(static, member, *args):
    """``member`` over the leading (member) axis of ``args``: ``jax.vmap`` for the flat
    layout, members one after another for the layered one.

    A small network is bound by its kernels' fixed cost, which ``vmap`` shares among the
    members. A wide one is bound by memory traffic, and ``vmap`` costs it twice: its flags
    become selects over every parameter and moment (see :func:`choose`), and a single member's
    products become batched products of one batch, which XLA turns round, so that a layer's
    weight gradient comes out transposed and the optimizer reads it across its rows.
    """
    if not gated(static):
        return jax.vmap(member)(*args)
    if jax.tree.leaves(args)[0].shape[0] == 1:  # one member: its arrays are the program's own
        return jax.tree.map(lambda a: a[None], member(*jax.tree.map(lambda a: a[0], args)))
    return jax.lax.map(lambda a: member(*a), args)


def matrices(static, params):
    """One member's layers as the program's network takes them: the matrices [W; b], shapes
    (n_in + 1, n_out), of the flat layout; the (W, b) pairs of the layered one."""
    if static.layout != "flat":
        return list(params)
    mats, at = [], 0
    sizes = _sizes(static)
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        mats.append(params[at:at + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out))
        at += (fan_in + 1) * fan_out
    return mats


def feature_major(static):
    """Whether the program of ``static`` runs its network feature-major (see the module's
    docstring): the flat layout with every width at most :data:`~nnfit._featuremajor.NARROW`."""
    return static.layout == "flat" and max(_sizes(static)) <= _featuremajor.NARROW


def augmented(static):
    """Whether the program of ``static`` takes its inputs with a ones column (:func:`inputs`):
    the flat layout's row-major products [h, 1] @ [W; b]."""
    return static.layout == "flat" and not feature_major(static)


def network(static, data):
    """The :class:`~nnfit.mlp.Network` of ``static`` with the input statistics of ``data``."""
    return Network(static.spec, static.n_inputs, static.n_outputs, data.mean, data.var)


def _with_ones(h):
    return jnp.concatenate([h, jnp.ones(h.shape[:-1] + (1,), h.dtype)], axis=-1)


def inputs(net, X, augmented=True):
    """Inputs (n, n_inputs) as the program's network takes them: normalised, and with a ones
    column added for [W; b] matrices in rows (``augmented``, :func:`augmented`)."""
    if X is None:
        return None
    return _with_ones(net.normalized(X)) if augmented else net.normalized(X)


def forward(net, mats, X, columns=False):
    """The network's output (rows, n_outputs) before its output activation, for inputs from
    :func:`inputs`; ``mats`` as :func:`matrices` gives them ([W; b] matrices or (W, b)
    pairs); ``columns``: the [W; b] layers run feature-major (:func:`feature_major`, inputs
    not augmented)."""
    return _forward(net, mats, X, None, columns)[0]


def _forward(net, mats, X, probes, columns=False, members=False):
    """:func:`forward`, with ``probes`` (or None): zero arrays, one a layer, (rows, n_out),
    added to the layers' products, so that the gradient with respect to them is each layer's
    output gradient; and then the peak of each layer's input (:func:`gradient_bound`).
    ``members``: a program of several members, whose feature-major layers take their weight
    gradient as one product (:func:`nnfit._featuremajor.dense_members`)."""
    if columns:  # feature-major: h is (n, rows), and the output comes back as (rows, n)
        h, peaks = X.T, []
        dense = _featuremajor.dense_members if members else _featuremajor.dense
        for layer, (Wb, activation) in enumerate(zip(mats, net.activations)):
            z = dense(Wb, h)
            if probes is not None:
                z, peaks = z + probes[layer].T, peaks + [peak(h)]
            if layer == len(mats) - 1:
                return z.T, peaks
            h = ACTIVATIONS[activation](z)
    h, peaks = X, []
    for layer, (Wb, activation) in enumerate(zip(mats, net.activations)):
        pair = isinstance(Wb, tuple)
        z = h @ Wb[0] + Wb[1][None] if pair else h @ Wb  # h is (rows, n): b as a row
        if probes is not None:
            z, peaks = z + probes[layer], peaks + [peak(h)]
        if layer == len(mats) - 1:
            return z, peaks
        h = ACTIVATIONS[activation](z) if pair else _with_ones(ACTIVATIONS[activation](z))


def peak(a):
    """The largest magnitude in ``a``: inf if any element is NaN or infinite (a vectorised
    maximum may skip NaNs)."""
    return jnp.max(jnp.where(jnp.isnan(a), jnp.inf, jnp.abs(a)))


def gradient_bound(peaks, deltas, pen, l1, l2):
    """A bound on every element of the layered network's gradient, from small arrays only.

    A layer's weight gradient is ``h.T @ delta`` (plus the penalty's), its bias gradient the
    column sums of ``delta``: no element exceeds ``rows * max|delta| * (max|h| + 1)`` plus the
    penalty's ``2 * sqrt(l2 * penalty) + l1`` (``l2 * W**2 <= penalty``). The bound is finite
    only where the gradient is (with a margin of 4 for rounding), and it reads the batch's
    activations instead of every gradient element, a wide network's 4M.

    Parameters
    ----------
    peaks : list of scalars
        Each layer's input :func:`peak` (from :func:`terms` with probes).
    deltas : list of arrays (rows, n_out)
        The loss's gradient with respect to each layer's probe.
    pen : scalar
        The penalty in the loss.
    l1, l2 : arrays (n_layers,) or None

    Returns
    -------
    scalar
        Finite where every gradient element is finite; inf or NaN otherwise, or past
        about a quarter of the dtype's largest number.
    """
    total = jnp.zeros((), pen.dtype)
    for layer, (h, delta) in enumerate(zip(peaks, deltas)):
        total = total + delta.shape[0] * peak(delta) * (h + 1)
        if l2 is not None:
            total = total + 2 * jnp.sqrt(l2[layer] * pen)
        if l1 is not None:
            total = total + l1[layer]
    return 4 * total


def penalty(mats, l1, l2):
    """:func:`~nnfit.objectives.penalty` of the weights (of a [W; b], the rows but the last)."""
    return objectives.penalty([Wb if isinstance(Wb, tuple) else (Wb[:-1], Wb[-1])
                               for Wb in mats], l1, l2)


def terms(static, net, mats, X, y, w, probes=None):
    """Data loss, metrics and the layers' input peaks (:func:`peak`; with ``probes``, see
    :func:`_forward`; else none) of the network ``mats`` on one batch."""
    logits, peaks = _forward(net, mats, X, probes, feature_major(static), static.ensemble)
    data_loss = objectives.LOSSES[static.loss](y, logits, w)
    names = objectives.METRICS[static.task] if static.metrics is None else static.metrics
    if static.task == "regression":  # metrics on the predictions (exp: of a log link)
        prediction = output_activation(static.spec.output, logits)
        return data_loss, objectives.regression_metrics(y, prediction, w, names), peaks
    if "accuracy" not in names:
        return data_loss, {}, peaks
    probabilities = output_activation(static.spec.output, logits)
    return data_loss, objectives.classification_metrics(
        y, probabilities, w, static.spec.output == "sigmoid"), peaks


def evaluate(static, net, flat, X, y, w, l1, l2):
    """Loss (data + penalty), penalty and metrics of the parameters ``flat`` on one set
    (inputs ``X`` as :func:`inputs` prepares them)."""
    mats = matrices(static, flat)
    data_loss, metrics, _ = terms(static, net, mats, X, y, w)
    pen = penalty(mats, l1, l2)
    return data_loss + pen, pen, metrics
