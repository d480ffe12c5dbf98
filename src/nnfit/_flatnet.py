"""The training program's network: one member's flat parameter vector as [W; b] matrices.

The program carries each member's parameters as one vector, each layer's W and then its b
(:func:`~nnfit.mlp.flatten_params` order): an update, a finite check or a select is then one
kernel, not one per array, and on a small network the kernels' fixed cost, not their
arithmetic, is the epoch's time. Read row by row, a layer's W and b are the matrix [W; b], so
each layer is one product [h, 1] @ [W; b] of a ones-augmented input: a bias's gradient comes out
of its layer's product instead of a reduction over the rows of its own, and the inputs are
normalised and augmented once a call (:func:`inputs`), not once a batch (~10 % off a small
network's step). :meth:`Network.apply <nnfit.mlp.Network.apply>` computes the same function.
"""

from __future__ import annotations

import jax.numpy as jnp

from . import objectives
from .mlp import ACTIVATIONS, Network, output_activation, unflatten_params


def unflatten(static, flat):
    """The parameter list of ``flat``, shape (..., n_parameters), as arrays (..., *shape)."""
    return unflatten_params(flat, (static.n_inputs, *static.spec.hidden, static.n_outputs))


def matrices(static, flat):
    """The matrices [W; b], shapes (n_in + 1, n_out), of one member's flat parameters."""
    sizes = (static.n_inputs, *static.spec.hidden, static.n_outputs)
    mats, at = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        mats.append(flat[at:at + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out))
        at += (fan_in + 1) * fan_out
    return mats


def network(static, data):
    """The :class:`~nnfit.mlp.Network` of ``static`` with the input statistics of ``data``."""
    return Network(static.spec, static.n_inputs, static.n_outputs, data.mean, data.var)


def _with_ones(h):
    return jnp.concatenate([h, jnp.ones(h.shape[:-1] + (1,), h.dtype)], axis=-1)


def inputs(net, X):
    """Inputs (n, n_inputs) as the program's network takes them: normalised, a ones column added."""
    return None if X is None else _with_ones(net.normalized(X))


def forward(net, mats, X):
    """The network's output before its output activation, for inputs from :func:`inputs`."""
    h = X
    for layer, (Wb, activation) in enumerate(zip(mats, net.activations)):
        z = h @ Wb
        if layer == len(mats) - 1:
            return z
        h = _with_ones(ACTIVATIONS[activation](z))


def penalty(mats, l1, l2):
    """:func:`~nnfit.objectives.penalty` of the weights (the rows of [W; b] but the last)."""
    return objectives.penalty([(Wb[:-1], Wb[-1]) for Wb in mats], l1, l2)


def terms(static, net, mats, X, y, w):
    """Data loss and metrics of the network ``mats`` on one batch."""
    logits = forward(net, mats, X)
    data_loss = objectives.LOSSES[static.loss](y, logits, w)
    names = objectives.METRICS[static.task] if static.metrics is None else static.metrics
    if static.task == "regression":  # metrics on the predictions (exp: of a log link)
        prediction = output_activation(static.spec.output, logits)
        return data_loss, objectives.regression_metrics(y, prediction, w, names)
    if "accuracy" not in names:
        return data_loss, {}
    probabilities = output_activation(static.spec.output, logits)
    return data_loss, objectives.classification_metrics(y, probabilities, w,
                                                        static.spec.output == "sigmoid")


def evaluate(static, net, flat, X, y, w, l1, l2):
    """Loss (data + penalty), penalty and metrics of the parameters ``flat`` on one set
    (inputs ``X`` as :func:`inputs` prepares them)."""
    mats = matrices(static, flat)
    data_loss, metrics = terms(static, net, mats, X, y, w)
    pen = penalty(mats, l1, l2)
    return data_loss + pen, pen, metrics
