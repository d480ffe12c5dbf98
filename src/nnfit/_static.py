"""The static configuration of a training program, planned from the options and the data.

Everything that shapes the compiled program -- the network's spec and sizes, the loss, the
optimizer value, the schedule, the batch layout, what is recorded and watched -- is one frozen,
hashable :class:`Static`: a new value compiles a new program, an equal one reuses it.
:func:`plan` derives it from a run's :class:`~nnfit.options.FitOptions` and its data, so the
engine, not its callers, decides how a run is laid out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .mlp import MLP
from .optim import Optimizer

# networks of at least this many parameters keep them as a tuple of per-layer (W, b) pairs,
# smaller ones as one vector (nnfit._flatnet): below, an epoch's time is its kernels' fixed
# cost and one vector has the fewest kernels; above, it is memory traffic, and the vector's
# per-step copies of every layer in and out of it cost more than the extra kernels
LAYERS_FROM = 1 << 16


def layout(n_parameters):
    """The program's parameter layout for a network of ``n_parameters``: 'flat' or 'layers'."""
    return "layers" if n_parameters >= LAYERS_FROM else "flat"


@dataclass(frozen=True)
class Static:
    """Everything that shapes the compiled program (hashable; a new value compiles anew)."""

    spec: MLP
    n_inputs: int
    n_outputs: int
    loss: str
    task: str
    optimizer: Optimizer  # a frozen value (nnfit.optim): equal settings, one program
    schedule: str | Callable
    schedule_options: tuple
    batch_size: int
    n_batches: int
    shuffle: bool
    chunk: int
    has_validation: bool
    early_stopping: bool
    patience: int
    monitor: str = "loss"  # the history column that early stopping and "best" watch
    track_best: bool = True  # keep the best epoch's weights (for restore_best)
    l1: bool = True  # some member has an l1 penalty: without, none is computed
    l2: bool = True
    metrics: tuple | None = None  # recorded each epoch; None: all of the task's
    layout: str = "flat"  # the parameters as one vector or as (W, b) per layer (nnfit._flatnet)
    last_batch: int = 0  # >0: the last mini-batch is this many rows exactly, not padded and masked
    ensemble: bool = False  # several members in one program (nnfit._featuremajor.dense_members)


def plan(options, network, *, loss, task, metrics, monitor, n_train, n_members, has_validation,
         uses_l1, uses_l2):
    """The program's static configuration for a run of ``options`` on ``n_train`` rows.

    Parameters
    ----------
    options : FitOptions
    network : Network
    loss, task, monitor : str
        Resolved from the options and the data by the caller.
    metrics : tuple of str
    n_train, n_members : int
    has_validation, uses_l1, uses_l2 : bool
        A penalty no member uses is left out of the program.

    Returns
    -------
    static : Static
    batch : int
        The real rows of a mini-batch (the whole training set for full batch).
    """
    from ._calls import chunk_size
    from .buckets import batching

    o = options
    batch = n_train if o.full_batch else min(o.batch_size, n_train)
    # the compiled loop's batch: one batch is the whole padded block (see buckets.bucket)
    batch_size, n_batches = batching(n_train, None if o.full_batch else o.batch_size)
    shuffle = o.shuffle and n_batches > 1
    restore = o.early_stopping if o.restore_best_weights is None else o.restore_best_weights
    layers = layout(network.parameter_counts()[1])
    # a wide network's short last batch is computed at its size: padding 50 rows to two
    # batches of 32 is 28 % more arithmetic in every product. The row count then shapes the
    # program, which small networks avoid so that nearby row counts share one (buckets)
    short = n_train - (n_batches - 1) * batch_size
    last_batch = short if layers == "layers" and n_batches > 1 and short < batch_size else 0
    schedule = o.learning_rate if callable(o.learning_rate) else o.schedule
    static = Static(
        spec=network.spec, n_inputs=network.n_inputs, n_outputs=network.n_outputs, loss=loss,
        task=task, optimizer=o.optimizer, schedule=schedule,
        # the step count is static only where the schedule needs it (cosine), so fits that
        # differ in epochs alone share one compiled program
        schedule_options=(("decay_rate", o.decay_rate), ("power_t", o.power_t),
                          ("tol", o.tol if schedule == "adaptive" else None),
                          ("total_steps", n_batches * o.epochs if schedule == "cosine" else None)),
        batch_size=batch_size, n_batches=n_batches, shuffle=shuffle,
        chunk=o.chunk_epochs or chunk_size(n_members, batch_size * n_batches if shuffle else 0),
        has_validation=has_validation, early_stopping=o.early_stopping,
        patience=o.n_iter_no_change, monitor=monitor, track_best=bool(restore),
        l1=uses_l1, l2=uses_l2, metrics=metrics, layout=layers, last_batch=last_batch,
        ensemble=n_members > 1)
    return static, batch
