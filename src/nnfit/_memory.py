"""The memory a training run will need, estimated before anything is compiled.

XLA allocates a program's buffers when it runs it, and on the CPU an allocation it cannot
make aborts the whole process (``SIGABRT``, exit 134) instead of raising: a layer of 10**12
units, a typo away from 10**3, kills the interpreter with no message. So
:func:`check_training_memory` counts, from the network's layer sizes and the run's settings, the bytes the training program
holds at its peak, and raises :class:`~nnfit.errors.InvalidOptionError` naming that size, the
memory this process can still get, and the fix, when the first exceeds the second.

The count is exact integer arithmetic (Python ints: no overflow at any width) over what the
engine keeps alive at once, each term a multiple of one of three sizes:

- ``P``, the parameters of one member, counted in copies of the parameter vector: the state
  the compiled call reads (parameters, best weights, the optimizer's moments) and the state it
  returns (as many again: the host keeps the previous state until the call has finished, so
  that Ctrl-C keeps it), plus the step's gradient, update and the layers' gradient matrices.
  Adam keeps two moments, momentum and RMSprop one (three vectors each: read, returned and
  being computed); optax's L-BFGS, its ``2 * memory_size`` history and its line search, about 70.
- the activations of one batch, forward and backward: a few arrays of (batch rows, width) per
  layer, and the forward pass over the validation rows;
- the data: the training and validation arrays in the training dtype, padded to their bucket,
  with the copies the checks and the engine make, and the shuffled row orders.

Levenberg–Marquardt and trust-region least squares (``lm``, ``trf``) build the exact Jacobian,
(rows * outputs + weights) x P, with ``jax.jacfwd`` (which pushes a P x P identity through the
network) and hand it to scipy in float64, which copies and factors it; one member at a time.

Measured against the growth of peak resident memory (``ru_maxrss``) over a fit of the same
program with one-unit layers, on this project's CPU (estimate / measured): Adam, 1-4096-4096-1,
batch 32: 1.07 GiB / 916 MiB; sgd: 709 / 534 MiB; 4 members of 1-2048-2048-1: 1.07 GiB / 927
MiB; seed 004's 5 x 1024 with 4 members: 1.08 GiB / 892 MiB; L-BFGS 1-2048-2048-1: 1.58 /
1.27 GiB; 1-1000000-1, batch 64: 1.14 GiB / 894 MiB; full batch of 16,000 rows through
10-1024-1024-1: 624 / 370 MiB; ``lm`` and ``trf`` on 2,000 rows of 1-40-40-1: 1.81 / 1.71 and
1.56 GiB. So the estimate runs 1.06 to 1.7 times the measurement: it refuses only runs that
could not fit, and a run far below the memory available is never refused.

The memory available is Linux's ``MemAvailable`` (what can be allocated without swapping),
bounded by the cgroup's limit when the process runs in a container; elsewhere the free physical
pages. A run is refused when its estimate and ``RUNTIME_RESERVE`` (256 MiB for the interpreter,
JAX and compilation) exceed it. This is host memory: a GPU's own memory is not checked here.
"""

from __future__ import annotations

import os

from .buckets import bucket
from .errors import InvalidOptionError

# parameter-sized vectors one member holds besides the optimizer's own: parameters and best
# weights in the state read and the state returned (4), the gradient matrices, the joined
# gradient, the update and the updated vector (4). Measured: 8.3 vectors for sgd.
STATE_VECTORS = 8
# vectors per optimizer moment: in the state read, in the state returned, and the new value
# being computed (measured: Adam's two moments add 6.1 vectors to sgd's 8.3)
MOMENT_VECTORS = 3
# L-BFGS (optax's, with its zoom line search) measured about 80 vectors in all (1.27 GiB for
# 4.2 million float32 parameters, 337 MiB for 1.05 million):
# its 2 * memory_size vectors in the state read and returned, the line search's points,
# gradients and directions, and their copies in the compiled loop's carry
def lbfgs_vectors(memory_size):
    return 4 * 2 * memory_size + 8


def moments(optimizer):
    """optax's parameter-sized state vectors of an optimizer value (besides the parameters)."""
    from .optim import SGD, Adam, RMSprop

    if isinstance(optimizer, Adam):  # AdamW too
        return 2
    if isinstance(optimizer, RMSprop):
        return 1 + (optimizer.momentum > 0)
    if isinstance(optimizer, SGD):  # GD, Momentum
        return int(optimizer.momentum > 0)
    return 1  # Adagrad


# the host's copies of the result: the final and best parameters, and the Fit's arrays
HOST_VECTORS = 3
# arrays of (rows, width) a layer holds during a batch's forward and backward pass: its
# pre-activation, its output with the ones column, and their two gradients
BATCH_ACTIVATION_ARRAYS = 4
# the validation pass is forward only: a layer's input and output alive at once
VALIDATION_ARRAYS = 2
# copies of the data: the user's float64 array, the checked copy and the split, the engine's
# padded array in the training dtype and its normalised, ones-augmented copy
DATA_COPIES_F64 = 3
DATA_COPIES_TRAINING = 2
# scipy's copies of the float64 Jacobian: the array handed over, the scaled copy ('trf') or
# MINPACK's work copy ('lm'), and the factors of its SVD or QR
JACOBIAN_COPIES = 4
# jax.jacfwd pushes all P tangents through the network at once: arrays of (P, rows, width);
# measured about three of the widest layer's alive at once
TANGENT_ARRAYS = 3
# the engine's row-order blocks are capped (nnfit._calls.MAX_BLOCK_ENTRIES int32 entries); two
# are alive at once (the block being used and the next being drawn)
ORDER_BYTES = 2 * 4 * (1 << 23)
# the interpreter, JAX and a compiled program before any array: not counted in the estimate,
# but kept free so that a run that only just fits is not attempted
UNCHECKED_BELOW = 64 << 20  # bytes: runs estimated below this are not checked
RUNTIME_RESERVE = 256 << 20


def parameter_count(layer_sizes):
    """Weights and biases of a dense network of ``layer_sizes`` (input first), as a Python int."""
    sizes = [int(s) for s in layer_sizes]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def training_bytes(layer_sizes, *, n_members=1, n_train, n_val=0, batch_size=None, itemsize=4,
                   optimizer="adam"):
    """Bytes a training run holds at its peak, by part.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n_inputs, *hidden, n_outputs)``.
    n_members : int
        Members trained together.
    n_train, n_val : int
        Training and validation rows.
    batch_size : int or None
        Rows of one mini-batch; None (or more than ``n_train``) for the full batch.
    itemsize : int
        Bytes of one number of the training dtype: 4 (float32) or 8 (float64).
    optimizer : str or nnfit.optim.Optimizer
        The optimizer, by name (``adam``, ``sgd``, ..., ``lbfgs``, ``lm``, ``trf``) or as a
        value, whose settings count (L-BFGS's ``memory_size``, a momentum's state).

    Returns
    -------
    dict
        ``parameters``, ``activations``, ``data`` and ``jacobian`` (least squares only, else
        0) in bytes, all Python ints; ``total`` their sum.

    Examples
    --------
    >>> parts = training_bytes((1, 10**12, 1), n_train=100, batch_size=32)
    >>> parts["total"] > 10**13
    True
    """
    sizes = [int(s) for s in layer_sizes]
    members, itemsize = int(n_members), int(itemsize)
    n_train, n_val = int(n_train), int(n_val)
    n_params = parameter_count(sizes)
    widths = sum(s + 1 for s in sizes)  # every layer's rows, with the ones column
    io = sizes[0] + sizes[-1] + 1  # a row of the data: features, targets, weight
    from .optim import optimizer_from

    optimizer = optimizer_from(optimizer)  # a name or a value: the value's settings count
    least_squares = optimizer.least_squares
    rows = n_train if least_squares else bucket(n_train)
    val_rows = 0 if not n_val else (n_val if least_squares else bucket(n_val))
    batch = rows if batch_size is None or least_squares else min(int(batch_size), rows)

    data = ((n_train + n_val) * io * 8 * DATA_COPIES_F64
            + (rows + val_rows) * io * itemsize * DATA_COPIES_TRAINING)
    if batch_size is not None and batch < rows and not least_squares:
        data += min(members * rows * 8, 1 << 23) * 4 * 2  # row orders, ORDER_BYTES at most

    if least_squares:
        # one member at a time: its Jacobian (residuals = rows * outputs + the weights' penalty
        # rows) in the training dtype, jacfwd's identity and its tangents through the widest
        # layer, then scipy's float64 copies; every member's result is kept
        residuals = n_train * sizes[-1] + sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        jacobian = (residuals * n_params * itemsize + n_params * n_params * itemsize
                    + TANGENT_ARRAYS * n_params * n_train * max(sizes) * itemsize
                    + JACOBIAN_COPIES * residuals * n_params * 8)
        parameters = (members + STATE_VECTORS) * n_params * 8
        activations = BATCH_ACTIVATION_ARRAYS * (n_train + n_val) * widths * itemsize
        total = parameters + activations + data + jacobian
        return {"parameters": parameters, "activations": activations, "data": data,
                "jacobian": jacobian, "total": total}

    if optimizer.name == "lbfgs":
        vectors = STATE_VECTORS + lbfgs_vectors(optimizer.memory_size)
    else:
        vectors = STATE_VECTORS + MOMENT_VECTORS * moments(optimizer)
    parameters = members * n_params * (vectors + HOST_VECTORS) * itemsize
    activations = members * itemsize * (BATCH_ACTIVATION_ARRAYS * batch * widths
                                        + VALIDATION_ARRAYS * val_rows * (max(sizes) + 1))
    if optimizer.name == "lbfgs":  # the line search evaluates the full batch again
        activations *= 2
    total = parameters + activations + data
    return {"parameters": parameters, "activations": activations, "data": data, "jacobian": 0,
            "total": total}


def available_memory():
    """Bytes this process can still allocate without swapping, or None when unknown.

    Linux: ``MemAvailable`` of ``/proc/meminfo``, and, inside a cgroup with a memory limit
    (a container, a batch job), that limit less what the cgroup already uses (its reclaimable
    page cache, ``inactive_file``, counted as free). Elsewhere: free physical pages.
    """
    known = [c for c in (_meminfo("MemAvailable"), _cgroup_memory()[1]) if c is not None]
    if not known:
        known = [_sysconf_pages("SC_AVPHYS_PAGES")]
    return None if known[0] is None else max(0, min(known))


def total_memory():
    """This machine's memory (or its cgroup's limit, when smaller) in bytes, or None."""
    known = [c for c in (_meminfo("MemTotal"), _cgroup_memory()[0]) if c is not None]
    if not known:
        known = [_sysconf_pages("SC_PHYS_PAGES")]
    return None if known[0] is None else min(known)


def _sysconf_pages(name):
    try:
        return os.sysconf(name) * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _meminfo(key, path="/proc/meminfo"):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_int(path):
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    if text in ("", "max"):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _inactive_file(path):
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(" ")
                if key in ("inactive_file", "total_inactive_file"):
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _cgroup_memory(root="/sys/fs/cgroup", proc_cgroup="/proc/self/cgroup"):
    """``(limit, free)``: the tightest cgroup memory limit and the least room left under one
    (limit less use), over this process's cgroup and its parents (cgroup v2) or v1's memory
    controller; ``(None, None)`` without a limit."""
    try:
        with open(proc_cgroup) as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    best = tightest = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # v2: walk from this cgroup up to the root
            folder = os.path.join(root, path.lstrip("/"))
            names = ("memory.max", "memory.current", "memory.stat")
        elif "memory" in controllers.split(","):
            folder = os.path.join(root, "memory", path.lstrip("/"))
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes", "memory.stat")
        else:
            continue
        while True:
            limit = _read_int(os.path.join(folder, names[0]))
            if limit is not None and limit < (1 << 60):  # v1 writes "no limit" as ~2**63
                used = _read_int(os.path.join(folder, names[1])) or 0
                free = limit - max(0, used - _inactive_file(os.path.join(folder, names[2])))
                best = free if best is None else min(best, free)
                tightest = limit if tightest is None else min(tightest, limit)
            parent = os.path.dirname(folder.rstrip("/"))
            if len(parent) < len(root) or parent == folder.rstrip("/"):
                break
            folder = parent
    return tightest, best


def format_bytes(n):
    """``n`` bytes in words: ``'512 B'``, ``'3.2 GiB'``, ``'108 TiB'``, ``'4.1e+06 EiB'``."""
    n = int(n)
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value, unit = float(n), units[0]
    for unit in units:
        if value < 1024 or unit == units[-1]:
            break
        value /= 1024
    if unit == "B":
        return f"{n} B"
    if value >= 1e5:
        return f"{value:.2g} {unit}"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def check_training_memory(layer_sizes, *, n_members=1, n_train, n_val=0, batch_size=None,
                          itemsize=4, optimizer="adam", available=None):
    """Raise if a training run cannot fit in the memory left; return its estimated bytes.

    Parameters
    ----------
    layer_sizes, n_members, n_train, n_val, batch_size, itemsize, optimizer
        As :func:`training_bytes`.
    available : int, optional
        The bytes to compare with; default :func:`available_memory` (no check when unknown).

    Returns
    -------
    int
        The estimated peak bytes of the run.

    Raises
    ------
    InvalidOptionError
        When the estimate (plus a reserve for the runtime) exceeds the memory available: one
        line naming both and the change that makes the run fit (fewer members, a smaller
        batch, a gradient optimizer instead of least squares, or a smaller network).

    Examples
    --------
    >>> check_training_memory((1, 16, 1), n_train=100, available=8 << 30) < 8 << 30
    True
    """
    from .optim import optimizer_from

    optimizer = optimizer_from(optimizer)
    least_squares = optimizer.least_squares
    settings = dict(n_members=int(n_members), n_train=n_train, n_val=n_val,
                    batch_size=batch_size, itemsize=itemsize, optimizer=optimizer)

    def need(**changes):
        return training_bytes(layer_sizes, **{**settings, **changes})["total"]

    needed = need()
    if available is None and needed <= UNCHECKED_BELOW:
        # reading /proc and the cgroup's files costs ~0.5 ms, a third of a small fit's own
        # cost; a run this small fits wherever the runtime itself does
        return needed
    have = available_memory() if available is None else int(available)
    if have is None or needed + RUNTIME_RESERVE <= have:
        return needed
    room = have - RUNTIME_RESERVE
    sizes = tuple(int(s) for s in layer_sizes)
    members = settings["n_members"]
    if least_squares and need(optimizer="adam", batch_size=32) <= room:
        tip = (f"use a gradient optimizer such as 'adam': {optimizer.label!r} builds the Jacobian of "
               f"every residual by every one of the {parameter_count(sizes):,} parameters")
    elif members > 1 and need(n_members=1) <= room:
        fit = _largest(1, members - 1, lambda m: need(n_members=m) <= room)
        tip = f"train at most {fit} members together (n_members={members})"
    elif not least_squares and need(n_members=1, batch_size=1) <= room:
        largest_batch = batch_size if batch_size is not None else max(1, int(n_train))
        fit = _largest(1, largest_batch, lambda b: need(n_members=1, batch_size=b) <= room)
        tip = f"use batch_size={fit} or less" + (" and n_members=1" if members > 1 else "")
    else:
        tip = ("use narrower or fewer hidden layers: even one member"
               + ("" if least_squares else " with batch_size=1") + " needs "
               + format_bytes(need(n_members=1, batch_size=1)))
    total = total_memory()
    machine = f" of this machine's {format_bytes(total)}" if total is not None else ""
    raise InvalidOptionError(
        f"training a network of layer sizes {_sizes_text(sizes)} with {members} member"
        f"{'s' if members != 1 else ''} needs about {format_bytes(needed)} of memory but only "
        f"{format_bytes(have)}{machine} is available: {tip}")


def _largest(low, high, fits):
    """The largest integer in [low, high] for which ``fits`` holds (it holds at ``low``)."""
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if fits(mid) else (low, mid - 1)
    return low


def _sizes_text(sizes):
    return "(" + ", ".join(f"{s:,}" for s in sizes) + ")"
