"""One epoch's mini-batches and the optimizer step that the training program scans over them.

An epoch is a ``lax.scan`` of :func:`step_function` over the blocks of :func:`batch_blocks`:
fixed-shape index blocks with a mask for the short last batch (or, when the stored rows fill
the batches exactly, plain slices), so every epoch of every member is one compiled loop.

A guarded step (:func:`step_function`'s ``guard``) decides before it writes anything whether
it may: its loss and every gradient are finite (and a full batch has not yet reached its
target), so a diverging run keeps its last good parameters and moments. Deciding after the
epoch instead (as the unguarded program does) has to keep the epoch's starting values until
then: a second copy of every parameter and moment, written every epoch, which is a third of a
wide network's memory traffic. Two things keep the guard itself cheap on a wide network
(5 x 1024 relu, 4.2M parameters, measured against the same loop unguarded): the update is a
``lax.cond`` branch, which updates in place (a select between new and old values made XLA
copy both moments every epoch: +21 %), and the gradients' finiteness comes from a bound over
the layers' small input and output-gradient arrays (:func:`nnfit._flatnet.gradient_bound`)
instead of a pass over the 4.2M gradient elements (+17 %). The engine guards the steps of
the layered layout (:mod:`nnfit._flatnet`), whose members run one after another, so that the
branch stays a branch (under ``vmap`` it would become that select); the flat one keeps its
after-the-epoch select, cheaper there than work each step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from . import _flatnet
from .optimizers import lbfgs_info


def guarded(static):
    """Whether the program of ``static`` decides in each step whether to apply it.

    L-BFGS's stopping tests read its line search, which runs inside the update: its program
    decides after the epoch, as the flat layout does.
    """
    return _flatnet.gated(static) and static.optimizer.name != "lbfgs"


def batch_blocks(static, data, order):
    """The epoch's batches as scan inputs, and the function that turns one into (X, y, w).

    ``order``: the epoch's row order, shape (n_batches * batch_size,), padded past the
    ``data.n_rows`` real rows, or None (rows in their stored order). Positions past the real
    rows are masked, whatever row they point to.

    Returns
    -------
    blocks : pytree of arrays with a leading batch axis
        What the epoch's scan runs over.
    tail : pytree or None
        With ``static.last_batch``, the short last batch, exactly its rows (not in ``blocks``).
    batch_of : callable(block) -> (X, y, w)
    """
    dtype = data.X.dtype
    shape = (static.n_batches, static.batch_size)
    if order is None and shape[0] * shape[1] == data.X.shape[0]:
        # rows in their stored order fill the batches exactly: a batch is a slice, and the
        # padded rows already weigh 0 (make_data), so nothing is gathered or masked
        return tuple(a.reshape(shape + a.shape[1:]) for a in (data.X, data.y, data.w)), \
            None, lambda block: block
    positions = jnp.arange(shape[0] * shape[1], dtype=jnp.int32)
    real = positions < data.n_rows
    if order is None:
        order = jnp.where(real, positions, 0)

    def batch_of(block):
        idx, mask = block
        return data.X[idx], data.y[idx], data.w[idx] * mask

    mask = real.astype(dtype)
    if not static.last_batch:
        return (order.reshape(shape), mask.reshape(shape)), None, batch_of
    full = (shape[0] - 1) * shape[1]
    tail = slice(full, full + static.last_batch)
    return ((order[:full].reshape((shape[0] - 1, shape[1])), mask[:full].reshape(
        (shape[0] - 1, shape[1]))), (order[tail], mask[tail]), batch_of)


def step_function(static, tx, objective, batch_of, metric_names, *, pass_value, guard=None,
                  penalties=(None, None)):
    """The scan body of an epoch: one mini-batch's gradient and optimizer update.

    Parameters
    ----------
    static : Static
    tx : optax.GradientTransformation
    objective : callable(mats, X, y, w, probes=None) -> (loss, (penalty, metrics, peaks))
        ``probes`` and ``peaks`` as :func:`nnfit._flatnet.terms` takes and gives them.
    batch_of : callable(block) -> (X, y, w)
    metric_names : list
        Filled with the metrics' names when the step is traced.
    pass_value : bool
        Give the optimizer the batch's loss (optax's reduce-on-plateau reads it).
    guard : callable(batch) -> bool scalar, or None
        With a guard the carry is ``(params, opt_state, good)``: a step applies its update only
        while ``good`` and its loss and gradients are finite and ``guard(batch)`` holds (the
        step's numbers, see below); ``good`` turns false for the rest of the epoch at the first
        non-finite step.
    penalties : (l1, l2), arrays (n_layers,) or None
        The objective's penalties, which bound the gradient of a guarded step.

    Returns
    -------
    callable(carry, block) -> (carry, (batch, info))
        ``batch``: the step's loss, penalty, metrics and weight sum as one vector (one write a
        step); ``info``: L-BFGS's :func:`~nnfit.optimizers.lbfgs_info` or None.
    """
    lbfgs = static.optimizer.name == "lbfgs"

    def update(grads, opt_state, params, loss, value_fn):
        # optax mixes its int32 step count with Python floats (bias correction); under a user's
        # strict dtype promotion that raises in float64, so optax runs with standard promotion
        extra = {}
        if lbfgs:  # the line search re-evaluates the batch objective
            extra = dict(value=loss, grad=grads, value_fn=value_fn)
        elif pass_value:
            extra = dict(value=loss)
        with jax.numpy_dtype_promotion("standard"):
            updates, new_opt = tx.update(grads, opt_state, params, **extra)
        return optax.apply_updates(params, updates), new_opt

    def numbers(loss, pen, metrics, w):
        """The batch's numbers as one vector, its weight last: Keras averages batch losses
        weighted by their size."""
        metric_names[:] = list(metrics)
        return jnp.stack([loss, pen, *metrics.values(), jnp.sum(w)]).astype(w.dtype)

    def step(carry, block):
        params, opt_state = carry
        X, y, w = batch_of(block)
        mats = _flatnet.matrices(static, params)
        (loss, (pen, metrics, _)), grads = jax.value_and_grad(objective, has_aux=True)(
            mats, X, y, w)
        grads = _flatnet.gradient(static, grads)
        value_fn = lambda p: objective(_flatnet.matrices(static, p), X, y, w)[0]  # noqa: E731
        new_params, new_opt = update(grads, opt_state, params, loss, value_fn)
        info = lbfgs_info(grads, new_opt) if lbfgs else None
        return (new_params, new_opt), (numbers(loss, pen, metrics, w), info)

    def guarded_step(carry, block):
        params, opt_state, good = carry
        X, y, w = batch_of(block)
        # zero probes on the layers' outputs: their gradients, each layer's output gradient,
        # bound the whole gradient's (_flatnet.gradient_bound) without a pass over it
        probes = [jnp.zeros((X.shape[0], b.shape[-1]), X.dtype) for _, b in params]
        (loss, (pen, metrics, peaks)), (grads, deltas) = jax.value_and_grad(
            objective, argnums=(0, 4), has_aux=True)(_flatnet.matrices(static, params),
                                                      X, y, w, probes)
        bound = _flatnet.gradient_bound(peaks, deltas, pen, *penalties)
        good = jnp.logical_and(good, jnp.isfinite(loss) & jnp.isfinite(bound))
        batch = numbers(loss, pen, metrics, w)
        # a branch, not a select: the taken one updates the parameters and moments in place
        # (a select keeps both versions, and XLA copies the moments every epoch to do so)
        params, opt_state = jax.lax.cond(
            jnp.logical_and(good, guard(batch)),
            lambda: update(_flatnet.gradient(static, grads), opt_state, params, loss, None),
            lambda: (params, opt_state))
        return (params, opt_state, good), (batch, None)

    return step if guard is None else guarded_step
