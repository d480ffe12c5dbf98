"""TOML experiment files, validated into the arguments of :func:`nnfit.fit`.

An experiment file has three tables; every key is optional except the data source::

    [data]
    dataset = "cubic"            # a built-in set (nnfit.datasets.list_datasets()), or
    # csv = "measurements.csv"   # a CSV file (relative to the TOML file) with
    # target = "y"               #   the target column(s) and
    # features = ["x1", "x2"]    #   the feature columns (default: all the others)
    # drop = ["id"]              #   or the columns to leave out
    # na_values = ["?"]          #   text that marks a missing value (besides empty, NA, NaN)
    # categorical = ["zip"]      #   number codes to one-hot encode as categories
    # missing = "impute"         #   gaps: "impute" (median / most frequent), "drop", "error"
    # task = "classification"    #   default: from the target (text labels: classification)
    validation_split = 0.2       # this fraction of the rows validates,
    # validation_shuffle = false #   taken at random (stratified; the default) or the last rows
    # validation_csv = "val.csv" # or explicit validation data with the same columns
    # test_csv = "test.csv"      # rows only scored (beside the baselines), never trained on

    [model]                      # nnfit.MLP
    hidden = [5, 5]
    activation = "relu"
    normalize = true

    [train]                      # keywords of nnfit.fit
    optimizer = "adam"
    learning_rate = 0.01
    epochs = 200

Mistakes are reported as :class:`ConfigError` naming the file, the table, the key and what is
allowed, before anything is trained. The ``[train]`` keys and their checks are those of
:class:`nnfit.options.FitOptions` that may be set here (``option_names("toml")``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field

from ._checks import first_line
from .errors import InvalidOptionError
from .options import TOML, FitOptions, check_option, option_fields, option_names

NUMBER = (int, float)
# table -> key -> (accepted Python types, description of what is allowed)
SCHEMA = {
    "data": {
        "dataset": (str, "a built-in data set name"),
        "csv": (str, "a CSV file path"),
        "target": ((str, list), "a column name or a list of names"),
        "features": (list, "a list of column names"),
        "drop": (list, "a list of column names to leave out"),
        "na_values": (list, "a list of strings that mean a missing value, e.g. [\"?\"]"),
        "categorical": (list, "columns to one-hot encode although they hold numbers (codes)"),
        "missing": (str, "'impute', 'drop' or 'error'"),
        "task": (str, "'regression' or 'classification'"),
        "validation_split": (NUMBER, "a fraction in [0, 1)"),
        "validation_shuffle": (bool, "true (random rows, the command line's default) or false "
                                     "(the last rows)"),
        "validation_csv": (str, "a CSV file path"),
        "test_csv": (str, "a CSV file path (rows only scored, never trained on)"),
        "params": (dict, "keyword parameters of the built-in data set"),
    },
    "model": {
        "hidden": (list, "a list of layer widths, e.g. [16, 16]"),
        "activation": ((str, list), "an activation name or one per hidden layer"),
        "output": (str, "'linear', 'sigmoid' or 'softmax'"),
        "normalize": (bool, "true or false"),
        "init": (str, "an initialiser name"),
        "bias_init": (str, "an initialiser name"),
        "init_scale": (NUMBER, "a positive number"),
    },
    "sweep": {
        "grid": ((dict, list), "a table of candidate lists, e.g. { hidden = [[8], [16, 16]] }"),
        "seeds": (list, "a list of seeds"),
        "max_configs": (int, "a positive integer"),
    },
}


# options of nnfit.fit that an experiment file sets in [data]: they are about the rows
DATA_OPTIONS = ("validation_split", "validation_shuffle", "missing", "task")


class ConfigError(InvalidOptionError):
    """An experiment file that cannot be used as it is; the message names the file and key."""


@dataclass
class Experiment:
    """A validated experiment: where the data comes from, the model, the training keywords."""

    data: dict
    model: dict
    train: dict = field(default_factory=dict)
    sweep: dict = field(default_factory=dict)
    folder: str = "."
    path: str | None = None  # the experiment file, named in errors

    def _where(self):
        return f"{self.path}: " if self.path else ""

    def mlp(self):
        """The :class:`~nnfit.MLP` of the ``[model]`` table."""
        from .mlp import MLP

        model = dict(self.model)
        if "hidden" in model:
            model["hidden"] = tuple(model["hidden"])
        if isinstance(model.get("activation"), list):
            model["activation"] = tuple(model["activation"])
        try:
            return MLP(**model)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{self._where()}[model]: {err}") from None

    def fit_keywords(self):
        """The ``[train]`` table as keywords of :func:`nnfit.fit`."""
        return dict(self.train)  # checked by the options' rules ("full" batches included)

    def dataset(self):
        """Load the ``[data]`` table: (Dataset, validation_data or None, validation_split)."""
        from . import datasets

        d = self.data
        split = d.get("validation_split", 0.0)
        try:
            if "dataset" in d:
                data = datasets.load_dataset(d["dataset"], **d.get("params", {}))
            else:
                data = datasets.from_csv(self._path(d["csv"]), target=d["target"],
                                         features=d.get("features"))
            validation = None
            if "validation_csv" in d:
                val = datasets.from_csv(self._path(d["validation_csv"]), target=list(data.target_names),
                                        features=list(data.feature_names))
                validation = (val.X, val.y)
            elif data.X_val is not None and split == 0:
                validation = (data.X_val, data.y_val)
        except (FileNotFoundError, KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"{self._where()}[data]: {first_line(err)}") from None
        return data, validation, split

    def rows(self):
        """The ``[data]`` table as what :func:`nnfit.fit` takes.

        A csv is read as a raw table (its columns encoded by :mod:`nnfit.tabular` from the
        training rows); a built-in dataset gives arrays.

        Returns
        -------
        X : pandas.DataFrame or ndarray
        y : str, list of str, or ndarray
            The target column name(s) of a table, or the targets.
        validation_data : tuple or None
        keywords : dict
            The ``[data]`` options of nnfit.fit (validation_split, validation_shuffle, missing,
            task) that the table sets, and ``test_data`` for a ``test_csv``.
        name : str
        """
        d = self.data
        keywords = {k: d[k] for k in DATA_OPTIONS if k in d}
        if "csv" not in d:
            data, validation, split = self.dataset()
            keywords["validation_split"] = split
            return data.X, data.y, validation, keywords, data.name
        from .tabular import read_table

        read = lambda key: self._columns(read_table(  # noqa: E731  (held-out files: 1 row is 1)
            self._path(d[key]), min_rows=2 if key == "csv" else 1,
            **({"na_values": d["na_values"]} if "na_values" in d else {})))
        try:
            frame = read("csv")
            validation = None
            if "validation_csv" in d:
                validation = (read("validation_csv"), d["target"])
            if "test_csv" in d:
                keywords["test_data"] = (read("test_csv"), d["target"])
        except (FileNotFoundError, InvalidOptionError) as err:
            raise ConfigError(f"{self._where()}[data]: {first_line(err)}") from None
        name = os.path.splitext(os.path.basename(d["csv"]))[0]
        return frame, d["target"], validation, keywords, name

    def _columns(self, frame):
        """The table's target and chosen feature columns (``features``, ``drop``)."""
        d = self.data
        targets = [d["target"]] if isinstance(d["target"], str) else list(d["target"])
        chosen = d.get("features")
        named = (targets + list(chosen or []) + list(d.get("drop", []))
                 + list(d.get("categorical", [])))
        absent = [c for c in named if c not in frame.columns]
        if absent:
            raise InvalidOptionError(f"column {absent[0]!r} not found; the columns are "
                                     f"{[str(c) for c in frame.columns]}")
        keep = targets + [c for c in (chosen if chosen is not None else frame.columns)
                          if c not in targets and c not in d.get("drop", [])]
        if len(keep) == len(targets):
            raise InvalidOptionError("no feature columns are left after features/drop; keep at "
                                     "least one")
        frame = frame[keep]
        codes = [c for c in d.get("categorical", []) if c in frame.columns]
        return frame.astype({c: "category" for c in codes}) if codes else frame

    def _path(self, name):
        return name if os.path.isabs(name) else os.path.join(self.folder, name)


def load_config(path, *, tables=("data", "model", "train")):
    """Read and validate an experiment file.

    Parameters
    ----------
    path : str
        The TOML file.
    tables : tuple of str
        The tables this command accepts (``nnfit sweep`` adds ``sweep``).

    Returns
    -------
    Experiment

    Raises
    ------
    ConfigError
        For a missing or unreadable file, invalid TOML, an unknown table or key, a value of
        the wrong type, or no data source.
    """
    if not os.path.isfile(path):
        raise ConfigError(f"config file {path!r} does not exist; give the path of a .toml file")
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {first_line(err)}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}); save the file as "
                          "UTF-8") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read: {err.strerror}") from None
    try:
        experiment = validate(raw, tables=tables, folder=os.path.dirname(os.path.abspath(path)))
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    experiment.path = path
    return experiment


# [data] keys that describe a csv's columns and files: a built-in dataset has its own
CSV_ONLY = ("target", "features", "drop", "na_values", "categorical", "test_csv")


def validate(raw, *, tables=("data", "model", "train"), folder="."):
    """Validate an already-parsed experiment dictionary; see :func:`load_config`."""
    unknown = set(raw) - set(tables)
    if unknown:
        raise ConfigError(f"unknown table [{sorted(unknown)[0]}]; the tables are "
                          + ", ".join(f"[{t}]" for t in tables))
    for table, values in raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{table} must be a table ([{table}]), got {values!r}")
        if table == "train":
            _check_train(values)
        elif table in SCHEMA:
            _check_table(table, values)
    data = raw.get("data", {})
    if ("dataset" in data) == ("csv" in data):
        raise ConfigError("[data] needs exactly one of dataset = \"NAME\" or csv = \"FILE\"")
    if "csv" in data and "target" not in data:
        raise ConfigError("[data] csv needs target = \"COLUMN\" (the column to predict)")
    if "validation_split" in data and "validation_csv" in data:
        raise ConfigError("[data] give validation_split or validation_csv, not both")
    for key in DATA_OPTIONS:  # nnfit.fit's options, by their rules
        if key in data:
            try:
                check_option(key, data[key], label=f"[data] {key}")
            except InvalidOptionError as err:
                raise ConfigError(str(err)) from None
    csv_only = [k for k in CSV_ONLY if k in data]
    if "dataset" in data and csv_only:
        raise ConfigError(f"[data] {' and '.join(csv_only)} {'is' if len(csv_only) == 1 else 'are'}"
                          f" for a csv, not a built-in dataset (it has its own target and "
                          f"columns): leave {' and '.join(csv_only)} out, or give csv = \"FILE\"")
    if not all(isinstance(v, str) for v in data.get("na_values", [])):
        raise ConfigError(f"[data] na_values must be strings, got {data['na_values']!r}")
    train = raw.get("train", {})
    return Experiment(data=data, model=raw.get("model", {}), train=train,
                      sweep=raw.get("sweep", {}), folder=folder)


def _check_train(values):
    """``[train]``: the options of nnfit.fit that TOML may set, checked by their own rules."""
    allowed = option_names(TOML)
    for key, value in values.items():
        if key not in allowed:
            spec = option_fields().get(key)
            if spec is not None:
                raise ConfigError(f"[train] {key} cannot be set here: {spec.elsewhere}")
            _unknown_key("train", key, allowed)
        label = f"[train] {key}"
        try:
            check_option(key, value, label=label)
        except InvalidOptionError as err:
            raise ConfigError(str(err) if label in str(err) else f"{label}: {err}") from None
    try:  # the rules between options (an lbfgs test on adam, a rate beyond float32...)
        FitOptions(**values)
    except InvalidOptionError as err:
        raise ConfigError(f"[train]: {err}") from None


def _unknown_key(table, key, allowed):
    import difflib

    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"unknown key {key!r} in [{table}]{hint}; allowed: "
                      + ", ".join(sorted(allowed)))


def _check_table(table, values):
    schema = SCHEMA[table]
    for key, value in values.items():
        if key not in schema:
            _unknown_key(table, key, schema)
        types, allowed = schema[key]
        types = types if isinstance(types, tuple) else (types,)
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            raise ConfigError(f"[{table}] {key} = {value!r} is a {type(value).__name__}; "
                              f"expected {allowed}")
