"""Levenberg-Marquardt compiled whole: optimistix's solver, every member at once.

``optimistix.LevenbergMarquardt`` takes the steps -- a damped Gauss-Newton step solved by QR
of ``[J; sqrt(lambda) I]`` (``lineax.QR``), the damping ``lambda`` set by a trust-region
update (``optimistix.ClassicalTrustRegion``, with MINPACK's thresholds: see
:data:`ACCEPT_ABOVE`) -- on nnfit's residuals (:mod:`nnfit.least_squares`: ``0.5 * |r|^2`` is
the training loss). The steps of every member run in one XLA program, ``jax.vmap`` over
members of a ``lax.while_loop`` over steps, called for a chunk of steps at a time (at most
:data:`CAPACITY`, sized to about :data:`CALL_SECONDS` each) so that progress is reported and
Ctrl-C stops between calls. It replaces ``scipy.optimize.least_squares(method='lm')``, whose
Python loop made one dispatch per evaluation: on seed 002's 1-3-1 tanh network, 8 starts of
1000 evaluations took 1.9 s in scipy with the exact JAX Jacobian, about 0.1 s here after
compiling (``benchmarks/LEAST_SQUARES.md``). Members are bit-for-bit the runs they would be
alone.

nnfit drives the solver's ``init`` and ``step`` itself (optimistix's documented interface)
rather than calling ``optimistix.least_squares``, whose loop returns only the end point:
the loop here also keeps a history row per accepted step, applies scipy's stopping tests and
stops between chunks.

What scipy reported, and how it maps here:

- one step evaluates the residuals once (and linearises them there), so ``epochs`` is scipy's
  ``max_nfev`` exactly and ``nfev`` is the steps taken; ``njev`` counts the accepted points,
  whose Jacobians the following steps use (MINPACK's count);
- ``cost`` is ``0.5 * |r|^2`` and ``optimality`` ``max |J^T r|``, at the last accepted point;
- the stopping tests are scipy's, evaluated on optimistix's iterates in the form scipy
  documents for ``trf`` (MINPACK's ``lm`` states two of them in its own scaled variables,
  which optimistix does not have): ``ftol`` -- an accepted step lowered the cost by less than
  ``ftol * cost`` while the linear model's prediction was good (ratio > 0.25); ``xtol`` -- the
  step tried was shorter than ``xtol * (xtol + |x|)``; ``gtol`` -- ``max |J^T r| < gtol`` at
  an accepted point. ``status`` and ``message`` are scipy's (0: evaluations spent, 1 gtol,
  2 ftol, 3 xtol, 4 ftol and xtol). optimistix's own test (``rtol``, ``atol``: both the step
  and *every residual's* change below ``atol + rtol * |value|``) has no gradient test, never
  holds for a residual that is exactly zero unless ``atol`` > 0 (in the residuals' units),
  and is not what nnfit's ``ftol``/``xtol`` mean, so it is switched off (``rtol = atol = 0``).

What differs from scipy's MINPACK: the damping is ``1 / step size`` and never reaches zero,
where MINPACK takes the plain Gauss-Newton step once it fits in the trust region. On a linear
problem MINPACK lands on the closed form in one step; here the default ``ftol`` stops about a
relative 1e-6 short of it (``ftol=1e-10`` about 1e-9). A member whose solver reports a
failure (optimistix's ``RESULTS``) stops with that message and is reported as diverged.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .mlp import MLP

CAPACITY = 256  # steps per compiled call at most: one program serves every budget
FIRST_CALL = 16  # steps of the first call, which times a step for sizing the next ones
CALL_SECONDS = 0.25  # the time a call aims at, as the engine's
# the trust-region update of the damping, MINPACK's (scipy's 'lm') rather than optimistix's
# defaults (accept above 0.01, grow by 3.5 above 0.99): accept a step whose actual reduction is
# at least 1e-4 of the predicted one, and double the step size (halve the damping) above 0.75.
# Seed 002, 16 starts, median MSE after 100 and 200 evaluations: 8.5e-6 and 7.1e-7 with these,
# 2.8e-5 and 2.5e-6 with optimistix's defaults (scipy's lm: 1.4e-6, 7.5e-7); after 1000 all
# three reach 5.5e-7.
ACCEPT_ABOVE, GROW_ABOVE, GROW_BY, SHRINK_BY = 1e-4, 0.75, 2.0, 0.25

RUNNING = -2  # a member still stepping (not one of scipy's statuses)
FAILED = -3  # optimistix reported a failure
# scipy.optimize.least_squares' messages, word for word
MESSAGES = {
    0: "The maximum number of function evaluations is exceeded.",
    1: "`gtol` termination condition is satisfied.",
    2: "`ftol` termination condition is satisfied.",
    3: "`xtol` termination condition is satisfied.",
    4: "Both `ftol` and `xtol` termination conditions are satisfied.",
}


@dataclass(frozen=True)
class Plan:
    """What shapes the compiled program (hashable): the network and the residuals' layout.

    The tolerances are arguments, not part of it: every setting of them runs one program.
    """

    spec: MLP
    n_inputs: int
    n_outputs: int
    n_data: int  # residuals from the data: rows * outputs (the penalty's follow)
    penalised: bool  # some member has an l2 penalty: its rows are part of the residuals
    has_validation: bool
    capacity: int = CAPACITY

    @property
    def sizes(self):
        return (self.n_inputs, *self.spec.hidden, self.n_outputs)

    @property
    def columns(self):
        names = ["loss", "penalty", "mae", "mse"]
        if self.has_validation:
            names += ["val_loss", "val_mse", "val_mae"]
        return names

    def network(self, shared):
        from .mlp import Network

        return Network(self.spec, self.n_inputs, self.n_outputs, shared.mean, shared.var)


class Shared(NamedTuple):
    """Arrays every member shares: the data, its residual weights and input statistics."""

    X: Any
    y: Any
    sw: Any  # (n,): sqrt(c * w), so that 0.5 * |r|^2 is the training loss
    mean: Any
    var: Any
    X_val: Any
    y_val: Any
    w_val: Any
    val_factor: Any  # val_loss = val_mse * val_factor + penalty


class Carry(NamedTuple):
    """One member's solve between calls (a leading member axis on the host side)."""

    y: Any  # the last accepted parameters
    state: Any  # optimistix's state, its arrays only
    status: Any  # RUNNING, FAILED, or scipy's status
    failure: Any  # optimistix's RESULTS index when FAILED
    cost: Any  # 0.5 * |r|^2 at y
    optimality: Any  # max |J^T r| at y


def _residual_fn(plan):
    """``fn(flat, (shared, l2_sqrt)) -> (residuals, None)``, optimistix's calling convention."""
    import jax.numpy as jnp

    from .mlp import unflatten_params

    def fn(flat, args):
        shared, l2_sqrt = args
        params = unflatten_params(flat, plan.sizes)
        r = ((plan.network(shared).apply(params, shared.X) - shared.y)
             * shared.sw[:, None]).ravel()
        if plan.penalised:  # no member penalised: no penalty rows in the Jacobian
            r = jnp.concatenate([r, *[(l2_sqrt[i] * W).ravel() for i, (W, _) in enumerate(params)]])
        return r, None

    return fn


def _solver(plan):
    """optimistix's Levenberg-Marquardt with MINPACK's trust-region thresholds (see module)."""
    import equinox as eqx
    import optimistix as optx

    # rtol = atol = 0: optimistix's own test never holds; scipy's tests stop the loop
    solver = optx.LevenbergMarquardt(rtol=0.0, atol=0.0)
    search = optx.ClassicalTrustRegion(high_cutoff=GROW_ABOVE, low_cutoff=ACCEPT_ABOVE,
                                       high_constant=GROW_BY, low_constant=SHRINK_BY)
    return eqx.tree_at(lambda s: s.search, solver, search)


def _setup(plan, y, args):
    import jax

    fn = _residual_fn(plan)
    solver = _solver(plan)
    f_struct = jax.eval_shape(lambda: fn(y, args)[0])
    state = solver.init(fn, y, args, {}, f_struct, None, frozenset())
    return fn, solver, state


def _init(plan, y0, shared, l2_sqrt):
    """Every member's starting carry (vmapped over ``y0`` and ``l2_sqrt``)."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    def member(y, l2):
        _, _, state = _setup(plan, y, (shared, l2))
        return Carry(y, eqx.filter(state, eqx.is_array), jnp.int32(RUNNING), jnp.int32(0),
                     jnp.zeros((), y.dtype), jnp.zeros((), y.dtype))

    return jax.vmap(member)(y0, l2_sqrt)


def _steps(plan, carry, shared, l2_sqrt, tolerances, count):
    """At most ``count`` more steps of every running member; ``tolerances``: ftol, xtol, gtol.

    Returns the new carry, the history rows (n_members, capacity, n_columns) and which of
    them are accepted steps (n_members, capacity).
    """
    import jax
    import jax.numpy as jnp
    from jax import lax

    # the loop over steps is outside the vmap over members: under a vmapped while_loop every
    # step would select each member's whole history buffer; here a step writes one row each
    def body(loop):
        i, c, rows, accepted_rows = loop
        new, row, accepted = jax.vmap(functools.partial(_step, plan, shared, tolerances))(
            c, l2_sqrt)
        running = c.status == RUNNING
        c = jax.tree.map(lambda a, b: jnp.where(running.reshape((-1,) + (1,) * (a.ndim - 1)),
                                                a, b), new, c)
        rows = rows.at[:, i].set(row)
        accepted_rows = accepted_rows.at[:, i].set(accepted & running)
        return i + 1, c, rows, accepted_rows

    def more(loop):
        i, c, _, _ = loop
        return (i < count) & jnp.any(c.status == RUNNING)

    n, dtype = carry.y.shape[0], carry.y.dtype
    rows = jnp.full((n, plan.capacity, len(plan.columns)), jnp.nan, dtype)
    accepted_rows = jnp.zeros((n, plan.capacity), bool)
    _, carry, rows, accepted_rows = lax.while_loop(more, body, (jnp.int32(0), carry, rows,
                                                                 accepted_rows))
    return carry, rows, accepted_rows


def _step(plan, shared, tolerances, c, l2):
    """One member's step: optimistix's, then scipy's tests and the history row of the point."""
    import equinox as eqx
    import jax.numpy as jnp

    ftol_, xtol_, gtol_ = tolerances
    args = (shared, l2)
    fn, solver, init_state = _setup(plan, c.y, args)
    state = eqx.combine(c.state, eqx.filter(init_state, eqx.is_array, inverse=True))
    old = state.f_info
    step = state.y_eval - c.y  # the trial step this call evaluates
    y, new, _ = solver.step(fn, c.y, args, {}, state, frozenset())
    accepted = new.num_accepted_steps > state.num_accepted_steps
    first = state.first_step  # evaluates the start: no step to test
    r = new.f_info.residual
    cost_old, cost = 0.5 * jnp.sum(old.residual ** 2), 0.5 * jnp.sum(r ** 2)
    # scipy's ftol test needs the linear model's predicted reduction (ratio > 0.25)
    predicted = cost_old - 0.5 * jnp.sum((old.jac.mv(step) + old.residual) ** 2)
    actual = cost_old - cost
    ratio = jnp.where(predicted > 0, actual / jnp.where(predicted > 0, predicted, 1),
                      jnp.where((predicted == 0) & (actual == 0), 1.0, 0.0))
    ftol = ~first & accepted & (actual < ftol_ * cost_old) & (ratio > 0.25)
    xtol = ~first & (jnp.linalg.norm(step) < xtol_ * (xtol_ + jnp.linalg.norm(c.y)))
    gradient = jnp.max(jnp.abs(new.f_info.jac.transpose().mv(r)))
    gtol = accepted & (gradient < gtol_)
    failed = new.result._value != 0  # RESULTS.successful
    status = jnp.select([failed, ftol & xtol, ftol, xtol, gtol], [FAILED, 4, 2, 3, 1],
                        RUNNING).astype(jnp.int32)
    c = Carry(y, eqx.filter(new, eqx.is_array), status, new.result._value.astype(jnp.int32),
              jnp.where(accepted, cost, c.cost), jnp.where(accepted, gradient, c.optimality))
    return c, _row(plan, shared, y, r), accepted


def _row(plan, shared, y, r):
    """The history row of the point ``y`` with residuals ``r`` (:attr:`Plan.columns`)."""
    import jax.numpy as jnp

    from . import objectives
    from .mlp import unflatten_params

    k, data = plan.n_outputs, r[:plan.n_data]
    total_w = jnp.sum(shared.sw ** 2) * k  # c * sum(w) per output, every output: mse's divisor
    pen = 0.5 * jnp.sum(r[plan.n_data:] ** 2)
    values = [0.5 * jnp.sum(r ** 2), pen,
              jnp.sum(jnp.abs(data) * jnp.repeat(shared.sw, k)) / total_w,
              jnp.sum(data ** 2) / total_w]
    if plan.has_validation:
        pred = plan.network(shared).apply(unflatten_params(y, plan.sizes), shared.X_val)
        val = objectives.regression_metrics(shared.y_val, pred, shared.w_val)
        values += [val["mse"] * shared.val_factor + pen, val["mse"], val["mae"]]
    return jnp.stack([jnp.asarray(v, y.dtype) for v in values])


def solve(static, data, hyper, starts, n_epochs, *, scale, on_chunk=None):
    """Solve every member from ``starts`` with at most ``n_epochs`` evaluations each.

    Parameters
    ----------
    static : Static
    data : Data
        Exact rows (no padding): every row is a residual.
    hyper : Hyper
        ``l2`` per member, shape (n_members, n_layers).
    starts : ndarray of shape (n_members, n_params)
    n_epochs : int
        scipy's ``max_nfev``: the steps each member may take.
    scale : float
        ``c`` of the residuals ``sqrt(c * w) * (f(x) - y)``: ``2 / sum(w)`` per output for
        ``mse``, 1 for ``sse``.
    on_chunk : callable(steps_done: int, records: dict) or None
        Called after every compiled call with ``{"loss": (n_members, 1)}``; raising
        KeyboardInterrupt stops, keeping every member's last accepted point.

    Returns
    -------
    members : list of dict
        Per member: ``params`` (flat, host), ``records`` (column -> one value per accepted
        step), ``info`` (scipy's fields), ``interrupted``, ``finite``.
    timings : dict
        ``compile_s`` and ``train_s``.
    """
    import jax

    from . import _programs

    dtype = starts.dtype
    k = static.n_outputs
    has_val = static.has_validation
    val_factor = 1.0
    if has_val and static.loss == "sse":  # half the weighted sum, from the weighted mean
        val_factor = 0.5 * float(np.sum(np.asarray(data.w_val, np.float64))) * k
    cast = lambda a: None if a is None else np.asarray(a, dtype)  # noqa: E731
    shared = Shared(cast(data.X), cast(data.y), cast(np.sqrt(np.asarray(data.w) * scale)),
                    cast(data.mean), cast(data.var), cast(data.X_val) if has_val else None,
                    cast(data.y_val) if has_val else None, cast(data.w_val) if has_val else None,
                    np.asarray(val_factor, dtype))
    l2_sqrt = np.sqrt(2.0 * np.asarray(hyper.l2, dtype)).astype(dtype)
    plan = Plan(static.spec, static.n_inputs, k, int(data.X.shape[0]) * k, bool(static.l2),
                has_val)
    opt = static.optimizer
    tolerances = np.array([opt.ftol, opt.xtol, opt.gtol], dtype)
    init, init_s = _programs.compiled("lm_init", _init, plan, starts, shared, l2_sqrt)
    carry = init(starts, shared, l2_sqrt)
    run, run_s = _programs.compiled("lm_steps", _steps, plan, carry, shared, l2_sqrt,
                                    tolerances, np.int32(1))
    history = [[] for _ in range(len(starts))]
    done, count, interrupted = 0, min(FIRST_CALL, plan.capacity), False
    began = time.perf_counter()
    try:
        while done < n_epochs:
            count = min(count, n_epochs - done)
            called = time.perf_counter()
            new, rows, accepted = run(carry, shared, l2_sqrt, tolerances, np.int32(count))
            rows, accepted, status, cost = jax.device_get((rows, accepted, new.status, new.cost))
            carry = new  # only now: an interrupt during the call keeps the last finished one
            for m in range(len(starts)):
                history[m].append(rows[m][accepted[m]])
            done += count
            if on_chunk is not None:
                on_chunk(done, {"loss": np.asarray(cost, np.float64)[:, None]})
            if not np.any(status == RUNNING):
                break
            per_step = (time.perf_counter() - called) / count
            count = int(np.clip(CALL_SECONDS / max(per_step, 1e-9), 1, plan.capacity))
    except KeyboardInterrupt:
        interrupted = True
    final = jax.device_get(carry)
    train_s = time.perf_counter() - began
    return _members(plan, final, history, interrupted), {"compile_s": init_s + run_s,
                                                         "train_s": train_s}


def _members(plan, final, history, interrupted):
    """Each member's parameters, history and scipy-style report from the final carry."""
    import optimistix as optx

    members = []
    for m, rows in enumerate(history):
        rows = np.concatenate(rows) if rows else np.zeros((0, len(plan.columns)))
        status = int(final.status[m])
        stopped = interrupted and status == RUNNING
        if status == RUNNING and not interrupted:
            status = 0  # ran its whole budget of evaluations
        y = np.asarray(final.y[m])
        cost = float(final.cost[m])
        finite = bool(np.all(np.isfinite(y)) and np.isfinite(cost)) and status != FAILED
        nfev = int(final.state.num_steps[m])
        njev = int(final.state.num_accepted_steps[m])
        if stopped:
            info = {"cost": cost, "status": None, "message": "interrupted", "success": False,
                    "nfev": nfev, "njev": njev, "optimality": float(final.optimality[m])}
        else:
            message = (MESSAGES[status] if status in MESSAGES else
                       f"optimistix: {optx.RESULTS._index_to_message[int(final.failure[m])]}")
            info = {"cost": cost, "status": status if status in MESSAGES else -1,
                    "message": message, "nfev": nfev, "njev": njev,
                    "optimality": float(final.optimality[m]), "success": status > 0}
        members.append({"params": y, "records": {name: rows[:, j].astype(np.float64)
                                                 for j, name in enumerate(plan.columns)},
                        "info": info, "interrupted": stopped, "finite": finite})
    return members
