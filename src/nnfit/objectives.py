"""What training minimises: a data loss plus per-layer weight penalties.

Every loss takes targets, network outputs *before* the output activation (logits, for stable
cross-entropy) and per-sample weights, and returns a scalar:

    loss(y, logits, w)      y: (n, k), logits: (n, k), w: (n,)

The weights carry both the user's ``sample_weight`` and the mask of the padded short last batch,
so a batch of 20 real rows padded to 32 gives exactly the loss of those 20 rows (Keras' rule).
Mean losses are weighted means over samples (and over outputs); ``sse`` is half the weighted
sum, as seed 001 defines it. Penalties apply to weights only, never biases, like Keras'
``kernel_regularizer``: ``sum_l l1[l] * sum|W_l| + l2[l] * sum W_l**2``.
"""

from __future__ import annotations

import jax.numpy as jnp
import optax
from .errors import InvalidOptionError

REGRESSION_LOSSES = ("mse", "sse", "mae", "huber", "poisson")
CLASSIFICATION_LOSSES = ("binary_crossentropy", "categorical_crossentropy")
LOSS_ALIASES = {
    "squared_error": "mse", "mean_squared_error": "mse", "absolute_error": "mae",
    "mean_absolute_error": "mae", "log_loss": "categorical_crossentropy",
}


def _weighted_mean(per_sample, w):
    """Weighted mean of per-sample values (n,) with weights (n,); 0 when all weights are 0."""
    return jnp.sum(per_sample * w) / jnp.maximum(jnp.sum(w), jnp.finfo(w.dtype).tiny)


def _per_sample_mean(elementwise):
    """Average an (n, k) array of per-output losses over the outputs -> (n,)."""
    return jnp.mean(elementwise, axis=-1)


def mse(y, logits, w):
    """Mean squared error."""
    return _weighted_mean(_per_sample_mean(optax.losses.squared_error(logits, y)), w)


def sse(y, logits, w):
    """Half the (weighted) sum of squared errors: seed 001's E = 1/2 sum (y - y_hat)**2."""
    return 0.5 * jnp.sum(jnp.sum((y - logits) ** 2, axis=-1) * w)


def mae(y, logits, w):
    """Mean absolute error."""
    return _weighted_mean(_per_sample_mean(jnp.abs(y - logits)), w)


def huber(y, logits, w, delta=1.0):
    """Huber loss with threshold ``delta`` (quadratic inside, linear outside), as in Keras."""
    return _weighted_mean(_per_sample_mean(optax.losses.huber_loss(logits, y, delta=delta)), w)


def poisson(y, logits, w):
    """Half the Poisson deviance, ``y log(y / mu) - y + mu`` with ``mu = exp(logits)`` (the
    exp output's log link), as a weighted mean; for counts ``y >= 0`` (``y log y`` is taken
    as 0 where ``y <= 0``, so that any padding or masked row stays finite)."""
    positive = y > 0
    y_log_y = jnp.where(positive, y * jnp.log(jnp.where(positive, y, 1)), 0)
    return _weighted_mean(_per_sample_mean(y_log_y - y * logits - y + jnp.exp(logits)), w)


def binary_crossentropy(y, logits, w):
    """Binary cross-entropy of labels ``y`` in {0, 1}, shape (n, 1), against sigmoid logits."""
    return _weighted_mean(_per_sample_mean(optax.losses.sigmoid_binary_cross_entropy(logits, y)), w)


def categorical_crossentropy(y, logits, w):
    """Multi-class cross-entropy of one-hot ``y`` (n, k) against softmax logits (n, k)."""
    return _weighted_mean(optax.losses.softmax_cross_entropy(logits, y), w)


LOSSES = {f.__name__: f for f in (mse, sse, mae, huber, poisson, binary_crossentropy,
                                  categorical_crossentropy)}


def penalty(params, l1, l2):
    """Weight penalty of a parameter list.

    Parameters
    ----------
    params : list of (W, b)
    l1, l2 : arrays of shape (n_layers,), or None
        Strength per layer (0 switches a layer's penalty off; None leaves the term out).

    Returns
    -------
    scalar
        ``sum_l l1[l] * sum|W_l| + l2[l] * sum(W_l ** 2)``; biases are not penalised.
    """
    total = jnp.zeros((), params[0][0].dtype)
    for layer, (W, _) in enumerate(params):
        if l1 is not None:
            total = total + l1[layer] * jnp.sum(jnp.abs(W))
        if l2 is not None:
            total = total + l2[layer] * jnp.sum(W * W)
    return total


def accuracy(y, probabilities, w, independent=False):
    """Weighted fraction of correct classes; ``y`` one-hot (n, k) or {0, 1} (n, 1).

    ``independent`` (a sigmoid output of k labels, multilabel): a sample counts as correct
    when every one of its labels is (scikit-learn's subset accuracy).
    """
    if y.shape[-1] == 1 or independent:
        correct = jnp.all((probabilities > 0.5) == (y > 0.5), axis=-1)
    else:
        correct = jnp.argmax(probabilities, axis=-1) == jnp.argmax(y, axis=-1)
    return _weighted_mean(correct.astype(w.dtype), w)


METRICS = {"regression": ("mse", "mae"), "classification": ("accuracy",)}


def metric_names(task, requested=None):
    """The epoch metrics to record: ``requested`` (checked), or all of the task's."""
    allowed = METRICS[task]
    if requested is None:
        return allowed
    names = (requested,) if isinstance(requested, str) else tuple(requested)
    unknown = [m for m in names if m not in allowed]
    if unknown:
        raise InvalidOptionError(f"unknown metric {unknown[0]!r} for {task}; choose from "
                         f"{', '.join(allowed)} (or none: metrics=())")
    return tuple(m for m in allowed if m in names)


def regression_metrics(y, prediction, w, names=METRICS["regression"]):
    """Dictionary of metrics reported every epoch: mse and mae (or those of ``names``)."""
    return {k: LOSSES[k](y, prediction, w) for k in names}


def classification_metrics(y, probabilities, w, independent=False):
    """Dictionary of metrics reported every epoch: accuracy (see :func:`accuracy`)."""
    return {"accuracy": accuracy(y, probabilities, w, independent)}


def canonical_loss(name, task):
    """nnfit's name for a loss given by the user; checks it suits the task."""
    name = LOSS_ALIASES.get(name, name)
    allowed = REGRESSION_LOSSES if task == "regression" else CLASSIFICATION_LOSSES
    if name not in allowed:
        raise InvalidOptionError(f"unknown loss {name!r} for {task}; choose one of {', '.join(allowed)}")
    return name


__all__ = ["LOSSES", "METRICS", "metric_names", "penalty", "accuracy", "canonical_loss",
           "regression_metrics", "classification_metrics", *LOSSES]
