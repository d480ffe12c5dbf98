"""SIGINT and SIGTERM for the length of a command line command: stop cleanly, save, exit.

While a command runs, SIGTERM is handled as Ctrl-C (SIGINT): training stops between compiled
chunks of epochs, what was trained is saved, and the command exits 128 + the signal's number
(130, 143). A signal that arrives while a run folder is being saved waits for the save to end.
These handlers are the command line's alone (the library changes no process-wide state) and
are put back when the command returns.
"""

from __future__ import annotations

import os
import sys


class Signals:
    """SIGINT and SIGTERM as Ctrl-C for the length of a command; the old handlers come back.

    The first signal raises ``KeyboardInterrupt`` (where nnfit stops cleanly: the training
    engine keeps what it trained) unless :meth:`defer` was called; a deferred signal, and any
    signal after the first, is only recorded, and the command exits with :attr:`exit_code` once
    its work is saved. :meth:`between_chunks`, given to ``nnfit.fit`` as its callback, defers
    signals to the next boundary between compiled chunks of epochs, where stopping loses nothing.
    """

    def __init__(self):
        self.received = None  # the first signal's number
        self.deferring = False
        self.note = None
        self._resent = False  # the next signal is the first one, sent again
        self._old = {}

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.getsignal(sig)
                signal.signal(sig, self._handle)
            self._old_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc):
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        if self._old and sys.unraisablehook == self._unraisable:
            sys.unraisablehook = self._old_hook
        self._old.clear()
        return False

    def _unraisable(self, info):
        """A KeyboardInterrupt raised in a garbage-collector callback or ``__del__`` is dropped
        by Python (with a traceback on stderr): send the signal again when it has returned."""
        if info.exc_type is KeyboardInterrupt and self.received is not None:
            if not self.deferring:  # deferred signals are acted on at the next boundary
                self._resend()
            return
        self._old_hook(info)

    def _resend(self, delay=0.05):
        import threading

        self._resent = True
        timer = threading.Timer(delay, os.kill, (os.getpid(), self.received))
        timer.daemon = True
        timer.start()

    def _handle(self, signum, frame):
        first = self.received is None or self._resent
        self._resent = False
        if self.received is None:
            self.received = signum
        if self.deferring or not first:
            if self.note:  # os.write: print() may be midway through a write of its own
                os.write(2, (self.note + "\n").encode())
                self.note = None
            return
        if _in_compiler(frame):
            # XLA checks for signals while it compiles and gives up waiting, but its threads
            # compile on: a process that then exits crashes (SIGSEGV). Raise when it is done.
            self._resend(0.2)
            return
        raise KeyboardInterrupt

    def defer(self, note=None):
        """From now on record signals instead of raising; say ``note`` at the first one."""
        self.deferring = True
        self.note = note

    def between_chunks(self, done, records):
        """``nnfit.fit``'s callback: stop at this chunk's end if a signal came during it."""
        self.deferring, self.note = True, None  # later signals wait for the next boundary
        if self.received is not None:
            raise KeyboardInterrupt

    @property
    def name(self):
        import signal

        return signal.Signals(self.received).name if self.received else None

    @property
    def exit_code(self):
        """128 + the signal's number (130 for SIGINT, 143 for SIGTERM); 130 by default."""
        return 128 + (self.received or 2)


def _in_compiler(frame):
    """True while XLA compiles: the signal is checked from inside JAX's compiler call."""
    tail = os.path.join("jax", "_src", "compiler.py")
    for _ in range(3):
        if frame is None:
            return False
        if frame.f_code.co_filename.endswith(tail):
            return True
        frame = frame.f_back
    return False
