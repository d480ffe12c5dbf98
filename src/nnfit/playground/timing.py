"""Where a playground session's time goes: ``NNFIT_PLAYGROUND_TIMING=1`` turns it on.

With it on, every few seconds each session writes a line to standard error, e.g.::

    playground 3fQx9a: train 989 ms/s (36.7/s), epochs 0 ms/s (930.9/s), bookkeeping 5 ms/s
    (36.7/s), paint 48 ms/s (36.7/s)

a stage's milliseconds per second of wall time and its count per second: ``train`` the
compiled chunks (``fit_options`` calls), ``epochs`` the epochs they trained, ``bookkeeping`` the
rest of a chunk on the worker thread, ``paint`` building frames on the painter thread. Off (the
default), a stage costs one test.
"""

from __future__ import annotations

import os
import sys
import threading
import time

TIMING = os.environ.get("NNFIT_PLAYGROUND_TIMING", "") not in ("", "0")


class Stopwatch:
    """Seconds spent per stage of one session, summed and written out every ``every`` seconds.

    Parameters
    ----------
    name : str
        The session's name in the lines written.
    every : float
        Seconds between two lines.
    """

    def __init__(self, name, every=3.0):
        self.name, self.every, self.lock = name, every, threading.Lock()
        self.totals, self.counts, self.since = {}, {}, time.perf_counter()

    def add(self, stage, seconds, count=1):
        """Add ``seconds`` and ``count`` to ``stage`` (nothing when timing is off)."""
        if not TIMING:
            return
        with self.lock:  # the worker and the painter add from their own threads
            self.totals[stage] = self.totals.get(stage, 0.0) + seconds
            self.counts[stage] = self.counts.get(stage, 0) + count
            now = time.perf_counter()
            if now - self.since < self.every:
                return
            span, self.since = now - self.since, now
            parts = [f"{k} {1e3 * v / span:.0f} ms/s ({self.counts[k] / span:.1f}/s)"
                     for k, v in self.totals.items()]
            self.totals, self.counts = {}, {}
        print(f"playground {self.name}: " + ", ".join(parts), file=sys.stderr, flush=True)


__all__ = ["Stopwatch", "TIMING"]
