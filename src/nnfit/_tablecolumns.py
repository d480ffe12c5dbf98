"""What a table's raw column holds, read as numbers, labels or categories.

:func:`column_kind` tells a column's kind from its values (pandas dtypes first, then what text
parses as: mostly numbers is a number column with bad cells to name, ISO dates are dates, the
rest categories); :func:`column_values` reads it for that kind with its gaps; :func:`infer_task`
and :func:`class_labels` read a target column. Errors name the column, the row and the cell.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidOptionError

# an integer target with at most this many distinct values is taken as class labels
MAX_INTEGER_CLASSES = 10
_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")
_DAY_NS = 86_400e9


def column_kind(series):
    """The kind of a raw column: ``number``, ``boolean``, ``date`` or ``category``."""
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return "number"
    known = series.dropna()
    if len(known) and known.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    text = known.astype(str)
    numeric = pd.to_numeric(text, errors="coerce").notna()
    if len(text) and numeric.mean() > 0.5:
        # numbers, perhaps with a stray word ("n/a", "abc"): a number column whose bad cell
        # is then named, not a category column of every distinct number
        return "number"
    if len(text) and text.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        if parsed.notna().all():
            return "date"
    if len(text) and text.str.match(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b").mean() > 0.5:
        # 03/04/2012 is March or April by convention: nnfit does not guess
        raise InvalidOptionError(
            f"column {series.name!r} holds dates such as {text.iloc[0]!r}, whose day and month "
            "order is a convention; write them as YYYY-MM-DD (ISO 8601), read as days since "
            "1970-01-01, or drop the column")
    return "category"


def column_values(series, kind, column, where):
    """A column's values for ``kind`` (floats, or str for categories) and its gaps (n,)."""
    import pandas as pd

    gaps = series.isna().to_numpy()
    if kind == "category":
        values = np.array(["" if g else _category_text(v)
                           for v, g in zip(series.to_numpy(object), gaps)], dtype=object)
        return values, gaps
    if kind == "date":
        # utc=True: offsets that change (summer time) are one instant scale, not an error
        parsed = pd.to_datetime(series, errors="coerce", format="ISO8601", utc=True) if not \
            pd.api.types.is_datetime64_any_dtype(series.dtype) else series
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        bad = parsed.isna().to_numpy() & ~gaps
        _refuse(bad, series, column, where, "a date (YYYY-MM-DD...)")
        days = (parsed.to_numpy("datetime64[ns]") - _EPOCH).astype("timedelta64[ns]")
        values = np.where(parsed.isna().to_numpy(), np.nan, days.astype(np.float64) / _DAY_NS)
        return values, gaps
    if kind == "boolean":
        mapped = series.map(lambda v: v if isinstance(v, (bool, np.bool_)) else
                            {"true": True, "false": False}.get(str(v).strip().lower(), v))
        known = mapped[~gaps]
        bad = np.zeros(len(series), dtype=bool)
        bad[~gaps] = ~known.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
        _refuse(bad, series, column, where, "True or False")
        return np.where(gaps, np.nan, mapped.map(lambda v: float(v) if not pd.isna(v) else
                                                 np.nan).to_numpy(np.float64)), gaps
    values = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    _refuse(np.isnan(values) & ~gaps, series, column, where, "a number")
    infinite = np.isinf(values)
    if infinite.any():
        row = _row(series, np.flatnonzero(infinite)[0])
        raise InvalidOptionError(f"{where}: column {column!r} is infinite in row {row}; replace it with a finite number or leave the cell "
                                 "empty")
    return values, gaps | np.isnan(values)


def _cell(value):
    """A cell as its user wrote it: ``inf``, not NumPy's ``np.float64(inf)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _refuse(bad, series, column, where, expected):
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise InvalidOptionError(f"{where}: column {column!r} has {_cell(series.iloc[at])} in row "
                                 f"{_row(series, at)}, but the column holds {expected}; "
                                 "fix the cell, or mark it missing: leave it empty, or name "
                                 "its text in na_values (read_table(na_values=[...]), "
                                 "--na-values)")


def numeric_target(series, column, where):
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise InvalidOptionError(
            f"{where}: target {column!r} has {_cell(series.iloc[at])} in row {_row(series, at)}, not "
            "a finite number; a regression needs numbers (task='classification' "
            "predicts labels)")
    return values


def label_value(value):
    """A class label as JSON keeps it: bool, int (integer-valued numbers) or str."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return str(value)


def class_labels(values):
    """The sorted distinct labels of a target column (no gaps), as JSON keeps them; labels of
    mixed types (``1`` and ``"a"``, ``True`` and ``1``) are kept apart as text."""
    values = [label_value(v) for v in values]
    if len({type(v) for v in values}) > 1:
        return tuple(sorted({str(v) for v in values}))
    return tuple(sorted(set(values)))


def label_codes(labels, values):
    """Each value's index in ``labels`` (from :func:`class_labels`), -1 for one not there."""
    index = {label: i for i, label in enumerate(labels)}
    text = labels and isinstance(labels[0], str)
    return np.array([index.get(str(v) if text else v, -1) for v in map(label_value, values)],
                    dtype=np.int64)


def infer_task(series, output):
    """The task for a target column and a model output, with the reason in words."""
    import pandas as pd

    if output in ("sigmoid", "softmax"):
        return "classification", f"the model's output is {output}"
    kind = column_kind(series)
    known = series.dropna()
    distinct = known.unique()
    if kind in ("category", "boolean"):
        return "classification", (f"target {series.name!r} holds {len(distinct)} "
                                  f"{'text' if kind == 'category' else 'boolean'} labels")
    if kind == "number":
        values = pd.to_numeric(known, errors="coerce").to_numpy(np.float64)
        if (len(distinct) <= MAX_INTEGER_CLASSES and len(distinct) < 0.5 * len(known)
                and np.all(values == np.round(values))):
            shown = ", ".join(str(label_value(v)) for v in sorted(distinct)[:5])
            return "classification", (f"target {series.name!r} holds {len(distinct)} integer "
                                      f"values ({shown}{', ...' if len(distinct) > 5 else ''})")
    return "regression", f"target {series.name!r} holds numbers"


def _row(series, position):
    """How a message names a row: the table's own index label (a CSV file's data rows count
    from 0), so that rows dropped before (no target) do not shift it."""
    label = series.index[int(position)]
    return f"{label} (counting the file's data rows from 0)" if isinstance(
        label, (int, np.integer)) else repr(label)


def _category_text(value):
    """A category as text: ``3.0`` read from a CSV with a gap is the category ``3``."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
