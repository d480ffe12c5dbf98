"""Figures turned into PNG in a worker process while the report's author goes on.

Rendering a figure (layout, text, rasterising, PNG encoding) takes matplotlib 0.3-0.8 s, and a
demo report holds dozens: a quarter of ``nnfit demo``'s time went into them, on one core, while
the other core idled through most of the training (a small network's program runs on one
thread). A :class:`FigureRenderer` sends each figure, pickled (~0.05 s), to a worker process
that renders it there, so the caller goes on building the report and training the next model.

The worker is a fresh interpreter started with :mod:`subprocess` (``python -m
nnfit.report._background``), not with :mod:`multiprocessing`: a fork of a process running
JAX's threads is unsafe, and a spawned ``multiprocessing`` child re-imports the caller's main
script, which runs a script without an ``if __name__ == "__main__"`` guard a second time. It
has matplotlib's default settings, as the caller's own rendering would, and gives the same PNG
bytes. A figure that does not pickle, or a worker that failed or died, is rendered in the
calling process instead: background rendering never loses a figure.

The protocol, on the worker's standard input and output: each message is an 8-byte
little-endian length and a pickle; requests are ``(pickled figure, dpi)``, replies ``(True,
png bytes)`` or ``(False, error text)``, in the order of the requests.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future


def _send(stream, obj):
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(payload).to_bytes(8, "little") + payload)
    stream.flush()


def _receive(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("the figure worker closed its output")
    size = int.from_bytes(header, "little")
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the figure worker closed its output")
    return pickle.loads(payload)


def _render(pickled, dpi):
    """The PNG bytes of a pickled figure."""
    from ..plots.style import figure_to_png

    return figure_to_png(pickle.loads(pickled), dpi=dpi)


class PendingPNG:
    """A figure's PNG bytes, being rendered; :meth:`result` waits for them."""

    def __init__(self, future=None, pickled=None, dpi=None, png=None):
        self._future, self._pickled, self._dpi, self._png = future, pickled, dpi, png

    def result(self):
        """The PNG bytes (rendered here if the worker could not)."""
        if self._png is None:
            try:
                self._png = self._future.result()
            except Exception:  # the worker failed or died: this process renders it
                self._png = _render(self._pickled, self._dpi)
            self._future = self._pickled = None  # the pickle is ~0.5 MB a figure
        return self._png

    def __getstate__(self):  # a copied or pickled report holds the bytes themselves
        return {"_future": None, "_pickled": None, "_dpi": self._dpi, "_png": self.result()}


class FigureRenderer:
    """Renders figures in a background process, started on first use.

    A thread of this process feeds the worker one figure at a time and collects its replies,
    so :meth:`submit` never waits for the worker.
    """

    def __init__(self):
        self._requests = None  # queue of (pickled, dpi, Future); None until started
        self._lock = threading.Lock()

    def __deepcopy__(self, memo):  # one worker serves every copy of a report
        return self

    def __getstate__(self):  # a pickled report gets a renderer of its own, not yet started
        return {}

    def __setstate__(self, state):
        self.__init__()

    def submit(self, fig, dpi):
        """Start rendering ``fig`` at ``dpi``; returns a :class:`PendingPNG`.

        The figure is pickled now, so the caller may change or drop it afterwards.
        """
        try:
            pickled = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an artist that does not pickle (a lambda formatter, ...): render here
            from ..plots.style import figure_to_png

            return PendingPNG(png=figure_to_png(fig, dpi=dpi))
        future = Future()
        with self._lock:
            if self._requests is None:
                self._start()
            self._requests.put((pickled, dpi, future))
        return PendingPNG(future, pickled, dpi)

    def _start(self):
        self._requests = queue.Queue()
        threading.Thread(target=self._feed, args=(self._requests,), daemon=True,
                         name="nnfit-figures").start()

    def _feed(self, requests):
        """The feeding thread: start the worker, then one request and reply at a time."""
        worker = None
        while True:
            item = requests.get()
            if item is None:
                break
            pickled, dpi, future = item
            try:
                if worker is None or worker.poll() is not None:
                    worker = _start_worker()
                _send(worker.stdin, (pickled, dpi))
                ok, value = _receive(worker.stdout)
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(RuntimeError(value))
            except Exception as error:  # the worker could not start or died: render here
                future.set_exception(error)
                if worker is not None:
                    worker.kill()
                    _stop(worker)
                    worker = None
        if worker is not None:
            _stop(worker)

    def close(self):
        """Stop the worker once the figures sent so far are rendered."""
        with self._lock:
            if self._requests is not None:
                self._requests.put(None)
                self._requests = None


def _stop(worker):
    """Close a worker's pipes (which ends it, as its input closes) and wait for it."""
    for pipe in (worker.stdin, worker.stdout):
        try:
            pipe.close()
        except OSError:  # a broken pipe's unsent data
            pass
    worker.wait()


def _start_worker():
    # the worker imports nnfit from where this process did, installed or not
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return subprocess.Popen([sys.executable, "-m", "nnfit.report._background"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                            start_new_session=True)  # Ctrl-C is the parent's to handle


def _lowest_priority():
    """Run only on a core the caller leaves idle: a wide network's training uses every core,
    and a figure rendered beside it slows it more than the figure's own time (its matrix
    products wait for their slowest thread)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux
        try:
            os.nice(19)
        except (AttributeError, OSError):
            pass


def main():
    """The worker: render requests from standard input until it closes."""
    _lowest_priority()
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to standard error, not into the replies
    while True:
        try:
            pickled, dpi = _receive(requests)
        except EOFError:
            return
        try:
            reply = (True, _render(pickled, dpi))
        except Exception as error:
            reply = (False, f"{type(error).__name__}: {error}")
        _send(replies, reply)


if __name__ == "__main__":
    main()
