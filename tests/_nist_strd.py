"""NIST Statistical Reference Datasets (StRD), linear least squares: all eleven problems, read
from NIST's own files.

Source: https://www.itl.nist.gov/div898/strd/lls/lls.shtml (public domain, U.S. Government work).
``tests/nist_strd/*.dat`` are NIST's files byte for byte (CRLF line ends), copied from the copy
gretl keeps in its test suite (gretl-project/gretl, ``tests/*.dat``, added in 2002). Their SHA-256
digests below match the digests an unrelated project lists for the files it downloaded from
NIST, so the two copies agree; ``load`` checks them, so an edited or re-encoded file fails
loudly rather than testing against altered values. NIST computed the certified values in
500-digit arithmetic and quotes them to 15 significant digits.

Coefficients are listed as NIST lists them: ``B0`` (the intercept) first where the model has one.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
from fractions import Fraction
from typing import NamedTuple

import numpy as np

DATA = pathlib.Path(__file__).resolve().parent / "nist_strd"

# name: (first 12 hex digits of the file's SHA-256, polynomial degree in x or None, intercept)
FILES = {
    "Norris": ("5ab6906c68a9", 1, True),
    "Pontius": ("de60baa5dc66", 2, True),
    "NoInt1": ("d8234c428ded", 1, False),
    "NoInt2": ("a71c2810b1ed", 1, False),
    "Filip": ("403b34689e40", 10, True),
    "Longley": ("fc4b0c824f8f", None, True),
    "Wampler1": ("8bcd6f00dbe8", 5, True),
    "Wampler2": ("01ba5f08b5b9", 5, True),
    "Wampler3": ("c5b025f6ebf0", 5, True),
    "Wampler4": ("dcff32075a52", 5, True),
    "Wampler5": ("c4e260a6638d", 5, True),
}
NAMES = tuple(FILES)


class Problem(NamedTuple):
    """One StRD problem.

    ``X`` (n, p) is the design as the model names its columns (x, x**2, ... for the polynomial
    problems: each power the correctly rounded float64 of the exact power of the float64 ``x``),
    ``y`` (n,), ``x`` (n,) the one predictor of a polynomial problem (None for Longley).
    ``certified`` and ``certified_sd`` (p + intercept,) are NIST's estimates and their standard
    deviations, ``residual_sd`` and ``r_squared`` NIST's residual standard deviation and R²."""

    name: str
    X: np.ndarray
    y: np.ndarray
    x: np.ndarray | None
    degree: int | None
    fit_intercept: bool
    certified: np.ndarray
    certified_sd: np.ndarray
    residual_sd: float
    r_squared: float


def _lines(name):
    raw = (DATA / f"{name}.dat").read_bytes()
    canonical = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # a checkout may drop the CRs
    digest = hashlib.sha256(canonical).hexdigest()[:12]
    if digest != FILES[name][0]:
        raise RuntimeError(f"{DATA / name}.dat has SHA-256 {digest}..., not NIST's "
                           f"{FILES[name][0]}...: the file was altered")
    return canonical.decode("ascii").split("\r\n")


def _span(lines, what):
    """1-based inclusive line range the header gives for 'Certified Values' or 'Data'."""
    for line in lines[:10]:
        m = re.search(rf"{what}\s+\(lines\s+(\d+)\s+to\s+(\d+)\)", line)
        if m:
            return int(m[1]), int(m[2])
    raise RuntimeError(f"no '{what}' line range in the header")


def load(name):
    """The problem ``name`` (one of ``NAMES``) from NIST's file."""
    _, degree, intercept = FILES[name]
    lines = _lines(name)
    first, last = _span(lines, "Certified Values")
    certified, sd, stats = [], [], {}
    for line in lines[first - 1:last]:
        fields = line.split()
        if fields and re.fullmatch(r"B\d+", fields[0]):
            certified.append(float(fields[1]))
            sd.append(float(fields[2]))
        elif fields[:2] == ["Standard", "Deviation"]:
            stats["residual_sd"] = float(fields[2])
        elif fields[:1] == ["R-Squared"]:
            stats["r_squared"] = float(fields[1])
    first, last = _span(lines, "Data")
    table = np.array([[float(v) for v in line.split()] for line in lines[first - 1:last]])
    y = table[:, 0]
    if degree is None:
        x, X = None, table[:, 1:]
    else:
        x = table[:, 1]
        # each power rounded once from its exact value, the best design float64 can hold
        X = np.array([[float(Fraction(v) ** k) for k in range(1, degree + 1)] for v in x])
    assert len(certified) == X.shape[1] + intercept, name
    return Problem(name, X, y, x, degree, intercept, np.array(certified), np.array(sd),
                   stats["residual_sd"], stats["r_squared"])


def strd():
    """{name: Problem} for all eleven, in NIST's order."""
    return {name: load(name) for name in NAMES}


def problems():
    """{name: (X, y, certified coefficients, intercept first)} for the problems with an
    intercept (all but NoInt1 and NoInt2)."""
    return {p.name: (p.X, p.y, p.certified) for p in strd().values() if p.fit_intercept}


def exact_lstsq(A, y):
    """The least-squares solution of ``A`` (n, p; floats, or fractions) and ``y`` (n,),
    exactly: rational arithmetic on the normal equations (exact here), rounded once. What the
    data themselves say, whatever the method."""
    cols = [[Fraction(v) for v in col] for col in np.asarray(A).T]  # floats, or exact fractions
    rhs = [Fraction(v) for v in y]
    m = len(cols)
    G = [[sum(a * b for a, b in zip(cols[i], cols[j])) for j in range(m)] + [
        sum(a * b for a, b in zip(cols[i], rhs))] for i in range(m)]
    for k in range(m):  # Gauss-Jordan; G is symmetric positive definite, no pivoting needed
        G[k] = [v / G[k][k] for v in G[k]]
        for i in range(m):
            if i != k and G[i][k]:
                G[i] = [a - G[i][k] * b for a, b in zip(G[i], G[k])]
    return np.array([float(row[-1]) for row in G])


def design(problem):
    """The model's columns, the column of ones first where it has an intercept."""
    if problem.fit_intercept:
        return np.column_stack([np.ones(len(problem.y)), problem.X])
    return problem.X


def log_relative_error(estimate, certified):
    """NIST's LRE per coefficient: -log10(|est - cert| / |cert|), capped at 15 (about the
    digits a float64 holds), reported to one decimal as NIST does."""
    estimate, certified = np.asarray(estimate, float), np.asarray(certified, float)
    err = np.abs(estimate - certified) / np.abs(certified)
    with np.errstate(divide="ignore"):
        lre = -np.log10(err)
    return np.round(np.clip(lre, 0.0, 15.0), 1)
