"""The rows a playground session trains on, and the grid its pictures are drawn over.

A :class:`Problem` holds what :func:`nnfit.training.fit_options` takes (arrays, or a raw table
and its target column, so an upload gets exactly the command line's column handling), the one
or two *pictured* coordinates of every row, and a function from points of the picture's plane
to the network's inputs (the Playground's derived features; a table's other columns held at
their median or most frequent value). Uploads are read by :func:`read_upload` under stated
limits: the server reads no file but these and ``--data``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from ..errors import InvalidOptionError
from .._csvrows import read_csv_rows
from .config import FEATURES, PLAYGROUND_SETS

# an upload is read into memory and trained on at every chunk: these keep a session's work
# within what the page can show and the machine can train at many epochs a second
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
LIMITS = {"bytes": MAX_UPLOAD_BYTES, "rows": MAX_ROWS, "columns": MAX_COLUMNS}
LIMITS_TEXT = (f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, {MAX_ROWS:,} rows and "
               f"{MAX_COLUMNS} columns, UTF-8 CSV with a header row")

_DERIVED = {
    "x1": lambda a, b: a, "x2": lambda a, b: b, "x1x2": lambda a, b: a * b,
    "x1sq": lambda a, b: a * a, "x2sq": lambda a, b: b * b, "sinx1": lambda a, b: np.sin(a),
    "sinx2": lambda a, b: np.sin(b), "cosx1": lambda a, b: np.cos(a),
    "cosx2": lambda a, b: np.cos(b),
}
# the names a derived column gets in an exported CSV (and in nnfit's tables and reports)
FEATURE_NAMES = {"x1": "x1", "x2": "x2", "x1x2": "x1*x2", "x1sq": "x1^2", "x2sq": "x2^2",
                 "sinx1": "sin(x1)", "sinx2": "sin(x2)", "cosx1": "cos(x1)", "cosx2": "cos(x2)"}


@dataclass
class Problem:
    """Training rows and how to picture them.

    Attributes
    ----------
    X : ndarray (n, d) or pandas.DataFrame
        The network's inputs, or a raw table (target column included).
    y : ndarray (n,) or str
        Targets, or the table's target column.
    task : str
    coords : ndarray (n, 1 or 2)
        The pictured coordinates of every row.
    values : ndarray (n,)
        What the picture shows of each row: the target (regression) or a class code.
    axes : tuple of str
        The pictured coordinates' names.
    bounds : list of (low, high)
        The picture's extent along each axis.
    grid_inputs : callable(points (m, k)) -> network rows (array or DataFrame)
    dataset : dict or None
        ``[data]`` of an experiment file that rebuilds the rows (None: a CSV is needed).
    classes : list of str
        Class names (classification), for the legend.
    """

    X: Any
    y: Any
    task: str
    coords: np.ndarray
    values: np.ndarray
    axes: tuple
    bounds: list
    grid_inputs: Callable
    dataset: dict | None = None
    classes: list = field(default_factory=list)
    name: str = "data"
    validation: Any = None  # (X_val, y_val) of a problem with its own validation rows
    input_names: tuple = ()
    # the columns' encoding nnfit fit learns from an exported CSV (a TableSpec: numbers
    # standardised on the training rows), set by the session for rows that leave as a CSV
    spec: Any = None
    left_out: tuple = ()  # a table's identifier-like text columns, not inputs

    @property
    def leaves_as_csv(self):
        """Whether an exported experiment carries these arrays' rows as a CSV file."""
        return not self.is_table and self.dataset is None

    def inputs(self, X):
        """The network's inputs of raw rows (arrays): encoded as nnfit fit encodes the CSV."""
        X = np.asarray(X, np.float64)
        if self.spec is None:
            return X
        import pandas as pd

        return self.spec.encode(pd.DataFrame(X, columns=list(self.input_names)),
                                warn=False)[0]

    @property
    def is_table(self):
        return isinstance(self.y, str)

    def frame(self):
        """The rows as one table, target last (the exported CSV)."""
        import pandas as pd

        if self.is_table:
            return self.X
        frame = pd.DataFrame(np.asarray(self.X), columns=list(self.input_names))
        frame["y"] = self.y
        return frame


def _bounds(coords, pad=0.05):
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return [(float(a - pad * s), float(b + pad * s)) for a, b, s in zip(low, high, span)]


def build(config, upload=None):
    """The :class:`Problem` of a :class:`~nnfit.playground.config.PlayConfig`.

    ``upload`` is the session's table (a DataFrame), needed when ``config.data == 'upload'``.
    """
    if config.data == "upload":
        if upload is None:
            raise InvalidOptionError("data='upload' but no file was uploaded in this tab; "
                                     "choose a CSV file with the upload button")
        if config.points:
            raise InvalidOptionError("points are added by clicking on the built-in sets and "
                                     "formulas; change an uploaded table in its CSV file")
        return _table_problem(config, upload)
    return apply_points(_built(config), config.points)


def _built(config):
    from .. import datasets

    if config.data == "formula":
        from .formula import sample

        X, y, task, names = sample(config.formula, noise=config.noise, seed=config.seed)
        return _array_problem(X, y, task, names, None, config, name="formula")
    params = {"noise": config.noise} if config.data in PLAYGROUND_SETS else {}
    ds = datasets.load_dataset(config.data, **params)
    spec = {"dataset": config.data, **({"params": params} if params else {})}
    problem = _array_problem(ds.X, ds.y, ds.task, ds.feature_names, spec, config, name=ds.name)
    if ds.X_val is not None:
        problem.validation = (np.asarray(ds.X_val), np.asarray(ds.y_val))
    return problem


def _array_problem(X, y, task, names, spec, config, *, name):
    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    coords = X[:, :2]
    if X.shape[1] == 2:  # the Playground's plane: derived features of (x1, x2)
        chosen = tuple(f for f in FEATURES if f in config.features) or ("x1", "x2")

        def grid_inputs(points):
            return np.column_stack([_DERIVED[f](points[:, 0], points[:, 1]) for f in chosen])

        inputs = grid_inputs(X)
        input_names = tuple(FEATURE_NAMES[f] for f in chosen)
        if chosen != ("x1", "x2"):
            spec = None  # derived columns: the exported experiment needs the CSV
    else:
        coords, inputs, input_names = X[:, :1], X, tuple(names)
        grid_inputs = lambda points: points  # noqa: E731
    classes = [str(c) for c in np.unique(y)] if task == "classification" else []
    return Problem(X=inputs, y=y, task=task, coords=coords,
                   values=np.asarray(y, np.float64).reshape(len(y), -1)[:, 0],
                   axes=tuple(names[:coords.shape[1]]), bounds=_bounds(coords),
                   grid_inputs=grid_inputs, dataset=spec, classes=classes, name=name,
                   input_names=input_names)


def apply_points(problem, points):
    """``problem`` with clicked points added and removed, in order (see ``PlayConfig.points``).

    The picture keeps its extent (a click at its edge does not move it); the rows no longer
    come from a named data set, so an exported experiment carries them as a CSV.
    """
    if not points:
        return problem
    X, y = np.asarray(problem.X, np.float64), np.asarray(problem.y)
    coords, values = problem.coords.copy(), problem.values.copy()
    labels = np.unique(y) if problem.task == "classification" else None
    dims = coords.shape[1]
    span = [high - low for low, high in problem.bounds]
    if dims == 1:
        span.append(float(np.ptp(values)))
    span = np.where(np.asarray(span) > 0, span, 1.0)
    for op, numbers in points:
        if op == "-":
            if len(coords) <= 2:
                raise InvalidOptionError("only 2 points are left; a fit needs at least 2")
            where = np.asarray(numbers[:2], np.float64)
            # nearest in the picture's own proportions (1 input: x and the target)
            shown = np.column_stack([coords, values]) if dims == 1 else coords
            k = int(np.argmin((((shown - where) / span) ** 2).sum(axis=1)))
            keep = np.arange(len(coords)) != k
            X, y, coords, values = X[keep], y[keep], coords[keep], values[keep]
            continue
        at, value = np.asarray(numbers[:dims], np.float64), numbers[dims] if \
            len(numbers) > dims else None
        if value is None:
            raise InvalidOptionError(f"an added point needs {dims} coordinate(s) and a value")
        if labels is not None:
            code = int(np.clip(round(value), 0, len(labels) - 1))
            label, value = labels[code], float(code)
        else:
            label = value
        X = np.vstack([X, np.asarray(problem.grid_inputs(at[None, :]), np.float64)])
        y = np.concatenate([y, np.asarray([label], y.dtype)])
        coords = np.vstack([coords, at[None, :]])
        values = np.concatenate([values, [value]])
    return replace(problem, X=X, y=y, coords=coords, values=values, dataset=None,
                   name=problem.name + " (edited)")


def identifier_columns(frame):
    """Text columns the library refuses to one-hot encode (an identifier or free text: too
    many distinct values), by :func:`nnfit.tabular.identifier_like`, the rule
    :func:`~nnfit.tabular.learn_table` applies."""
    from ..tabular import column_kind, identifier_like

    out = []
    for column in frame.columns:
        known = frame[column].dropna()
        if len(known) and column_kind(frame[column]) == "category" and identifier_like(
                known.astype(str).nunique(), len(known)):
            out.append(str(column))
    return out


def _table_problem(config, frame):
    import pandas as pd

    # identifier-like text columns are left out (the page names them): nnfit fit refuses
    # to encode them, and a table's last column is no target when it is one
    left_out = identifier_columns(frame)
    usable = [str(c) for c in frame.columns if str(c) not in left_out]
    columns = [str(c) for c in frame.columns]
    target = config.target or (usable or columns)[-1]
    if target not in columns:
        raise InvalidOptionError(f"target={target!r} is not a column; the columns are "
                                 f"{columns}")
    left_out = [c for c in left_out if c != target]  # a target chosen by hand is kept
    frame = frame[[c for c in columns if c not in left_out]]
    columns = [c for c in columns if c not in left_out]
    features = [c for c in columns if c != target]
    if not features:
        raise InvalidOptionError("the table has only its target column; it needs at least one "
                                 "feature column")
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    known = frame[target].notna()
    values = frame[target]
    is_label = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) \
        or (pd.api.types.is_integer_dtype(values) and values.nunique() <= 10)
    picture = [c for c in config.picture if c in numeric][:2]
    if not picture:
        if not numeric:
            raise InvalidOptionError("no numeric feature column to picture; the features are "
                                     f"{features}")
        picture = numeric[:2] if is_label and len(numeric) >= 2 else numeric[:1]
    for c in config.picture:
        if c not in numeric:
            raise InvalidOptionError(f"picture={c!r}: pictured columns must be numeric feature "
                                     f"columns, one of {numeric}")
    rows = frame[known]
    coords = rows[picture].to_numpy(np.float64)
    if is_label:
        codes, uniques = pd.factorize(rows[target], sort=True)
        shown, classes, task = codes.astype(np.float64), [str(u) for u in uniques], \
            "classification"
    else:
        shown, classes, task = rows[target].to_numpy(np.float64), [], "regression"
    finite = np.isfinite(coords).all(axis=1)
    held = {}
    for c in features:  # what the picture holds every unpictured column at
        if c in picture:
            continue
        col = frame[c].dropna()
        held[c] = (col.median() if c in numeric else col.mode().iloc[0]) if len(col) else np.nan

    def grid_inputs(points):
        grid = pd.DataFrame({c: np.full(len(points), v, dtype=object if c not in numeric
                                        else np.float64) for c, v in held.items()})
        for k, c in enumerate(picture):
            grid[c] = points[:, k]
        return grid[features].astype({c: frame[c].dtype for c in features
                                      if c not in numeric and not isinstance(
                                          frame[c].dtype, pd.CategoricalDtype)}, errors="ignore")

    coords, shown = coords[finite], shown[finite]
    if len(coords) < 2:
        raise InvalidOptionError(f"the pictured column(s) {picture} have fewer than 2 numbers")
    return Problem(X=frame, y=target, task=task, coords=coords, values=shown,
                   axes=tuple(picture), bounds=_bounds(coords), grid_inputs=grid_inputs,
                   dataset=None, classes=classes, name="upload", input_names=tuple(features),
                   left_out=tuple(left_out))


def read_upload(content, filename="upload.csv"):
    """A DataFrame from an uploaded file's bytes, within :data:`LIMITS`, with one-line errors.

    Reads as :func:`nnfit.tabular.read_table` reads ``--data`` (pandas' CSV reader, a header
    row, at least 2 rows); column names are kept as text (the page escapes them).
    """
    import pandas as pd

    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidOptionError(f"{filename!r} is {len(content) / 1e6:.1f} MB; the playground "
                                 f"takes {LIMITS_TEXT}")
    if not content.strip():
        raise InvalidOptionError(f"{filename!r} is empty; it needs a header row and at least 2 "
                                 "data rows")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidOptionError(f"{filename!r} is not UTF-8 text (byte {err.start}); save it "
                                 "as UTF-8 CSV") from None
    try:
        frame = read_csv_rows(io.StringIO(text), repr(filename), nrows=MAX_ROWS + 1)
    except InvalidOptionError:  # already says what is wrong with the file
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidOptionError(f"{filename!r} is not a readable CSV file: {first}") from None
    if len(frame) > MAX_ROWS:
        raise InvalidOptionError(f"{filename!r} has more than {MAX_ROWS:,} rows; the playground "
                                 f"takes {LIMITS_TEXT} (train bigger tables with nnfit fit)")
    if frame.shape[1] > MAX_COLUMNS:
        raise InvalidOptionError(f"{filename!r} has {frame.shape[1]} columns; the playground "
                                 f"takes {LIMITS_TEXT}")
    if len(frame) < 2:
        raise InvalidOptionError(f"{filename!r} has {len(frame)} data row(s); a fit needs at "
                                 "least 2")
    if frame.shape[1] < 2:
        raise InvalidOptionError(f"{filename!r} has {frame.shape[1]} column(s); it needs a "
                                 "target and at least one feature (is it comma-separated?)")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def read_data_file(path):
    """``--data FILE.csv``, checked at start-up with the upload's limits."""
    import os

    if not os.path.isfile(path):
        raise FileNotFoundError(f"--data {path!r} does not exist; give a CSV file")
    if os.path.getsize(path) > MAX_UPLOAD_BYTES:
        raise InvalidOptionError(f"--data {path!r} is larger than the playground takes "
                                 f"({LIMITS_TEXT}); train it with nnfit fit")
    with open(path, "rb") as f:
        return read_upload(f.read(), os.path.basename(path))
