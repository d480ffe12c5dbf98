"""How the host drives the compiled training program: call lengths, row orders and keys.

The program runs a traced number of epochs per call; this module decides how many (about a
quarter of a second of work each), draws the members' row orders ahead of use in epoch order,
and computes the raw PRNG key data the program starts from. Host-side NumPy only.
"""

from __future__ import annotations

import jax
import numpy as np

# a compiled call should last about this long: long enough that calls cost nothing next to the
# training, short enough for a lively progress bar and a prompt Ctrl-C
CALL_SECONDS = 0.25
# A layered program with several members (nnfit._flatnet.for_members) copies each member's
# state out of the stacked arrays and back once a call: for a 5 x 1024 network about 30 ms a
# member, a tenth of an epoch's work, so a quarter-second call (one epoch of four members)
# took twice the time of the training in it. Its calls last this long instead.
SEQUENTIAL_CALL_SECONDS = 3.0
# before any call is timed, assume this speed (floating-point operations a second): on the
# slow side, so a first call on big data returns soon and its timing sizes the next ones
ASSUMED_FLOPS = 1e9
# The largest chunk, and the row-order entries a chunk's shuffles should hold (1 MiB): the
# whole block goes to every call however few of its epochs the call runs (a 100-epoch fit on
# 2,000 rows: 15.0 ms with 4 MiB blocks of 512 epochs, 14.1 ms with 1 MiB blocks of 128).
# Shuffled calls hold at least MIN_SHUFFLED_CHUNK epochs, so that many members on many rows
# are not one call an epoch, as long as the block stays under MAX_BLOCK_ENTRIES (32 MiB): big
# data run an epoch or so a call, and most of a larger block would be sent unused.
MAX_CHUNK = 512
MAX_ORDER_ENTRIES = 1 << 18
MIN_SHUFFLED_CHUNK = 8
MAX_BLOCK_ENTRIES = 1 << 23


def chunk_size(n_members, n_orders):
    """Epochs a compiled call can hold: the record buffer's length.

    Parameters
    ----------
    n_members : int
    n_orders : int
        Row-order entries an epoch needs per member (n_batches * batch_size), 0 without
        shuffling.
    """
    if n_orders == 0:
        return MAX_CHUNK
    per_epoch = n_members * n_orders
    floor = min(MIN_SHUFFLED_CHUNK, MAX_BLOCK_ENTRIES // per_epoch)
    fits = max(1, floor, MAX_ORDER_ENTRIES // per_epoch)
    # a power of two, so that data sets of similar size share one compiled program
    return min(MAX_CHUNK, 1 << (fits.bit_length() - 1))


def epoch_flops(static, data, n_members):
    """A rough count of one epoch's arithmetic: forward and backward over every row."""
    sizes = [static.n_inputs, *static.spec.hidden, static.n_outputs]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    rows = data.X.shape[0] + (0 if data.X_val is None else data.X_val.shape[0])
    return 6.0 * weights * rows * n_members


def permutations(rng, count, n):
    """``count`` random permutations of ``range(n)``, shape (count, n), int32.

    Each row sorts 64-bit random keys whose low bits hold the index: a uniform shuffle (two
    equal keys, odds about n**2 / 2**(65 - log2 n), keep their index order), twice as fast as
    ``rng.permutation`` row by row, and the same rows whether drawn one by one or together
    (each takes ``n`` raw 64-bit draws of ``rng``'s bit generator, in order).
    """
    bits = max(1, (n - 1).bit_length())
    keys = rng.bit_generator.random_raw((count, n)) >> np.uint64(bits) << np.uint64(bits)
    keys |= np.arange(n, dtype=np.uint64)
    keys.sort(axis=1)
    return (keys & np.uint64((1 << bits) - 1)).astype(np.int32)


class Orders:
    """The members' row orders, epoch after epoch, drawn on the host ahead of use.

    Each member shuffles with its own NumPy generator, seeded from its seed, so a member's
    batches depend neither on how many members train beside it nor on how the epochs are
    split into calls: orders are drawn in epoch order and handed out in the same order.
    """

    def __init__(self, seeds, n, static):
        self.generators = [np.random.default_rng([int(s), 1]) for s in seeds]
        self.n, self.chunk = n, static.chunk
        self.padded = static.n_batches * static.batch_size
        self.ready = []  # drawn epochs not yet used: arrays of shape (n_members, padded)

    def draw(self, count):
        """Draw orders until ``count`` epochs are ready."""
        missing = count - len(self.ready)
        if missing <= 0:
            return
        block = np.zeros((missing, len(self.generators), self.padded), dtype=np.int32)
        for m, rng in enumerate(self.generators):
            block[:, m, :self.n] = permutations(rng, missing, self.n)
        self.ready.extend(block)

    def take(self, count):
        """The next ``count`` epochs' orders as a (n_members, chunk, padded) block."""
        self.draw(count)
        block = np.zeros((len(self.generators), self.chunk, self.padded), dtype=np.int32)
        for e in range(count):
            block[:, e] = self.ready[e]
        del self.ready[:count]
        return block


class CallPlan:
    """How many epochs each compiled call runs: about ``CALL_SECONDS`` of work (see
    ``SEQUENTIAL_CALL_SECONDS``), at most a chunk.

    The first call's length comes from a pessimistic estimate of the arithmetic, later ones
    from the measured speed; ``fixed`` (the user's ``chunk_epochs``) overrides both.
    """

    def __init__(self, static, n_epochs, epoch_flops, fixed=None, n_members=1):
        self.chunk, self.n_epochs, self.fixed = static.chunk, n_epochs, fixed
        self.per_epoch = epoch_flops / ASSUMED_FLOPS
        sequential = static.layout != "flat" and n_members > 1
        self.seconds = SEQUENTIAL_CALL_SECONDS if sequential else CALL_SECONDS

    def timed(self, count, seconds):
        self.per_epoch = seconds / count

    def next(self, done):
        """Epochs of the call that starts after ``done`` epochs (0 when none are left)."""
        left = self.n_epochs - done
        if self.fixed is not None:
            return max(0, min(self.fixed, self.chunk, left))
        wanted = int(self.seconds / max(self.per_epoch, 1e-9))
        return max(0, min(self.chunk, left, max(1, wanted)))


def seed_key_data(seeds):
    """The raw data of ``jax.random.key(seed)`` for each seed, computed on the host.

    ``jax.random.key`` runs a small device computation per call, a fixed cost that a
    hundred members or a grid search of quick fits would pay again and again; the compiled
    program wraps this data into the same keys (threefry: the seed's high and low 32 bits,
    the high ones only where 64-bit integers are on, as JAX does; a test checks it).

    Returns
    -------
    ndarray of shape (n_seeds, 2), uint32
    """
    wide = jax.config.jax_enable_x64
    return np.array([[(int(s) >> 32) & 0xFFFFFFFF if wide else 0, int(s) & 0xFFFFFFFF]
                     for s in seeds], dtype=np.uint32)
