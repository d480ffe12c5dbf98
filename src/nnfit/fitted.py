"""A trained network: its parameters, its history, and what it predicts.

A :class:`Fit` keeps every member's parameters as NumPy arrays with a leading member axis
(``fit.params`` drops that axis when there is one member, as the contract says), the per-epoch
history as pandas DataFrames, and enough of the configuration to predict, summarise, save and
load without the training data. Saving writes JSON, CSV and ``.npz`` only (no pickle,
:mod:`nnfit._fitfiles`), the folder as a whole (a reader sees the complete old save or the
complete new one, :mod:`nnfit._runfolder`), and loading checks every file
(:mod:`nnfit._runcheck`).
"""

from __future__ import annotations

import functools
import os

import numpy as np

from ._checks import check_features, check_float_range
from ._records import histories_table
from ._predictwarn import called_by_user, warn_extrapolation, warn_non_finite
from .mlp import Network
from .errors import InvalidOptionError

_THIS_FILE = os.path.abspath(__file__)


@functools.lru_cache(maxsize=None)
def _member_apply(spec, n_inputs, n_outputs, logits):
    """A jitted ``(params[m], X, mean, var) -> (m, n, n_outputs)``, one per network shape."""
    import jax

    def apply(params, X, mean, var):
        net = Network(spec, n_inputs, n_outputs, mean, var)
        return net.apply(params, X, logits=logits)

    return jax.jit(jax.vmap(apply, in_axes=(0, None, None, None)))


class Fit:
    """The result of :func:`nnfit.fit`.

    Attributes
    ----------
    network : Network
        The built network (sizes and input normalisation).
    params : list of (W, b)
        ``W`` (n_in, n_out) and ``b`` (n_out,); with several members each has a leading
        member axis (n_members, ...).
    history : pandas.DataFrame
        One row per epoch (``epoch`` counts from 1): ``loss`` (data loss plus penalty, averaged
        over the epoch's batches as Keras does), ``penalty``, the metrics, and ``val_*`` on the
        validation data. With several members, one row per member and epoch with a
        ``member`` column, as ``history.csv`` holds it (:attr:`mean_history`: their mean).
    histories : pandas.DataFrame
        Every member's rows with a ``member`` column, whatever the number of members.
    mean_history : pandas.DataFrame
        The members' mean per epoch (one row per epoch).
    stop_reasons : list of str
        Per member: ``completed``, ``early_stopping``, ``target_reached``, ``diverged`` or
        ``interrupted``.
    timings : dict
        ``compile_s``, ``train_s`` (the compiled loop alone) and ``total_s`` seconds.
    solver_info : list of dict or None
        Least-squares solvers only: per member, scipy's cost, status, message, nfev, njev,
        optimality and success.
    input_stats : dict or None
        The training inputs' ``min``, ``max``, ``mean`` (n_features,) and ``cov``
        (n_features, n_features): what extrapolation checks compare new inputs against.
    table : TableSpec or None
        For a fit of a table: how its raw columns become the network's inputs
        (:mod:`nnfit.tabular`); :meth:`predict` then takes raw rows.
    notes : list of str
        What was decided about the data (task, columns, gaps, validation rows), in words.
    data_warnings : list of str
        What looked wrong in the data at fit time (validation classes training never saw...).
    scores : dict or None
        Metrics on the training, validation (and test) rows beside two baselines (the mean or
        majority class, and the exact linear model), from :func:`nnfit.checks.score_fit`.
    """

    def __init__(self, network, member_params, histories, *, config, task, classes=None,
                 y_shape=(), feature_names=None, dtype="float32", stop_reasons=None,
                 best_epoch=None, timings=None, solver_info=None, input_stats=None,
                 table=None, notes=None, data_warnings=None, scores=None):
        self.network = network
        self._member_params = [(np.asarray(W), np.asarray(b)) for W, b in member_params]
        self._histories = histories  # a DataFrame, or a function that builds it when first read
        self._records = None  # the engine's records, name -> (n_members, epochs), when known
        self.config = config
        self.task = task
        self.classes = None if classes is None else np.asarray(classes)
        self.y_shape = tuple(y_shape)
        self.feature_names = None if feature_names is None else tuple(feature_names)
        self.dtype = dtype
        self.stop_reasons = list(stop_reasons or [])
        self.best_epoch = None if best_epoch is None else np.asarray(best_epoch)
        self.timings = dict(timings or {})
        self.solver_info = solver_info
        self.input_stats = None if input_stats is None else {
            k: np.asarray(v, dtype=np.float64) for k, v in input_stats.items()}
        self._options = None  # the typed options, when this process trained the fit
        self.table = table
        self.notes = list(notes or [])
        self.data_warnings = list(data_warnings or [])
        self.scores = scores

    @property
    def options(self):
        """The run's :class:`~nnfit.options.FitOptions` (settings only, never data).

        ``config["options"]`` holds them as plain JSON, and ``config`` the values the run
        resolved (the loss, the seeds, a batch's real rows, the model); a loaded fit rebuilds
        its options from them, or gives None where they cannot be rebuilt (an optax schedule
        as the learning rate is saved as its description only).
        """
        if self._options is None:
            from .errors import InvalidOptionError
            from .options import FitOptions

            try:
                self._options = FitOptions.from_dict(self.config.get("options", self.config))
            except InvalidOptionError:  # a callable learning rate is saved as its repr only
                return None
        return self._options

    @options.setter
    def options(self, value):
        self._options = value

    @property
    def warnings(self):
        """What is wrong with this fit, in words (a list of str; empty when nothing is).

        The data's problems found at fit time (:attr:`data_warnings`), then the checks of the
        fit itself: not converged, diverged, interrupted, and worse than the baselines of
        :attr:`scores` (the mean or majority class, the exact linear model).
        """
        from .report.fit import fit_warnings

        found = [text for level, text in fit_warnings(self) if level == "warning"]
        return [*self.data_warnings, *[t for t in found if t not in self.data_warnings]]

    @classmethod
    def from_engine(cls, network, result, **kwargs):
        """Build a Fit from an :class:`~nnfit.engine.EngineResult`.

        The history tables are built when first read: a script that only predicts never
        imports pandas, and a grid search of many fits pays for the tables it looks at.
        """
        records, n_members = result.records, len(result.reasons)
        # a partial, not a lambda: a Fit (and an estimator holding one) pickles
        fit = cls(network, result.params, functools.partial(histories_table, records, n_members),
                  stop_reasons=result.reasons, best_epoch=result.best_epoch + 1,
                  timings=result.timings, **kwargs)
        fit._records = records
        return fit

    @property
    def histories(self):
        """Every member's per-epoch history, with a ``member`` column (a pandas DataFrame)."""
        if callable(self._histories):
            self._histories = self._histories()
        return self._histories

    # ----------------------------------------------------------------- parameters and history
    @property
    def n_members(self):
        """Number of members (seeds or hyper-parameter settings) trained together."""
        return self._member_params[0][0].shape[0]

    @property
    def params(self):
        """The parameters; a leading member axis only when there are several members."""
        if self.n_members == 1:
            return [(W[0], b[0]) for W, b in self._member_params]
        return [(W, b) for W, b in self._member_params]

    def member_params(self, member):
        """The parameter list of one member, without the member axis."""
        return [(W[member], b[member]) for W, b in self._member_params]

    def select(self, members):
        """A new Fit of some members, renumbered from 0 in the order given.

        Parameters
        ----------
        members : int or sequence of int

        Returns
        -------
        Fit
        """
        from ._fitmembers import select_members

        return select_members(self, members)

    @classmethod
    def concat(cls, fits):
        """One Fit whose members are those of ``fits`` (one network, one task), in order."""
        from ._fitmembers import concat_fits

        return concat_fits(fits)

    def _with(self, params, histories, stop_reasons, best_epoch, solver_info):
        """A copy of this Fit with other members (the network and settings stay)."""
        return type(self)(self.network, params, histories, config=self.config, task=self.task,
                          classes=self.classes, y_shape=self.y_shape,
                          feature_names=self.feature_names, dtype=self.dtype,
                          stop_reasons=stop_reasons, best_epoch=best_epoch,
                          timings=self.timings, solver_info=solver_info,
                          input_stats=self.input_stats, table=self.table, notes=self.notes,
                          data_warnings=self.data_warnings, scores=self.scores)

    def encoded(self):
        """This fit as a function of the network's inputs (numbers), without its table rules.

        A fit of a table predicts from raw rows; the diagnostics, plots and reports work on
        the network's inputs (one-hot columns, standardised numbers), named by
        :attr:`feature_names`. Returns ``self`` for a fit of arrays.
        """
        if self.table is None:
            return self
        fit = self._with(self._member_params, self._histories, self.stop_reasons,
                         self.best_epoch, self.solver_info)
        fit._records, fit.table, fit._options = self._records, None, self._options
        return fit

    @property
    def history(self):
        """Per-epoch history: one row per epoch; with several members, one row per member and
        epoch with a ``member`` column (as ``history.csv`` holds it, and as :attr:`params` has a
        member axis). :attr:`mean_history` is the members' mean per epoch."""
        if self.n_members > 1:
            return self.histories
        return self.mean_history

    @property
    def mean_history(self):
        """The members' mean per epoch, one row per epoch (the history of a single member)."""
        import pandas as pd

        if self.histories.empty:
            return self.histories.drop(columns=["member"], errors="ignore")
        if self.n_members == 1:  # the mean of one member, without a groupby's cost
            frame = self.histories
            return pd.DataFrame({c: frame[c].to_numpy(np.int64 if c == "epoch" else np.float64)
                                 for c in frame.columns if c != "member"})
        frame = self.histories.drop(columns=["member"]).groupby("epoch", as_index=False).mean()
        return frame.reset_index(drop=True)

    def curve(self, name):
        """One column of :attr:`history` as a float64 array (n_epochs,), without the table.

        The members' mean per epoch, as in ``history[name]``; read straight from the engine's
        records where the table has not been built (the estimators' ``loss_curve_``: a short
        fit should not pay for pandas).
        """
        records = self._records
        if records is None or name not in records or not callable(self._histories):
            return self.mean_history[name].to_numpy(np.float64)
        values = records[name].astype(np.float64)  # NaN where a member had stopped
        if values.shape[0] == 1:  # one member records every epoch up to its last
            return values[0]
        return np.nanmean(values, axis=0) if values.shape[1] else values[0]

    @property
    def epochs_run(self):
        """Epochs each member trained, shape (n_members,)."""
        counts = self.histories.groupby("member").size() if not self.histories.empty else None
        return np.array([0 if counts is None else int(counts.get(m, 0))
                         for m in range(self.n_members)])

    # --------------------------------------------------------------------------- prediction
    def inputs(self, X, *, warn=True):
        """The network's inputs for ``X``: a table's rows encoded, or an array checked.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n, n_features)
            For a fit of a table, the raw rows (every column of ``fit.table.features``).

        Returns
        -------
        ndarray of shape (n, n_inputs)
            NaN rows where a table row cannot be predicted (``missing='drop'``).
        """
        if self.table is not None:
            return self.table.encode(X, name="the rows", warn=warn)[0]
        X = check_features(X)
        if X.shape[1] != self.network.n_inputs:
            raise InvalidOptionError(f"X has {X.shape[1]} features but the network was fitted with "
                             f"{self.network.n_inputs}")
        return X

    def _outputs(self, X, logits=False):
        """Every member's output, shape (n_members, n, n_outputs)."""
        X = self.inputs(X)
        skipped = np.isnan(X).any(axis=1) if self.table is not None else np.zeros(len(X), bool)
        out = np.full((self.n_members, len(X), self.network.n_outputs), np.nan)
        if (~skipped).any():  # missing='drop' leaves rows with gaps unpredicted
            out[:, ~skipped] = self._outputs_of(X[~skipped], logits)
        # nnfit's own figures draw beyond the data on purpose; non-finite outputs were warned of
        if called_by_user(_THIS_FILE) and np.isfinite(out[:, ~skipped]).all():
            self._warn_far(X[~skipped])
        return out

    def _warn_far(self, X):
        """Warn when rows of the network's inputs X lie far outside the training data, in the
        user's own units (a table's numbers as they were, its one-hot columns left out)."""
        if self.table is None:
            warn_extrapolation(X, self.input_stats, self.feature_names)
        elif self.input_stats is not None:
            warn_extrapolation(*self.table.raw_numbers(X, self.input_stats))

    def _outputs_of(self, X, logits):
        import jax

        # a float32 fit would turn 1e300 into inf (and tanh(inf) into a plausible 1.0)
        check_float_range("X", X, self.dtype,
                          fix="scale the column as in training, or refit with dtype='float64'")
        from .buckets import pad_rows

        dtype = np.float64 if self.dtype == "float64" else np.float32
        net = self.network
        apply = _member_apply(net.spec, net.n_inputs, net.n_outputs, logits)
        cast = lambda a: None if a is None else np.asarray(a, dtype)  # noqa: E731
        # rows padded to the training engine's buckets: predictions on sets of nearby sizes,
        # such as cross-validation folds, share one compiled program
        n = len(X)
        with jax.enable_x64(self.dtype == "float64"):
            params = [(cast(W), cast(b)) for W, b in self._member_params]
            out = apply(params, pad_rows(X, dtype), cast(net.mean), cast(net.var))
            out = np.asarray(out, dtype=np.float64)[:, :n]
        if not np.isfinite(out).all():
            warn_non_finite(out, X, self.input_stats, self.dtype)
        return out

    def predict_members(self, X):
        """Each member's prediction, shape (n_members, n) or (n_members, n, n_outputs).

        For classifiers these are class probabilities (n_members, n, n_classes).
        """
        out = self._outputs(X)
        if self.task == "classification":
            return _as_class_probabilities(out)
        return out[..., 0] if self.y_shape == () else out

    def predict(self, X, return_std=False):
        """Predict with the members' mean.

        Parameters
        ----------
        X : array-like of shape (n, n_features)
        return_std : bool
            Also return the members' standard deviation (zeros for a single member).

        Returns
        -------
        mean : ndarray of shape (n,) or (n, n_outputs)
            Regression values, or class labels for a classifier.
        std : ndarray, same shape as ``mean`` (only with ``return_std``)
            For a classifier, the spread of the predicted class's probability.
        """
        members = self.predict_members(X)
        if self.task == "classification":
            proba = members.mean(axis=0)
            unknown = np.isnan(proba).any(axis=-1)
            label = np.where(unknown, 0, np.nan_to_num(proba).argmax(axis=-1))
            labels = self.classes[label]
            if unknown.any():  # rows left without a prediction (missing='drop')
                labels = labels.astype(object)
                labels[unknown] = None
            if return_std:
                spread = members.std(axis=0)[np.arange(len(label)), label]
                return labels, spread
            return labels
        mean = members.mean(axis=0)
        return (mean, members.std(axis=0)) if return_std else mean

    def predict_proba(self, X, return_std=False):
        """Class probabilities, the members' mean: shape (n, n_classes)."""
        if self.task != "classification":
            raise InvalidOptionError("predict_proba is for classifiers; this Fit is a regression")
        members = self.predict_members(X)
        mean = members.mean(axis=0)
        return (mean, members.std(axis=0)) if return_std else mean

    def layer_outputs(self, X, member=0):
        """Every layer's output for one member: list of (n, width) arrays, input first."""
        import jax
        import jax.numpy as jnp

        X = check_features(X)
        with jax.enable_x64(self.dtype == "float64"):
            dtype = jnp.float64 if self.dtype == "float64" else jnp.float32
            params = [(jnp.asarray(W, dtype), jnp.asarray(b, dtype))
                      for W, b in self.member_params(member)]
            outs = self.network.layer_outputs(params, jnp.asarray(X, dtype))
            return [np.asarray(o) for o in outs]

    def summary(self):
        """Keras-like table of layers and parameter counts, then members and stopping."""
        lines = [self.network.summary()]
        if self.n_members > 1:
            lines.append(f"Members: {self.n_members} (trained together)")
        if self.stop_reasons:
            reasons = {r: self.stop_reasons.count(r) for r in dict.fromkeys(self.stop_reasons)}
            lines.append("Stopped: " + ", ".join(f"{r} x{c}" for r, c in reasons.items()))
        hist = self.mean_history
        if not hist.empty:
            last = hist.iloc[-1]
            metrics = ", ".join(f"{k} {last[k]:.4g}" for k in hist.columns if k != "epoch")
            lines.append(f"Epoch {int(last['epoch'])}: {metrics}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"Fit(layers={self.network.layer_sizes}, members={self.n_members}, "
                f"epochs={int(self.epochs_run.max()) if self.n_members else 0}, task={self.task!r})")

    # ---------------------------------------------------------------------------- save/load
    def save(self, folder):
        """Write the fit into ``folder``: ``fit.json``, ``params.npz``, ``history.csv``.

        The folder is written as a whole: into a temporary sibling folder, with a
        ``manifest.json`` of every file's size and SHA-256, which then takes the folder's place
        in one step (see :mod:`nnfit._runfolder`). Whatever stops the save, ``folder`` holds
        either the complete previous save or the complete new one, never a mix; files of your
        own in it are kept. Saved into a run folder of ``nnfit fit``, the fit replaces the whole
        run: its ``config.toml``, ``status.json``, ``data.npz`` and ``report.html`` described
        another run and are not kept. A non-empty folder that holds no saved fit is refused.

        Returns
        -------
        str
            ``folder``.
        """
        from ._runfolder import replacing

        with replacing(folder) as tmp:
            self._write_files(tmp)
        return folder

    def _write_files(self, folder):
        """Write fit.json, params.npz and history.csv into the (new, temporary) ``folder``."""
        from ._fitfiles import write_files

        return write_files(self, folder)

    @classmethod
    def load(cls, folder):
        """Read a Fit written by :meth:`save`, checking every file.

        Raises
        ------
        FileNotFoundError
            ``folder`` holds no ``fit.json``.
        RunFolderError
            A file does not match the folder's manifest, cannot be parsed, or disagrees with
            the others (layer sizes, members, epochs); the message names the file.
        """
        from ._fitfiles import read_files

        network, params, histories, fields = read_files(folder)
        return cls(network, params, histories, **fields)


def load_fit(folder):
    """Load a :class:`Fit` saved with :meth:`Fit.save`."""
    return Fit.load(folder)


def _as_class_probabilities(out):
    """Sigmoid outputs (m, n, 1) become two-column probabilities (m, n, 2)."""
    if out.shape[-1] == 1:
        return np.concatenate([1.0 - out, out], axis=-1)
    return out
