"""The rows a playground session trains and validates on, split once per data change.

The split is the one ``nnfit fit`` makes from the exported experiment (its validation_split
with validation_shuffle, by the same function), so the page and the command line train on the
same rows; rows that leave as a CSV are encoded as the command line's table path encodes them.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import InvalidOptionError


def train_mask(session):
    """Which rows train (True) and which validate: the split fit_options makes."""
    from .._fitdata import split_rows

    p = session.problem
    n = len(p.coords)
    if p.validation is not None:
        return np.ones(n, bool)
    labels = p.values.astype(np.int64) if p.task == "classification" else None
    try:
        train, _ = split_rows(n, session.validation_split, shuffle=True,
                              seed=session.config.seed, labels=labels)
    except InvalidOptionError:
        return np.ones(n, bool)
    mask = np.zeros(n, bool)
    mask[train] = True
    return mask


def split_rows(session):
    """(X, y, validation_data) for fit_options, split once: the rows nnfit fit's
    validation_split with validation_shuffle takes (the same function draws them), so that
    a chunk does not pay for the split again. A table is split by fit_options itself, as
    the command line splits it (after dropping rows without a target)."""
    p = session.problem
    if p.leaves_as_csv and p.validation is None:
        return _csv_rows(session)
    if p.is_table or p.validation is not None or session.mask.all():
        return p.X, p.y, p.validation
    X, y = np.asarray(p.X), np.asarray(p.y)
    return X[session.mask], y[session.mask], (X[~session.mask], y[~session.mask])

def _csv_rows(session):
    """Rows that an exported experiment carries as a CSV, as nnfit fit reads that CSV:
    the table path standardises every number column on the training rows, so the page
    trains on the very encoding (the library's own, learnt once here) and its pictures
    and reports go through it (:meth:`Problem.inputs`)."""
    from dataclasses import replace

    from .._tablefit import prepare_table
    from ..options import FitOptions

    keywords = {**session.train_keywords(1), **session.data_keywords(),
                "task": session.problem.task}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare_table(session.model(), session.problem.frame(), "y",
                                 FitOptions(**keywords))
    raw = session.problem.grid_inputs
    encoded = replace(session.problem, spec=prepared.spec)
    session.problem = replace(encoded, grid_inputs=lambda points: encoded.inputs(raw(points)))
    return prepared.X, prepared.y, prepared.validation_data
