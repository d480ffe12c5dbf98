"""Shape buckets: the row counts the compiled training program is built for.

A row count is part of a compiled program's argument shapes, so every new count compiles anew
(seconds on a CPU). Padding the count up to a coarse grid, with rows of weight 0, lets sets a
few rows apart -- cross-validation folds, early-stopping splits, prediction sets -- share one
program. Pure Python: importing this costs nothing.
"""

from __future__ import annotations

# pad row counts to shape buckets (see bucket); an internal switch so that tests can compare a
# padded run with the same run on exact shapes
BUCKETS = True
MIN_BUCKET = 16


def bucket(n):
    """The number of rows that ``n`` real rows are padded to in the compiled program.

    Row counts from 16 up round to the next multiple of ``2 ** (floor(log2(n)) - 3)``: eight
    buckets per doubling, so padding adds less than 12.5 % rows, which only a full batch and the
    validation pass compute on (a mini-batch gathers real rows only), while sets a few percent
    apart -- scikit-learn's cross-validation folds differ by one row -- share a bucket and one
    compilation (seconds each on a CPU). Fewer than 16 rows pad to 16: at that size a pass costs overhead, not
    arithmetic, and every tiny set then shares one program. With ``BUCKETS`` off: ``n``.

    >>> [bucket(n) for n in (3, 16, 17, 40, 41, 82, 83, 1000)]
    [16, 16, 18, 40, 44, 88, 88, 1024]
    """
    if not BUCKETS:
        return n
    if n <= MIN_BUCKET:
        return MIN_BUCKET
    step = 2 ** (int(n).bit_length() - 4)  # 2 ** (floor(log2(n)) - 3)
    return -(-n // step) * step


def pad_rows(a, dtype, *, zeros=False):
    """``a`` (n, ...) as ``dtype``, with rows added up to ``bucket(n)``.

    The added rows repeat the last one, so a forward pass meets only values the data hold (no
    overflow or NaN of its own for a zero weight to multiply); with ``zeros`` (weights), or
    when there is no row to repeat, they are zeros.
    """
    import numpy as np

    a = np.asarray(a)
    extra = bucket(len(a)) - len(a)
    if not extra:
        return np.asarray(a, dtype)
    out = np.empty((len(a) + extra,) + a.shape[1:], dtype)  # np.pad costs a small fit 3 %
    out[:len(a)] = a
    out[len(a):] = 0 if zeros or len(a) == 0 else a[-1]
    return out


def batching(n, batch_size):
    """The compiled loop's ``(batch_size, n_batches)`` for ``n`` training rows.

    ``batch_size=None`` (full batch) or ``>= n`` is one batch: the whole padded block of
    ``bucket(n)`` rows, the padding masked. Smaller batches keep their size, and the padded
    index block of the short last batch masks its missing rows as before; ``n`` enters only
    through ``ceil(n / batch_size)``.
    """
    if batch_size is None or batch_size >= n:
        return bucket(n), 1
    return batch_size, -(-n // batch_size)
