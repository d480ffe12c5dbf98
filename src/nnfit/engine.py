"""The compiled training loop.

A training run is one XLA program: ``jax.jit`` over a ``lax.fori_loop`` over epochs, each epoch
a ``lax.scan`` over fixed-shape mini-batches (a padded index block and a mask, so the short last
batch weighs exactly its real rows), the validation pass at the end of every epoch, and the
early-stopping and non-finite bookkeeping as data. ``jax.vmap`` runs many members (seeds,
learning rates, penalties of one shape) as one program.

The row counts of the training and validation sets are part of the argument shapes, so the
arrays are padded to a coarse grid of row counts (:mod:`nnfit.buckets`): padded rows weigh 0,
are never drawn into a mini-batch, and the real count is traced (``Data.n_rows``), so fits
whose sets differ by a few rows -- cross-validation folds, early-stopping splits -- share one
program.

The host calls that program for a chunk of epochs at a time, as many as take about a quarter
of a second (the count is an argument of the program, so any count reuses it): between calls it
reports progress, stops when every member has stopped, and catches Ctrl-C, keeping the state of
the last finished call. Compiled programs are cached in-process by their static configuration and
argument shapes, so hundreds of fits of one shape (a grid search) compile once; JAX's persistent
compilation cache lets a new process skip compilation as well (:mod:`nnfit._programs`).

On a small network an epoch's time is the fixed cost of its kernels, not their arithmetic, so
the program keeps their number down: each member's parameters, optimizer moments and best
weights are one vector and its network is a product per layer (:mod:`nnfit._flatnet`), its
scalar state is one vector per dtype, and an epoch's numbers are one row of one record buffer
(:mod:`nnfit._records`).

This module knows nothing of pandas, files or the command line: it returns NumPy arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _flatnet, _programs, _records, _steps
from ._calls import CallPlan, Orders, epoch_flops, seed_key_data
from .buckets import pad_rows
from .optimizers import lbfgs_checks, optimizer
from ._static import Static, plan  # noqa: F401  (the engine's planning, engine.plan)

# mini-batch steps per iteration of the compiled loop over batches: fewer loop iterations
# (each copies its carry and tests its condition) make a small network's step ~5 % faster;
# more bring little and lengthen compilation
BATCH_UNROLL = 2


class TrainingDiverged(FloatingPointError):
    """Raised when a member's loss or parameters become non-finite.

    Attributes
    ----------
    fit : Fit or None
        The run up to the last finite epoch: the last good parameters and their history.
    """

    def __init__(self, message, fit=None):
        super().__init__(message)
        self.fit = fit


class Data(NamedTuple):
    """Arrays shared by every member: training and validation sets and input statistics.

    The sets may be padded past their real rows (see :func:`make_data`); the training rows
    ``n_rows`` (an int32 scalar, traced) come first, and padded rows weigh 0.
    """

    X: Any
    y: Any
    w: Any
    X_val: Any
    y_val: Any
    w_val: Any
    mean: Any
    var: Any
    n_rows: Any


def make_data(X, y, w, X_val, y_val, w_val, mean, var, dtype, *, pad=True):
    """:class:`Data` of ``dtype`` from host arrays, each set padded to its :func:`bucket`.

    Padded rows (:func:`~nnfit.buckets.pad_rows`) weigh 0: every loss and metric is a weighted
    mean or sum, so they change nothing. ``pad=False`` keeps the exact rows (least squares
    counts residuals). ``mean`` and ``var`` come from the real rows.
    """
    def padded(a, weights=False):
        if a is None:
            return None
        return pad_rows(a, dtype, zeros=weights) if pad else np.asarray(a, dtype)

    # host arrays: the compiled program takes them as they are, where jnp.asarray would run a
    # device conversion per array and fit
    as_dtype = lambda a: None if a is None else np.asarray(a, dtype)  # noqa: E731
    return Data(padded(X), padded(y), padded(w, weights=True), padded(X_val), padded(y_val),
                padded(w_val, weights=True), as_dtype(mean), as_dtype(var), np.int32(len(X)))


class Hyper(NamedTuple):
    """Per-member numbers: learning rate (scalar), l1 and l2 (n_layers,), stopping thresholds.

    ``gtol``, ``ftol`` and ``max_evaluations`` are L-BFGS's (see :func:`_lbfgs_checks`); a test
    is off at ``-inf``, ``-inf`` and ``inf``.
    """

    learning_rate: Any
    l1: Any
    l2: Any
    tol: Any
    target: Any
    gtol: Any
    ftol: Any
    max_evaluations: Any  # a float, so that inf means no budget


class TrainState(NamedTuple):
    """One member's training state, carried from epoch to epoch."""

    params: Any
    opt_state: Any
    epoch: Any
    stopped: Any
    reason: Any  # a key of REASONS
    best_params: Any
    best_score: Any
    best_epoch: Any
    wait: Any
    evaluations: Any  # objective-and-gradient evaluations so far (L-BFGS's budget)
    prev_loss: Any  # the last recorded epoch's loss (L-BFGS's relative-decrease test)
    lr_scale: Any  # the learning rate's factor (stepwise 'adaptive': 1, then 1/5, 1/25, ...)


# schedule 'adaptive' with early stopping is scikit-learn's rule: when the patience runs out the
# rate is divided by 5 and training goes on, until the rate is at most this
ADAPTIVE_MIN_RATE = 1e-6

# 0: ran all its epochs (or is still running). 4-6 are L-BFGS's tests, made before a step
REASONS = {0: "completed", 1: "early_stopping", 2: "target_reached", 3: "diverged",
           4: "gradient_below_gtol", 5: "decrease_below_ftol", 6: "max_evaluations"}


def _where(flag, new, old):
    return jax.tree.map(lambda a, b: jnp.where(flag, a, b), new, old)


def _run_epoch(static, data, hyper, n_epochs, state, order):
    """One epoch of one member: every mini-batch, then validation and stopping bookkeeping.

    ``order`` is the epoch's row order, shape (n_batches * batch_size,), padded past the
    ``data.n_rows`` real rows; it is drawn on the host (:class:`~nnfit._calls.Orders`) because
    an on-device sort per member and epoch costs more than the whole forward and backward pass
    of a small network. Positions past the real rows are masked, whatever row they point to.
    """
    net = _flatnet.network(static, data)
    stepwise = static.schedule == "adaptive" and static.early_stopping
    rate = hyper.learning_rate * state.lr_scale if stepwise else hyper.learning_rate
    dtype = data.X.dtype
    blocks, tail, batch_of = _steps.batch_blocks(static, data, order)
    l1 = hyper.l1 if static.l1 else None  # a penalty no member uses is not computed
    l2 = hyper.l2 if static.l2 else None

    def objective(mats, X, y, w, probes=None):
        data_loss, metrics, peaks = _flatnet.terms(static, net, mats, X, y, w, probes)
        pen = _flatnet.penalty(mats, l1, l2)
        return data_loss + pen, (pen, metrics, peaks)

    # A full-batch epoch measures its training loss at its starting parameters: a member that
    # reaches its target there keeps those parameters, the ones the history's last loss
    # describes (seed 002's "stop once the objective is below 2e-5" returns such a model),
    # and the best epoch's weights are those the best loss was measured at
    before_step = static.n_batches == 1 and not static.monitor.startswith("val_")
    metric_names = []  # set when the step is traced

    def before_target(batch):
        """Whether the full batch ``batch`` (its numbers as the step writes them) leaves its
        target unreached, computed as the epoch's record and score compute it."""
        if not before_step:
            return jnp.ones((), bool)
        value = batch[["loss", "penalty", *metric_names].index(static.monitor)]
        value = batch[-1] * value / jnp.maximum(batch[-1], jnp.finfo(dtype).tiny)
        score = -value if static.monitor.endswith("accuracy") else value
        return jnp.logical_not(score < hyper.target)

    guarded = _steps.guarded(static)
    step = _steps.step_function(static, optimizer(static, rate), objective, batch_of,
                                metric_names, guard=before_target if guarded else None,
                                pass_value=static.schedule == "adaptive" and not stepwise,
                                penalties=(l1, l2))

    active = jnp.logical_and(jnp.logical_not(state.stopped), state.epoch < n_epochs)

    def work(params, opt_state):
        """The epoch's steps and its validation pass: new parameters, optimizer state,
        the epoch's record, L-BFGS's info, and whether every step was finite (guarded
        steps; else True). Guarded steps of a member that is not training refuse themselves
        (its record is not kept)."""
        carry = (params, opt_state) + ((active,) if guarded else ())
        carry, (batches, infos) = jax.lax.scan(step, carry, blocks, unroll=BATCH_UNROLL)
        if tail is not None:  # the short last batch at its own size (Static.last_batch)
            carry, (last, _) = step(carry, tail)
            batches = jnp.concatenate([batches, last[None]])
        params, opt_state = carry[:2]
        steps_finite = carry[2] if guarded else jnp.ones((), bool)
        weights = batches[:, -1]
        total = jnp.maximum(jnp.sum(weights), jnp.finfo(dtype).tiny)
        means = jnp.sum(weights[:, None] * batches[:, :-1], axis=0) / total
        record = {k: means[i] for i, k in enumerate(["loss", "penalty", *metric_names])}
        if static.has_validation:
            val_loss, _, val_metrics = _flatnet.evaluate(static, net, params, data.X_val,
                                                         data.y_val, data.w_val, l1, l2)
            record.update(val_loss=val_loss, **{f"val_{k}": v for k, v in val_metrics.items()})
        # L-BFGS is full batch: its one batch's info is the iteration's
        info = None if infos is None else jax.tree.map(lambda a: a[-1], infos)
        return params, opt_state, record, info, steps_finite

    params, opt_state, record, info, steps_finite = work(state.params, state.opt_state)
    # lower is better; accuracy is turned round so that one rule serves every column
    score = -record[static.monitor] if static.monitor.endswith("accuracy") else record[static.monitor]

    halt, halt_reason, cost = lbfgs_checks(hyper, state, info, record["loss"])
    halted = jnp.logical_and(active, halt)  # stops before its step: the epoch is not recorded
    active = jnp.logical_and(active, jnp.logical_not(halt))
    # a guarded epoch's parameters are finite when its steps were (each applied only finite
    # gradients, whose updates are finite short of overflowing the dtype's range): its check
    # is the steps' own, not a pass over every parameter
    finite = jnp.logical_and(steps_finite if guarded else _flatnet.all_finite(params),
                             jnp.isfinite(record["loss"]))
    finite = jnp.logical_and(finite, jnp.isfinite(score))
    diverged = jnp.logical_and(active, jnp.logical_not(finite))
    ok = jnp.logical_and(active, finite)  # the epoch counts and its parameters are kept

    improved = score < state.best_score - hyper.tol
    wait = jnp.where(improved, 0, state.wait + 1)
    patience_out = jnp.logical_and(static.early_stopping, wait >= static.patience)
    lr_scale = state.lr_scale
    if stepwise:  # scikit-learn's 'adaptive': a smaller rate instead of a stop, while one is left
        reduce = jnp.logical_and(patience_out, rate > ADAPTIVE_MIN_RATE)
        patience_out = jnp.logical_and(patience_out, jnp.logical_not(reduce))
        wait = jnp.where(reduce, 0, wait)
        lr_scale = jnp.where(jnp.logical_and(ok, reduce), lr_scale / 5, lr_scale)
    target_hit = score < hyper.target
    reason = jnp.where(target_hit, 2, jnp.where(patience_out, 1, 0))
    stop_now = jnp.logical_or(jnp.logical_or(diverged, halted), jnp.logical_and(ok, reason > 0))
    better = jnp.logical_and(ok, score < state.best_score)
    stepped = jnp.logical_and(ok, jnp.logical_not(jnp.logical_and(before_step, target_hit)))
    choose = _flatnet.choose if _flatnet.gated(static) else _where
    # guarded steps have already kept or refused themselves (a refused epoch is not ok)
    kept, kept_opt = (params, opt_state) if guarded else choose(
        stepped, (params, opt_state), (state.params, state.opt_state))
    new_state = TrainState(
        params=kept,
        opt_state=kept_opt,
        epoch=state.epoch + ok.astype(state.epoch.dtype),
        stopped=jnp.logical_or(state.stopped, stop_now),
        reason=jnp.where(diverged, 3, jnp.where(halted, halt_reason, jnp.where(
            jnp.logical_and(ok, reason > 0), reason, state.reason))),
        # without restore_best nothing reads the best weights: no select over them every epoch
        best_params=(choose(better, state.params if before_step else params,
                            state.best_params) if static.track_best else state.best_params),
        best_score=jnp.where(better, score, state.best_score),
        best_epoch=jnp.where(better, state.epoch, state.best_epoch),
        wait=jnp.where(ok, wait, state.wait),
        evaluations=state.evaluations + jnp.where(ok, cost, jnp.zeros_like(cost)),
        prev_loss=jnp.where(ok, record["loss"], state.prev_loss),
        lr_scale=lr_scale,
    )
    if info is not None:
        record.update(grad_max_abs=info["grad_max_abs"], evaluations=new_state.evaluations)
    record["recorded"] = ok
    return new_state, record


def _run_chunk(static, state, data, hyper, n_epochs, count, orders):
    """``count`` epochs (at most ``static.chunk``) of every member, vmapped over members.

    ``count`` is traced, so one compiled program serves calls of any length: the host sizes
    each call to its measured speed and nothing is computed past the last epoch. ``orders``:
    (n_members, chunk, n_batches * batch_size) row orders, or None (no shuffle). Returns the
    new state and the records, an (n_members, chunk, n_columns) array of which the first
    ``count`` rows are set; the columns are ``_records.record_names(static)`` (integers and flags as
    the training dtype: exact, for counts below 2**24).
    """
    def member(state, hyper, orders):
        def epoch(s, i):
            s, record = _run_epoch(static, data, hyper, n_epochs, s,
                                   None if orders is None else orders[i])
            # every column in one row of one buffer, in the order the host reads them: one
            # write an epoch
            names = _records.record_names(static)
            assert set(record) == set(names), (tuple(record), names)
            return s, jnp.stack([jnp.asarray(record[k]).astype(data.X.dtype) for k in names])

        width = jax.eval_shape(lambda s: epoch(s, 0)[1], state).shape[0]
        records = jnp.zeros((static.chunk, width), data.X.dtype)

        def body(i, carry):
            s, records = carry
            s, row = epoch(_unpack_scalars(state, s), i)
            return _pack_scalars(s), records.at[i].set(row)

        s, records = jax.lax.fori_loop(0, count, body, (_pack_scalars(state), records))
        return _unpack_scalars(state, s), records

    net = _flatnet.network(static, data)
    augmented = _flatnet.augmented(static)
    data = data._replace(X=_flatnet.inputs(net, data.X, augmented),
                         X_val=_flatnet.inputs(net, data.X_val, augmented))
    return _flatnet.for_members(static, member, state, hyper, orders)


# the scalar fields of TrainState, carried from epoch to epoch as one vector per dtype: their
# updates are then one kernel each, not one per field
_SCALARS = ("epoch", "stopped", "reason", "best_epoch", "wait", "evaluations")
_FLOAT_SCALARS = ("best_score", "prev_loss", "lr_scale")


def _pack_scalars(state):
    ints = jnp.stack([getattr(state, k).astype(jnp.int32) for k in _SCALARS])
    floats = jnp.stack([getattr(state, k) for k in _FLOAT_SCALARS])
    return state._replace(**{k: None for k in _SCALARS + _FLOAT_SCALARS}), ints, floats


def _unpack_scalars(like, packed):
    state, ints, floats = packed
    values = {k: ints[i].astype(getattr(like, k).dtype) for i, k in enumerate(_SCALARS)}
    values.update({k: floats[i] for i, k in enumerate(_FLOAT_SCALARS)})
    return state._replace(**values)


def _init_state(static, data, hyper, keys, start):
    """Initial parameters and optimizer state of every member, from its key or ``start``.

    ``keys`` is (n_members, 2) raw threefry key data (:func:`seed_key_data`) or, under
    another PRNG implementation, an array of typed keys.
    """
    net = _flatnet.network(static, data)
    dtype = data.X.dtype

    def member(key, hyper, start):
        if not jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
            key = jax.random.wrap_key_data(key, impl="threefry2x32")
        params = _flatnet.pack(static, net.init(key, dtype) if start is None else start)
        opt_state = optimizer(static, hyper.learning_rate).init(params)
        return TrainState(params, opt_state, jnp.zeros((), jnp.int32),
                          jnp.zeros((), bool), jnp.zeros((), jnp.int32), params,
                          jnp.full((), jnp.inf, dtype), jnp.full((), -1, jnp.int32),
                          jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32),
                          jnp.full((), jnp.nan, dtype), jnp.ones((), dtype))

    return jax.vmap(member)(keys, hyper, start)


@dataclass
class EngineResult:
    """What a training run produced, as host (NumPy) arrays with a leading member axis."""

    params: list
    best_params: list
    records: dict  # name -> (n_members, n_epochs_run) arrays; NaN where a member had stopped
    epochs_run: np.ndarray  # (n_members,)
    best_epoch: np.ndarray
    best_score: np.ndarray
    reasons: list
    interrupted: bool
    timings: dict
    state: Any = None  # the final TrainState, on the device (optimizer state included)


def train(static, data, hyper, seeds, n_epochs, *, init_params=None, init_state=None,
          restore_best=False, on_chunk=None, fixed=None):
    """Run the compiled training program in chunks of epochs.

    Parameters
    ----------
    static : Static
    data : Data
        Arrays of one float dtype (the training dtype); ``y`` is (n, n_outputs), ``w`` (n,).
    hyper : Hyper
        Per-member arrays with a leading member axis.
    seeds : list of int
        One per member: its initial weights come from ``jax.random.key(seed)`` and its
        shuffling from ``numpy.random.default_rng([seed, 1])``.
    n_epochs : int
    init_params : list of (W, b) with a leading member axis, optional
        Start from these parameters instead of drawing them (warm start).
    init_state : TrainState, optional
        Go on from this state (a previous run's ``EngineResult.state``, its ``epoch``,
        ``stopped``, ``reason`` and ``wait`` cleared by the caller as it wants): parameters,
        optimizer state and best epoch carry over. Overrides ``init_params``.
    restore_best : bool
        Return the parameters of the best monitored epoch instead of the last.
    on_chunk : callable(epochs_done: int, records: dict) or None
        Called after every compiled call (progress bars); raising KeyboardInterrupt stops
        cleanly.
    fixed : int or None
        Run exactly this many epochs a call (at most ``static.chunk``) instead of sizing calls
        to about ``CALL_SECONDS`` by their measured speed.

    Returns
    -------
    EngineResult
    """
    start = time.perf_counter()
    keys = (seed_key_data(seeds) if jax.config.jax_default_prng_impl == "threefry2x32"
            else jnp.stack([jax.random.key(s) for s in seeds]))
    if init_state is None:
        init, init_s = _programs.compiled("init", _init_state, static, data, hyper, keys,
                                          init_params)
        state = init(data, hyper, keys, init_params)
    else:  # a caller may give the parameters as flat vectors, whatever the program's layout
        state, init_s = init_state._replace(
            params=_flatnet.from_flat(static, init_state.params),
            best_params=_flatnet.from_flat(static, init_state.best_params)), 0.0
    # A wide network's program takes its state's buffers for the new state (donation): without,
    # every call copies the parameters and moments in and writes them to new memory, a fixed
    # cost of tens of milliseconds a call at 4M parameters. The caller's state stays its own.
    donate = (0,) if _flatnet.gated(static) else ()
    if donate and init_state is not None:
        state = jax.tree.map(lambda a: jnp.array(a, copy=True), state)
    epochs = np.int32(n_epochs)
    orders = Orders(seeds, int(data.n_rows), static) if static.shuffle else None
    calls = CallPlan(static, n_epochs, epoch_flops(static, data, len(seeds)), fixed,
                     n_members=len(seeds))
    count = calls.next(0)
    block = None if orders is None else orders.take(count)
    runner, compile_s = _programs.compiled("chunk", _run_chunk, static, state, data, hyper,
                                           epochs, np.int32(count), block, donate=donate)
    chunks, interrupted, done, host, in_flight = [], False, 0, None, None
    train_start = time.perf_counter()
    try:
        while done < n_epochs:
            called = time.perf_counter()
            new_state, records = runner(state, data, hyper, epochs, np.int32(count), block)
            in_flight = (new_state, records, count) if donate else None
            if orders is not None:  # drawn while the device trains: the call is asynchronous
                orders.draw(calls.next(done + count))
            # the last call brings the final state back with its records: one transfer
            final = new_state._replace(opt_state=None) if done + count >= n_epochs else None
            packed, stopped, host = jax.device_get((records, new_state.stopped, final))
            records = _records.unpack(static, packed)
            state, in_flight = new_state, None  # an interrupt before keeps the previous state
            chunks.append({k: v[:, :count] for k, v in records.items()})
            done += count
            calls.timed(count, time.perf_counter() - called)
            if on_chunk is not None:
                on_chunk(done, chunks[-1])
            if bool(np.all(stopped)):
                break
            count = calls.next(done)
            block = None if orders is None else orders.take(count)
    except KeyboardInterrupt:
        interrupted = True
        if in_flight is not None:  # the call took the previous state: its own is the last one
            state, records, count = in_flight
            records = _records.unpack(static, jax.device_get(records))
            chunks.append({k: v[:, :count] for k, v in records.items()})
            host = None
    jax.block_until_ready(state)
    train_s = time.perf_counter() - train_start

    if host is None or interrupted:  # stopped before the last planned call, or interrupted
        host = jax.device_get(state._replace(opt_state=None))  # the optimizer's state stays
    records = _records.stack(chunks)
    final = host.best_params if restore_best else host.params  # a leading member axis
    if restore_best:  # a member that never improved (diverged at once) keeps its last params
        never = host.best_epoch < 0
        final = jax.tree.map(lambda p, b: np.where(never.reshape((-1,) + (1,) * (p.ndim - 1)),
                                                   p, b), host.params, host.best_params)
    return EngineResult(
        params=_flatnet.unflatten(static, final),
        best_params=_flatnet.unflatten(static, host.best_params), records=records,
        epochs_run=np.asarray(host.epoch), best_epoch=np.asarray(host.best_epoch),
        best_score=np.asarray(host.best_score),
        reasons=["interrupted" if interrupted and not s else REASONS[int(r)]
                 for s, r in zip(host.stopped, host.reason)],
        interrupted=interrupted,
        timings={"compile_s": init_s + compile_s, "train_s": train_s,
                 "engine_s": time.perf_counter() - start},
        state=state,
    )
