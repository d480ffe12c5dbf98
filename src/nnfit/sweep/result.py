"""What a sweep returns: the tidy table, the Fits, summaries over seeds, saving and loading."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ..fitted import Fit
from . import grid as G
from ..errors import InvalidOptionError


class _Fits(Mapping):
    """``config_id -> Fit`` whose members are that configuration's seeds, loaded on first use."""

    def __init__(self, result):
        self._result = result
        self._cache = {}

    def __getitem__(self, cid):
        if cid not in self._cache:
            seeds = self._result.table.loc[self._result.table.config_id == cid, "seed"].tolist()
            if not seeds:
                raise KeyError(cid)
            from .group import stack_fits
            self._cache[cid] = stack_fits([self._result.fit(cid, s) for s in seeds])
        return self._cache[cid]

    def __iter__(self):
        return iter(dict.fromkeys(self._result.table.config_id))

    def __len__(self):
        return len(dict.fromkeys(self._result.table.config_id))

    def __repr__(self):
        return f"<{len(self)} fits keyed by config_id; each one member per seed>"


class SweepResult:
    """The result of :func:`nnfit.sweep.run`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per finished (configuration, seed); see :func:`nnfit.sweep.run` for the columns.
    configs : dict of str -> dict
        Every configuration of the sweep by id, with every option of nnfit.fit and MLP.
    fits : Mapping of str -> Fit
        ``fits[config_id]`` has one member per seed, in the table's order (loaded from the run
        folder on first use when the result was loaded).
    folder : str or None
        The run folder, when there is one.
    complete : bool
        False when the sweep was stopped before every run finished.
    seconds : float
        Wall time of the call that produced the result (0 for a loaded one).
    """

    def __init__(self, table, configs, *, fits=None, folder=None, complete=True, seconds=0.0):
        self.table = table
        self.configs = dict(configs)
        self._runs = dict(fits or {})
        self.folder = folder
        self.complete = complete
        self.seconds = seconds
        self.fits = _Fits(self)

    def __repr__(self):
        n_cfg = self.table.config_id.nunique() if len(self.table) else 0
        state = "" if self.complete else ", incomplete"
        return f"SweepResult({n_cfg} configurations, {len(self.table)} runs{state})"

    def fit(self, config_id, seed):
        """The Fit of one run (one member)."""
        key = (config_id, int(seed))
        if key not in self._runs:
            if self.folder is None:
                raise KeyError(f"no run {key} in this sweep")
            path = os.path.join(self.folder, "fits", config_id, f"seed-{int(seed)}")
            self._runs[key] = Fit.load(path)
        return self._runs[key]

    @property
    def task(self):
        return "classification" if any(c.startswith("val_accuracy") or c.startswith(
            "train_accuracy") for c in self.table.columns) else "regression"

    def default_metric(self):
        """``val_mse`` / ``val_accuracy`` when there is validation data, else the train one."""
        name = "accuracy" if self.task == "classification" else "mse"
        return f"val_{name}" if f"val_{name}" in self.table else f"train_{name}"

    def swept(self):
        """The configuration columns that take more than one value in this table."""
        cols = [c for c in self.table.columns if c in G.KEYS]
        return [c for c in cols if self.table[c].map(repr).nunique() > 1]

    def summary(self, metrics=None):
        """One row per configuration: the mean, std, min and max of ``metrics`` over seeds.

        Parameters
        ----------
        metrics : list of str, optional
            Default: the final and best train and validation metrics.

        Returns
        -------
        pandas.DataFrame
            Configuration columns, ``n_params``, ``n_seeds``, then ``<metric>_mean``,
            ``_std`` (ddof=1; NaN for one seed), ``_min``, ``_max``.
        """
        import pandas as pd

        t = self.table
        if metrics is None:
            metrics = [c for c in t.columns
                       if c.startswith(("train_", "val_", "best_train_", "best_val_"))]
        config_cols = [c for c in t.columns if c in G.KEYS]
        rows = []
        for cid, part in t.groupby("config_id", sort=False):
            row = {"config_id": cid, **part.iloc[0][config_cols].to_dict(),
                   "n_params": int(part.n_params.iloc[0]), "n_seeds": len(part)}
            for m in metrics:
                v = part[m].to_numpy(dtype=float)
                row.update({f"{m}_mean": np.mean(v),
                            f"{m}_std": np.std(v, ddof=1) if len(v) > 1 else np.nan,
                            f"{m}_min": np.min(v), f"{m}_max": np.max(v)})
            rows.append(row)
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------------- pictures
    def plot_capacity(self, metric=None, by=None, ax=None):
        """Metric against trainable parameters (log scale), mean and spread over seeds."""
        from .plots import plot_capacity
        return plot_capacity(self, metric or self.default_metric(), by=by, ax=ax)

    def plot_heatmap(self, x, y, metric=None, ax=None):
        """Heat map of the metric's mean over seeds (and any other key) for keys ``x``, ``y``."""
        from .plots import plot_heatmap
        return plot_heatmap(self, x, y, metric or self.default_metric(), ax=ax)

    def report(self, folder=None, metric=None):
        """Write ``report.html`` (tables and figures, self-contained) and PNGs; return its path.

        ``folder`` defaults to the run folder.
        """
        from .plots import write_report
        folder = folder or self.folder
        if folder is None:
            raise InvalidOptionError("give report(folder=...): this sweep has no run folder")
        return write_report(self, folder, metric or self.default_metric())

    # ------------------------------------------------------------------------- files
    def save(self, folder):
        """Write the sweep as a run folder (sweep.json, table.csv, fits/) that :meth:`load` reads."""
        from .folder import FORMAT_VERSION, _Folder

        folder = os.fspath(folder)
        if self.folder is not None and os.path.abspath(folder) == os.path.abspath(self.folder):
            return folder
        os.makedirs(folder, exist_ok=True)
        meta_path = os.path.join(folder, "sweep.json")
        if os.path.exists(meta_path):
            raise FileExistsError(f"{folder!r} already holds a sweep; save to a new folder")
        target = _Folder.__new__(_Folder)
        target.path, target.meta_path = folder, meta_path
        target.meta = {"format": FORMAT_VERSION, "data": None, "task": self.task,
                       "configs": {}, "order": []}
        keys = list(zip(self.table.config_id, self.table.seed.astype(int)))
        target.write_meta({cid: self.configs[cid] for cid, _ in keys}, keys)
        for cid, seed in keys:
            target.save_fit((cid, seed), self.fit(cid, seed))
        target.write_table(self.table, parquet=True)
        return folder

    @classmethod
    def load(cls, folder):
        """Read a run folder written by :func:`nnfit.sweep.run` or :meth:`save`."""
        from .._runcheck import read_versioned_json
        from .folder import FORMAT_VERSION, _Folder, table

        folder = os.fspath(folder)
        path = os.path.join(folder, "sweep.json")
        meta = read_versioned_json(path, FORMAT_VERSION,
                                   f"{folder!r} holds no sweep (no sweep.json); give the folder "
                                   "passed to nnfit.sweep.run(out=...)")
        reader = _Folder.__new__(_Folder)
        reader.path, reader.meta_path, reader.meta = folder, path, meta
        records = reader.records()
        configs = {cid: G.Configuration(c) for cid, c in meta["configs"].items()}
        keys = [(cid, int(seed)) for cid, seed in meta["order"]]
        keys += [k for k in records if k not in set(keys)]
        frame = table(keys, records, configs)
        used = set(frame.config_id)
        return cls(frame, {k: v for k, v in configs.items() if k in used}, folder=folder,
                   complete=all(k in records for k in keys))


def load(folder):
    """Load a sweep's run folder: :meth:`SweepResult.load`."""
    return SweepResult.load(folder)
