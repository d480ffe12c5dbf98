"""A CSV file's rows as its header row names them: pandas' reader, less one silent misreading.

A file whose rows hold one cell more than its header makes ``pandas.read_csv`` take the first
column for the rows' index, without a word; every column's name then sits over the next one's
values. nnfit's readers of user files (:func:`nnfit.tabular.read_table`, the playground's
upload) refuse such a file instead.
"""

from __future__ import annotations

from .errors import InvalidOptionError


def read_csv_rows(source, label, **read_csv_kwargs):
    """``pandas.read_csv(source)``, refusing rows with more cells than the header row.

    pandas would take such a file's first column for the rows' index, silently, so that every
    column's name sits over the next one's values; ``label`` names the file in the error.
    """
    import warnings

    import pandas as pd

    read_csv_kwargs.setdefault("index_col", False)  # extra cells: a ParserWarning, not an index
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(source, **read_csv_kwargs)
        except pd.errors.ParserWarning:
            raise InvalidOptionError(
                f"{label} has rows with more cells than its header row names; check the file's "
                "commas (a trailing comma, or a cell holding a comma outside quotes)") from None
