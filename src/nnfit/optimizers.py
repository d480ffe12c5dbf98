"""The optax optimizer and learning-rate schedule that a training configuration names.

Built inside the compiled program from the static configuration (``engine.Static``) and the
traced base learning rate, so members with different rates share one program; and L-BFGS's
stopping tests (scipy's), which read its line search's state.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax


def schedule(static, lr):
    """The learning-rate schedule as optax wants it, from the traced base rate ``lr``."""
    opts = dict(static.schedule_options)
    if callable(static.schedule):
        return static.schedule
    if static.schedule in ("constant", "adaptive"):  # adaptive: see optimizer
        return lr
    if static.schedule == "invscaling":  # scikit-learn's lr / t ** power_t, t counted in epochs
        steps = static.n_batches
        return lambda count: lr / (1.0 + count // steps) ** opts.get("power_t", 0.5)
    if static.schedule == "exponential":
        return optax.exponential_decay(lr, static.n_batches, opts.get("decay_rate", 0.96))
    return optax.cosine_decay_schedule(lr, max(1, opts["total_steps"]))


def optimizer(static, lr):
    """The optax GradientTransformation of ``static.optimizer`` (an :mod:`nnfit.optim` value).

    With ``schedule="adaptive"`` it is followed by optax's reduce-on-plateau, which divides the
    step by 5 when the epoch's mean loss has not improved by ``tol`` for ``patience`` epochs;
    the engine passes it the loss of every batch. With early stopping as well, the engine
    applies scikit-learn's rule itself (it divides ``lr`` by 5 where it would stop) and the
    transformation is the optimizer's alone.
    """
    base = static.optimizer.transformation(schedule(static, lr))
    if static.schedule != "adaptive" or static.early_stopping:
        return base
    opts = dict(static.schedule_options)
    return optax.chain(base, optax.contrib.reduce_on_plateau(
        # optax wants a positive tolerance; a tiny one means "any decrease is progress"
        factor=0.2, patience=static.patience, rtol=0.0, atol=max(opts.get("tol", 1e-4), 1e-12),
        accumulation_size=static.n_batches))


def lbfgs_info(grads, opt_state):
    """What L-BFGS's stopping tests need from one iteration: the largest absolute gradient
    component at its starting parameters, and how many points its line search tried.

    optax 0.2.8's zoom line search counts in ``info.num_linesearch_steps`` the calls of its
    step function, each of which evaluates the objective and its gradient once at a new trial
    step (``_value_and_slope_on_line``); a search that fails falls back to its best point
    without evaluating again. It makes at most 20 (``optax.lbfgs``'s ``max_linesearch_steps``).
    """
    leaves = jax.tree.leaves(grads)
    grad_max = jnp.max(jnp.stack([jnp.max(jnp.abs(g)) for g in leaves]))
    steps = optax.tree.get(opt_state, "num_linesearch_steps")
    return {"grad_max_abs": grad_max, "linesearch_steps": steps}


def lbfgs_checks(hyper, state, info, loss):
    """scipy's L-BFGS-B stopping tests, made before an iteration takes its step.

    An iteration is not started when the member has made ``max_evaluations`` evaluations; it
    stops without stepping when the largest absolute gradient component at its parameters is
    ``<= gtol``, or when the relative decrease of the objective over the previous iteration,
    ``(f_prev - f) / max(|f_prev|, |f|, 1)``, is ``<= ftol`` (scipy's two tests). An
    iteration costs ``1 + linesearch_steps`` evaluations: the engine evaluates the objective
    and gradient at the iteration's start, then the line search at its trial steps (scipy
    reuses the line search's last evaluation, so its count is one fewer per iteration after
    the first).

    ``loss`` is the epoch's recorded loss (at its starting parameters). Returns (halt, reason,
    cost): whether to stop before the step, the key of ``engine.REASONS``, and the evaluations the
    iteration makes if it is taken.
    """
    if info is None:  # not L-BFGS
        no = jnp.zeros((), bool)
        return no, jnp.zeros((), state.reason.dtype), jnp.zeros((), state.evaluations.dtype)
    prev = state.prev_loss  # NaN before the first iteration: the test is false
    budget_spent = state.evaluations.astype(hyper.max_evaluations.dtype) >= hyper.max_evaluations
    small_gradient = info["grad_max_abs"] <= hyper.gtol
    scale = jnp.maximum(jnp.maximum(jnp.abs(prev), jnp.abs(loss)), 1.0)
    small_decrease = (prev - loss) / scale <= hyper.ftol
    # scipy checks its budget first: a member out of evaluations is not "converged"
    reason = jnp.where(budget_spent, 6, jnp.where(small_gradient, 4, jnp.where(small_decrease, 5, 0)))
    reason = reason.astype(state.reason.dtype)
    cost = (1 + info["linesearch_steps"]).astype(state.evaluations.dtype)
    return reason > 0, reason, cost
