"""The run folder: ``sweep.json``, ``table.csv`` (and Parquet), ``fits/``, each file atomic.

See :mod:`nnfit.sweep.run` for the layout and the resume rule.
"""

from __future__ import annotations

import hashlib
import io
import json
import os

import numpy as np

from .. import __version__
from ..errors import InvalidOptionError, RunFolderError
from .._runfolder import _atomic_write
from . import grid as G

FORMAT_VERSION = 2  # 2: configurations hold every grid option of nnfit.options (new ids)
CORE_COLUMNS = ("hidden", "activation", "optimizer", "learning_rate", "batch_size", "epochs",
                "l1", "l2")



def _fingerprint(data):
    """A hash of the arrays and validation settings: a run folder belongs to one data set."""
    h = hashlib.sha1()
    for key in ("X", "y", "X_val", "y_val"):
        a = data[key]
        h.update(key.encode())
        if a is not None:
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    h.update(str(data["every_epoch"]).encode())
    return h.hexdigest()[:16]



class _Folder:
    """The run folder: sweep.json, table.csv and the Fits, each written atomically."""

    def __init__(self, path, fingerprint, task):
        from .._runcheck import read_json

        self.path = os.fspath(path)
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise InvalidOptionError(f"out={self.path!r} is a file, not a folder; give a folder "
                                     "for the sweep")
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as err:
            raise InvalidOptionError(f"out={self.path!r} cannot be made: {err.strerror} "
                                     f"({err.filename}); give a folder you can write to") from None
        self.meta_path = os.path.join(self.path, "sweep.json")
        meta = {"format": FORMAT_VERSION, "data": fingerprint, "task": task, "configs": {},
                "order": []}
        if os.path.exists(self.meta_path):
            old = read_json(self.meta_path)
            if old.get("format") != FORMAT_VERSION:
                raise RunFolderError(f"{self.meta_path}: format {old.get('format')!r} is not "
                                     f"{FORMAT_VERSION} (written by an older nnfit, whose configurations "
                                     "had other ids); use a new folder")
            if old.get("data") != fingerprint:
                raise InvalidOptionError(f"out={self.path!r} holds a sweep of other data (or "
                                         "another validation set or split); give a new folder "
                                         "to start afresh")
            if not isinstance(old.get("configs"), dict) or not isinstance(old.get("order"), list):
                raise RunFolderError(f"{self.meta_path} has no 'configs' table or 'order' list: "
                                     "the file was changed or not written by nnfit; use a new "
                                     "folder, or delete it to start afresh")
            meta = old
        self.meta = meta

    def fit_path(self, cid, seed):
        return os.path.join(self.path, "fits", cid, f"seed-{seed}")

    def records(self):
        """Finished runs: {(config_id, seed): training cells}, only where the Fit is saved."""
        import pandas as pd

        path = os.path.join(self.path, "table.csv")
        if not os.path.exists(path):
            return {}
        # floats are written with repr; read them back bit for bit (pandas 3 does by default)
        exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
        try:
            frame = pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"], **exact)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                ValueError) as err:
            raise RunFolderError(f"{path} cannot be read as a table ({str(err).splitlines()[0]}); "
                                 "delete it to train the sweep's runs again") from None
        if not {"config_id", "seed"} <= set(frame.columns) or (
                len(frame) and not pd.api.types.is_integer_dtype(frame["seed"])):
            raise RunFolderError(f"{path} has no config_id and integer seed columns: the file was "
                                 "changed or not written by nnfit; delete it to train the sweep's "
                                 "runs again")
        cells = [c for c in frame.columns if c not in G.KEYS and c not in ("config_id", "seed")]
        out = {}
        for row in frame.to_dict("records"):
            key = (str(row["config_id"]), int(row["seed"]))
            if os.path.exists(os.path.join(self.fit_path(*key), "fit.json")):
                out[key] = {c: _plain(row[c]) for c in cells}
        return out

    def write_meta(self, configs, order):
        self.meta["configs"].update({cid: dict(c) for cid, c in configs.items()})
        seen = {tuple(k) for k in self.meta["order"]}
        self.meta["order"] += [list(k) for k in order if tuple(k) not in seen]
        self.meta["nnfit_version"] = __version__
        _atomic_write(self.meta_path, lambda f: json.dump(self.meta, f, indent=1), "w")

    def save_fit(self, key, fit):
        fit.save(self.fit_path(*key))

    def write_table(self, frame, parquet=False):
        _atomic_write(os.path.join(self.path, "table.csv"),
                      lambda f: frame.to_csv(f, index=False), "w")
        if parquet:
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                return
            flat = frame.copy()
            for col in flat.columns:
                if flat[col].dtype == object:
                    flat[col] = flat[col].map(lambda v: v if isinstance(v, str) else repr(v))
            buffer = io.BytesIO()
            flat.to_parquet(buffer, index=False)
            _atomic_write(os.path.join(self.path, "table.parquet"),
                          lambda f: f.write(buffer.getvalue()), "wb")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def table(keys, records, configs):
    """The tidy table: one row per finished run in ``keys`` order, configuration cells first."""
    import pandas as pd

    keys = [k for k in keys if k in records]
    used = [configs[cid] for cid in dict.fromkeys(cid for cid, _ in keys)]
    columns = list(CORE_COLUMNS)
    for key in G.KEYS:
        if key not in columns and len({G.canonical_json(c[key]) for c in used}) > 1:
            columns.append(key)
    rows = []
    for cid, seed in keys:
        shown = G.display(configs[cid])
        rows.append({"config_id": cid, "seed": seed, **{c: shown[c] for c in columns},
                     **records[(cid, seed)]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["config_id", "seed", *columns])
    return frame
