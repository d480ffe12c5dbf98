"""The progress bar of a training run, fed between compiled calls."""

from __future__ import annotations

import numpy as np


class EpochProgress:
    """A rich progress bar fed by the engine's chunk callback (or nothing when quiet).

    Used as ``with EpochProgress(verbose, epochs, callback) as on_chunk``: ``on_chunk(done,
    records)`` moves the bar and then calls the user's ``callback``, if any. ``convert``
    turns the engine's records into the user's units first (a standardised target's).
    """

    def __init__(self, verbose, epochs, callback, convert=None):
        self.verbose, self.epochs, self.callback, self.bar = verbose, epochs, callback, None
        self.convert = convert

    def __enter__(self):
        if self.verbose:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
            self.bar = Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total} epochs"),
                                TextColumn("{task.fields[loss]}"), TimeRemainingColumn(), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("fit", total=self.epochs, loss="")
        return self.on_chunk

    def on_chunk(self, done, records):
        if self.convert is not None:
            records = self.convert(records)
        if self.bar is not None:
            last = np.asarray(records["loss"])[:, -1]
            self.bar.update(self.task, completed=done, loss=f"loss {np.nanmean(last):.4g}")
        if self.callback is not None:
            self.callback(done, records)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
