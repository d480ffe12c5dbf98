"""One browser tab's training session: its settings, its data, and the loop that trains them.

Every tab gets a :class:`Session` with a worker thread of its own. The thread takes the page's
commands from a queue (settings, play, pause, step, reset, weight edits) and, while playing,
trains in *chunks*: :func:`nnfit.training.fit_options` for as many epochs as take about
:data:`FRAME_SECONDS`, going on from the previous chunk's engine state (``init_state``,
``keep_state``: the parameters and the optimizer's moments carry over), then draws a frame
(:mod:`nnfit.playground.frames`) and hands it to the page. Every chunk runs the same compiled
program (``chunk_epochs`` is fixed at :data:`CHUNK_EPOCHS`; the count of a call is an argument of
the program), so sizing chunks to the frame rate costs no compilation, and a run of N epochs in
chunks is the run of ``nnfit fit`` with ``epochs = N`` and the same settings: the experiment the
page exports. The rows are split and batched as ``nnfit fit`` does (validation rows drawn from
the seed, stratified by class; no reshuffling between epochs, as the TensorFlow Playground), so
nothing differs between one long call and many short ones.

Bad settings and uploads become a message to the page, never an exception that ends the
thread; closing the tab closes the session, which stops its thread at the end of its chunk.
``NNFIT_PLAYGROUND_TIMING=1`` writes where a session's time goes (:mod:`.timing`).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback
import warnings

import numpy as np

from ..errors import InvalidOptionError
from .config import PlayConfig
from . import edits, splits
from .edits import Preview, _num
from .frames import Grid, build_frame
from .timing import Stopwatch

# epochs per compiled call at most: the program's static chunk, one for every call length
CHUNK_EPOCHS = 4096
# the wall time a chunk aims at: a chunk (and a frame) every 1/37 s, above 30 frames a second
FRAME_SECONDS = 0.027
# history points sent per frame at most (a loss curve of 100k epochs needs no more)
HISTORY_POINTS = 24
LM_EVALUATIONS = 200

log = logging.getLogger("nnfit.playground")
# programs this process has compiled (approximately: what decides a program's shapes); the
# first chunk of another says so in the page, since compiling takes seconds
_COMPILED = set()


# what the worker's loop takes when no command is waiting
_NO_COMMAND = object()


class Session:
    """A tab's session; ``emit(message)`` receives every message for the page (any thread).

    Parameters
    ----------
    session_id : str
    emit : callable(dict)
    upload : tuple (name, DataFrame), optional
        The table to start from (``--data``).
    """

    def __init__(self, session_id, emit, upload=None):
        self.id, self.emit = session_id, emit
        self.upload = upload
        self.config = PlayConfig(data="upload") if upload is not None else PlayConfig()
        self.commands = queue.Queue()
        self.problem = self.fit = self.state = self.grid = self.init_params = None
        self.playing, self.steps, self.epoch, self.edited = False, 0, 0, False
        self.points_epoch = 0  # the last epoch at which clicked points changed the rows
        self.history = {"epoch": [], "loss": [], "val_loss": []}
        self.chunk = 1
        self.watch = Stopwatch(session_id[:6])
        self.closed = threading.Event()
        self.busy = threading.Lock()  # held while the fit is replaced (reports read it)
        self.thread = threading.Thread(target=self._loop, name=f"playground-{session_id}",
                                       daemon=True)
        # while playing, a painter thread draws each chunk's frame as the next chunk trains
        # (the compiled program runs outside Python's lock): training does not wait for
        # pictures, and a painter that falls behind draws only the newest chunk
        self.generation = 0  # a new network or data: frames of older ones are dropped
        self.order = threading.Lock()  # a frame is never sent after a newer 'data' message
        self.job = None
        self.job_ready = threading.Condition()
        self.painter = threading.Thread(target=self._paint_loop, daemon=True,
                                        name=f"playground-paint-{session_id}")

    # ---- the page's side (any thread) ----

    def start(self, config=None):
        if config is not None:
            self.commands.put({"type": "config", "config": config})
        else:
            self.commands.put({"type": "reset"})
        self.thread.start()
        self.painter.start()

    def send(self, message):
        """Queue a command from the page; handled by the worker between chunks."""
        self.commands.put(message)

    def close(self):
        self.closed.set()
        self.commands.put({"type": "close"})
        with self.job_ready:
            self.job_ready.notify_all()

    # ---- the worker ----

    def _loop(self):
        while not self.closed.is_set():
            training = self.playing or self.steps > 0
            try:
                message = self.commands.get(block=not training)
            except queue.Empty:
                message = _NO_COMMAND  # (a page's JSON null is a command, refused as such)
            try:
                if message is not _NO_COMMAND:
                    self._handle(message)
                elif training:
                    self._train()
            except (InvalidOptionError, MemoryError, FileNotFoundError) as err:
                self._stop_with(str(err).strip().splitlines()[0] if str(err).strip()
                                else type(err).__name__)
                self.emit({"type": "notice", "text": ""})
                if isinstance(message, dict) and message.get("type") == "config":
                    self._fall_back()
            except Exception as err:  # a bug: the page says so, the server goes on
                log.error("playground session %s: %s", self.id, traceback.format_exc())
                self._stop_with(f"internal error ({type(err).__name__}: {err}); the session "
                                "was paused, press reset to go on")

    def _fall_back(self):
        """After refused settings the page is told the ones still in use (a link that asked
        for too much at the start gets the defaults), so its controls and URL say the truth."""
        try:
            if self.problem is None:
                self._configure(PlayConfig(data="upload") if self.upload is not None
                                else PlayConfig())
            else:
                self.emit({"type": "data", "keep": True, **self._data_message()})
        except InvalidOptionError as err:
            self._stop_with(str(err))

    def _stop_with(self, text):
        self.playing, self.steps = False, 0
        self.emit({"type": "error", "message": text})
        self.emit({"type": "status", "playing": False, "epoch": self.epoch})

    def _handle(self, message):
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise InvalidOptionError(f"a message must be a JSON object with a \"type\", such as "
                                     f"{{\"type\": \"play\"}}; got {json.dumps(message)[:80]}")
        kind = message["type"]
        if kind == "close":
            return
        if kind == "config":
            values = message.get("config") or {}
            if not isinstance(values, dict):
                raise InvalidOptionError(f"\"config\" must be a JSON object of settings, such as "
                                         f"{{\"hidden\": [4, 2]}}; got {json.dumps(values)[:80]}")
            values = dict(values)
            if self.upload is not None and not values.get("data"):
                # a link without a data set (a new tab) opens on the table given (--data or
                # an upload); a link that names another set still chooses it
                values["data"] = "upload"
            config = PlayConfig.from_dict(values)
            if self.problem is not None and self.config.same_but_points(config):
                self._repoint(config)
            else:
                self._configure(config)
        elif kind == "point":
            self._click(message)
        elif kind == "upload":
            self.upload = (message["name"], message["frame"])
            self._configure(PlayConfig.from_dict({**self.config.to_dict(), "data": "upload",
                                                  "target": "", "picture": []}))
        elif kind == "reset":
            self._configure(self.config, force=True)
        elif kind == "play":
            self.playing = True
        elif kind == "pause":
            self.playing = False
        elif kind == "step":
            self.playing, self.steps = False, 1
        elif kind in ("weight", "bias", "unit_off"):
            self._edit(message)
        else:
            raise InvalidOptionError(f"unknown command {kind!r}")
        self.emit({"type": "status", "playing": self.playing, "epoch": self.epoch})

    def _configure(self, config, force=False):
        """New settings: new rows, a new network drawn from the seed, epoch 0."""
        from . import problems

        if config == self.config and self.problem is not None and not force:
            return
        table = self.upload[1] if self.upload is not None else None
        problem = problems.build(config, table)
        before = (self.config, self.problem, getattr(self, "mask", None),
                  getattr(self, "rows", None))
        self.config, self.problem = config, problem
        self.mask = splits.train_mask(self)
        self.rows = splits.split_rows(self)
        try:  # before the network is drawn: a network that cannot fit is refused, not built
            edits.check_memory(self)
        except InvalidOptionError:
            self.config, self.problem, self.mask, self.rows = before
            raise
        self.playing, self.steps, self.epoch, self.edited = False, 0, 0, False
        self.points_epoch = 0
        self.state = self.init_params = None
        self.history = {"epoch": [], "loss": [], "val_loss": []}
        with self.order:
            self.generation += 1
            self.emit({"type": "data", **self._data_message()})
        self._show(edits.preview(self), reset_grid=True)

    def _click(self, message):
        self._repoint(edits.click(self, message))

    def _repoint(self, config):
        """New rows from clicked points; the network and its epoch go on (training follows
        from the current weights with a fresh optimizer, as after a weight edit)."""
        from . import problems

        table = self.upload[1] if self.upload is not None else None
        problem = problems.build(config, table)
        self.config, self.problem = config, problem
        self.points_epoch = self.epoch
        self.mask = splits.train_mask(self)  # split again over the new rows, as nnfit fit would
        self.rows = splits.split_rows(self)
        fit = self.fit
        if fit is not None and not isinstance(fit, Preview):
            self.state, self.init_params = None, fit.params
        with self.order:
            self.generation += 1
            self.emit({"type": "data", "keep": True, **self._data_message()})
        if fit is not None:
            self._show(fit)

    def _program_key(self):
        c, p = self.config, self.problem
        return (c.hidden, c.activation, c.optimizer, c.schedule, c.members, c.normalize,
                bool(c.l1), bool(c.l2), c.batch_size, int(self.mask.sum()), p.task,
                np.shape(p.X) if not p.is_table else self.id,
                self.id if c.schedule == "cosine" else None)

    def _data_message(self):
        p = self.problem
        message = {"config": self.config.to_dict(), "dims": p.coords.shape[1], "task": p.task,
                   "axes": list(p.axes), "bounds": p.bounds, "classes": p.classes,
                   "coords": np.round(p.coords, 5).tolist(),
                   "values": np.round(p.values, 6).tolist(), "train": self.mask.tolist()}
        if p.is_table:
            frame = p.X
            message["columns"] = [str(c) for c in frame.columns]
            from pandas.api.types import is_bool_dtype, is_numeric_dtype

            message["numeric"] = [str(c) for c in frame.columns if is_numeric_dtype(frame[c])
                                  and not is_bool_dtype(frame[c])]
            message["target"] = p.y
            message["left_out"] = list(p.left_out)
            message["upload_name"] = self.upload[0]
        return message

    @property
    def validation_split(self):
        return round(1.0 - self.config.train_pct / 100.0, 6)

    def model(self):
        """The :class:`~nnfit.MLP` of the settings; its output follows the task."""
        from ..mlp import MLP

        c, p = self.config, self.problem
        output = "linear"
        if p.task == "classification" and not p.is_table:
            output = "sigmoid" if len(p.classes) <= 2 else "softmax"
        return MLP(hidden=c.hidden, activation=c.activation, output=output,
                   normalize=c.normalize)

    def train_keywords(self, epochs):
        """The ``[train]`` options of this session's runs (and of its exported experiment)."""
        c, p = self.config, self.problem
        n_train = int(self.mask.sum())
        batch = None if c.batch_size == 0 or c.batch_size >= n_train else c.batch_size
        keywords = dict(optimizer=c.optimizer, learning_rate=c.learning_rate, epochs=epochs,
                        batch_size=batch, shuffle=False, l1=c.l1, l2=c.l2, seed=c.seed,
                        n_members=c.members, schedule=c.schedule,
                        scale_target=p.task == "regression", chunk_epochs=CHUNK_EPOCHS)
        if c.optimizer == "lm":
            keywords.pop("schedule"), keywords.pop("chunk_epochs"), keywords.pop("shuffle")
            keywords["batch_size"] = None
        return keywords

    def data_keywords(self):
        """The ``[data]`` options: the validation rows as nnfit fit draws them."""
        if self.problem.validation is not None:
            return {}
        keywords = {"validation_split": self.validation_split, "validation_shuffle": True}
        if self.problem.leaves_as_csv:  # the CSV's target read as the page reads it
            keywords["task"] = self.problem.task
        return keywords

    def _fit(self, epochs, learning_rate=None, preview=False):
        from ..options import FitOptions
        from ..training import fit_options

        keywords = {**self.train_keywords(epochs), **self.data_keywords()}
        if keywords.get("schedule") == "cosine" and not preview:
            # the chunks' epochs are not the decay's: the schedule counts the steps over the
            # horizon, one function for every chunk (one compiled program), and its step count
            # carries over in the optimizer's state, as in one call of horizon epochs
            keywords["learning_rate"], keywords["schedule"] = self._cosine(), "constant"
        if learning_rate is not None:
            keywords["learning_rate"] = learning_rate
        p = self.problem
        X, y, validation = self.rows
        if not p.is_table:  # already split: the options' split would take rows again
            for key in ("validation_split", "validation_shuffle", "task"):
                keywords.pop(key, None)
        state = None if preview else self.state
        init_params = None if preview else self.init_params
        if state is not None:  # epochs count from 0 in every call; all else carries over
            m = self.config.members
            state = state._replace(epoch=np.zeros(m, np.int32), stopped=np.zeros(m, bool),
                                   reason=np.zeros(m, np.int32))
        lm = self.config.optimizer == "lm"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the page shows the losses; notes stay out
            return fit_options(self.model(), X, y, FitOptions(**keywords),
                               validation_data=validation, assess=False,
                               init_state=None if lm else state,
                               init_params=init_params if state is None else None,
                               keep_state=not lm)

    def _cosine(self):
        """optax's cosine decay over the horizon's steps (kept: the same function each chunk)."""
        import optax

        from ..buckets import batching

        c = self.config
        n_train = int(self.mask.sum())
        batch = None if c.batch_size == 0 else c.batch_size
        key = (c.learning_rate, c.horizon, batching(n_train, batch)[1])
        if getattr(self, "_cosine_key", None) != key:
            self._cosine_key = key
            self._cosine_rate = optax.cosine_decay_schedule(c.learning_rate,
                                                            max(1, key[1] * key[2]))
        return self._cosine_rate

    def _train(self):
        lm = self.config.optimizer == "lm"
        count = 1 if self.steps else (LM_EVALUATIONS if lm else self.chunk)
        if self.config.schedule == "cosine" and not lm:
            left = self.config.horizon - self.epoch
            if left <= 0:
                self._stop_with(f"the cosine schedule reached its horizon of "
                                f"{self.config.horizon} epochs (a rate of 0): raise the horizon "
                                "or reset to train on")
                return
            count = min(count, left)
        key = self._program_key()
        if key not in _COMPILED:
            self.emit({"type": "notice", "text": "compiling... (first run of this network "
                                                 "shape)"})
        started = time.perf_counter()
        if lm and self.fit is not None and self.epoch > 0:
            self.init_params = self.fit.params  # least squares starts afresh from the weights
        fit = self._fit(count)
        seconds = time.perf_counter() - started
        self.watch.add("train", seconds)
        if key not in _COMPILED:
            _COMPILED.add(key)
            self.emit({"type": "notice", "text": f"compiled and ran the first chunk in "
                                                 f"{seconds:.1f} s"})
        if not self.steps and not lm:  # the next chunk sized to the frame time, smoothly
            wanted = count * FRAME_SECONDS / max(seconds, 1e-4)
            self.chunk = int(np.clip(0.5 * self.chunk + 0.5 * wanted, 1, CHUNK_EPOCHS))
        self.steps = 0
        if lm:
            self.playing = False
        self.state = getattr(fit, "engine_state", None)
        self.init_params = None
        loss = fit.curve("loss")
        done = len(loss)
        self.watch.add("epochs", 0.0, done)
        epochs = self.epoch + np.arange(1, done + 1)
        self.epoch += done
        try:
            val = fit.curve("val_loss")
        except (KeyError, ValueError):  # no validation rows (train 100 %, own validation off)
            val = np.full(done, np.nan)
        for key, values in (("epoch", epochs), ("loss", loss), ("val_loss", val)):
            self.history[key].extend(values.tolist())
        if self.playing and not lm:
            self._paint_later(fit, (epochs, loss, val), seconds)
        else:
            self._show(fit, points=(epochs, loss, val), seconds=seconds)
        self.watch.add("bookkeeping", time.perf_counter() - started - seconds)
        if lm:
            self.emit({"type": "status", "playing": False, "epoch": self.epoch})

    def _paint_later(self, fit, points, seconds):
        """Hand a chunk's fit to the painter; loss points of chunks it skips are kept."""
        with self.busy:
            self.fit = fit
        with self.job_ready:
            if self.job is not None and self.job["generation"] == self.generation:
                points = tuple(np.concatenate([a, b]) for a, b in zip(self.job["points"], points))
            self.job = {"fit": fit, "points": points, "seconds": seconds, "epoch": self.epoch,
                        "generation": self.generation, "grid": self.grid,
                        "problem": self.problem, "edited": self.edited}
            self.job_ready.notify()

    def _paint_loop(self):
        while not self.closed.is_set():
            with self.job_ready:
                while self.job is None and not self.closed.is_set():
                    self.job_ready.wait()
                job, self.job = self.job, None
            if job is None:
                continue
            try:
                started = time.perf_counter()
                frame = self._frame(job["fit"], job["grid"], job["problem"], job["epoch"],
                                    job["edited"], job["points"], job["seconds"])
                self.watch.add("paint", time.perf_counter() - started)
            except Exception:  # a bug: said in the log, the training goes on
                log.error("playground painter %s: %s", self.id, traceback.format_exc())
                continue
            with self.order:
                if job["generation"] == self.generation:
                    self.emit(frame)

    def _show(self, fit, *, reset_grid=False, points=None, seconds=None):
        with self.busy:
            self.fit = fit
        if reset_grid or self.grid is None:
            self.grid = Grid(self.problem, fit)
        with self.job_ready:  # a picture drawn now supersedes one waiting to be drawn
            if self.job is not None and points is not None:
                points = tuple(np.concatenate([a, b]) for a, b in zip(self.job["points"], points))
            self.job = None
        frame = self._frame(fit, self.grid, self.problem, self.epoch, self.edited, points,
                            seconds)
        with self.order:
            self.emit(frame)

    def _frame(self, fit, grid, problem, epoch, edited, points, seconds):
        frame = build_frame(fit, grid, problem)
        frame.update(type="frame", epoch=epoch, edited=edited,
                     sizes=list(fit.network.layer_sizes))
        if points is not None:
            epochs, loss, val = points
            pick = np.unique(np.linspace(0, len(epochs) - 1,
                                         min(len(epochs), HISTORY_POINTS)).astype(int))
            frame["history"] = [[int(epochs[i]), _num(loss[i]), _num(val[i])] for i in pick]
            frame["loss"], frame["val_loss"] = _num(loss[-1]), _num(val[-1])
            frame["chunk_seconds"] = seconds
        elif self.history["loss"]:
            frame["loss"], frame["val_loss"] = (_num(self.history["loss"][-1]),
                                                _num(self.history["val_loss"][-1]))
        return frame

    def _edit(self, message):
        """Surgery on the current weights (every member alike); training goes on from them."""
        fit = edits.edit(self, message)
        self.edited = True
        self.state, self.init_params = None, fit.params  # a fresh optimizer from the edit
        self._show(fit)

    # ---- reading the session (other threads) ----

    def current(self):
        """(fit, problem, epoch, edited) as they are now."""
        with self.busy:
            return self.fit, self.problem, self.epoch, self.edited


__all__ = ["Session", "CHUNK_EPOCHS", "FRAME_SECONDS"]
