"""NIST's StRD linear least-squares problems, all eleven, against NIST's certified values.

Digits are NIST's LRE, -log10(|b - b_cert| / |b_cert|) capped at 15, for the worst coefficient.
Two references: NIST's certified values, and the exact (rational) least-squares solution of
the same data rounded to float64 — no float64 method can be asked to beat what that exact
solution keeps (7.6 digits on Filip, whose design x..x**10 holds rounded powers).
"""

import functools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression as SkLinearRegression

from _nist_strd import DATA, NAMES, design, exact_lstsq, load, log_relative_error
from nnfit import LinearRegression, _lstsq, linear
from nnfit.linear import IllConditionedWarning, RankDeficientWarning, solve

# the digits nnfit's default LinearRegression() must keep on every coefficient
TARGET = dict.fromkeys(NAMES, 9.0) | {"Filip": 7.5}


@functools.lru_cache(maxsize=None)
def problem(name):
    return load(name)


@functools.lru_cache(maxsize=None)
def float64_limit(name):
    """The digits the exact solution of the float64 data keeps."""
    p = problem(name)
    return digits(exact_lstsq(design(p), p.y), p.certified)


def digits(theta, certified):
    return float(log_relative_error(theta, certified).min())


def theta_of(model, fit_intercept):
    if isinstance(model, linear.LinearSolution):
        return np.r_[model.intercept, model.coef] if fit_intercept else model.coef
    return np.r_[model.intercept_, model.coef_] if fit_intercept else model.coef_


def test_the_files_are_nists():
    """``load`` checks each file's digest; here the headers' counts match what was read."""
    for name in NAMES:
        p = problem(name)
        text = (DATA / f"{name}.dat").read_text()
        assert f"{len(p.y)} Observations" in text
        assert f"{len(p.certified)} Parameter" in text
        assert p.certified.shape == p.certified_sd.shape == (p.X.shape[1] + p.fit_intercept,)
    assert problem("Filip").X.shape == (82, 10)
    assert float64_limit("Filip") == pytest.approx(7.6, abs=0.05)


@pytest.mark.parametrize("name", NAMES)
def test_default_estimator_keeps_the_digits(name):
    p = problem(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no rank warning, nothing
        model = LinearRegression(fit_intercept=p.fit_intercept).fit(p.X, p.y)
    ours = digits(theta_of(model, p.fit_intercept), p.certified)
    assert ours >= TARGET[name]
    assert ours >= float64_limit(name) - 0.2, f"{name}: {ours} digits"
    assert model.rank_ == p.X.shape[1]


@pytest.mark.parametrize("name", NAMES)
def test_at_least_scikit_learn_and_numpy(name):
    p = problem(name)
    ours = digits(theta_of(LinearRegression(fit_intercept=p.fit_intercept).fit(p.X, p.y),
                           p.fit_intercept), p.certified)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # scikit-learn as it comes (its tol=1e-6 cuts small singular values) and with that
        # cut-off off (LAPACK's gelsd on the centred data)
        for tol in (1e-6, 0.0):
            ref = SkLinearRegression(fit_intercept=p.fit_intercept, tol=tol).fit(p.X, p.y)
            assert ours >= digits(theta_of(ref, p.fit_intercept), p.certified)
    assert ours >= digits(np.linalg.lstsq(design(p), p.y, rcond=None)[0], p.certified)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("solver", ["svd", "qr"])
@pytest.mark.parametrize("accumulation", ["longdouble", "double-double"])
def test_each_accumulation(name, solver, accumulation, monkeypatch):
    """Double-double (the only one where longdouble is float64) reaches the float64 limit on
    all eleven; longdouble alone keeps the targets."""
    if accumulation == "longdouble" and not _lstsq.HAS_EXTENDED:
        pytest.skip("longdouble is float64 here")
    monkeypatch.setattr(_lstsq, "accumulation", lambda kappa: accumulation)
    p = problem(name)
    sol = solve(p.X, p.y, solver=solver, fit_intercept=p.fit_intercept)
    ours = digits(theta_of(sol, p.fit_intercept), p.certified)
    assert ours >= (float64_limit(name) - 0.2 if accumulation == "double-double"
                    else TARGET[name])
    assert sol.rank == p.X.shape[1]


@pytest.mark.skipif(not _lstsq.HAS_EXTENDED, reason="longdouble is float64 here")
def test_double_double_where_longdouble_falls_short(monkeypatch):
    """Wampler5: a residual as large as y and cond 1750 after equilibration; longdouble's error
    in the gradient, amplified by cond², costs digits that double-double keeps."""
    p = problem("Wampler5")
    kept = {}
    for accumulation in ("longdouble", "double-double"):
        monkeypatch.setattr(_lstsq, "accumulation", lambda kappa, a=accumulation: a)
        kept[accumulation] = digits(theta_of(solve(p.X, p.y), True), p.certified)
    assert kept["double-double"] >= 14.5 and kept["double-double"] >= kept["longdouble"] + 3
    monkeypatch.undo()
    assert digits(theta_of(solve(p.X, p.y), True), p.certified) >= 14.5  # the default picks it


def test_refinement_does_the_work_on_filip():
    p = problem("Filip")
    exact = exact_lstsq(design(p), p.y)
    refined = theta_of(solve(p.X, p.y), True)
    unrefined = theta_of(solve(p.X, p.y, refine=False), True)
    # against the exact answer for these float64 data: refinement adds 4 digits or more
    assert digits(refined, exact) >= 12 >= digits(unrefined, exact) + 3


@pytest.mark.parametrize("name", NAMES)
def test_residual_standard_deviation(name):
    """NIST's certified residual SD from the fitted coefficients (residuals summed exactly)."""
    p = problem(name)
    theta = theta_of(LinearRegression(fit_intercept=p.fit_intercept).fit(p.X, p.y),
                     p.fit_intercept)
    ssr = sum((Fraction(yi) - sum(Fraction(a) * Fraction(b) for a, b in zip(row, theta))) ** 2
              for row, yi in zip(design(p), p.y))
    sd = math.sqrt(ssr / (len(p.y) - len(theta)))
    if p.residual_sd == 0:  # Wampler1-2 fit exactly: NIST's LRE is then -log10 |estimate|
        assert sd <= 1e-13 * np.abs(p.y).max()
    else:
        assert log_relative_error(sd, p.residual_sd) >= 9.5


@pytest.mark.parametrize("solver", ["svd", "qr"])
def test_filip_with_weights_targets_and_no_intercept(solver):
    p = problem("Filip")
    X, y, certified = p.X, p.y, p.certified
    # two targets and uniform weights: the same problem twice
    sol = solve(X, np.c_[y, 2 * y], solver=solver, sample_weight=np.full(len(y), 3.0))
    assert digits(np.r_[sol.intercept[0], sol.coef[0]], certified) >= 7.5
    assert digits(np.r_[sol.intercept[1], sol.coef[1]], 2 * certified) >= 7.5
    # integer weights are repeated rows
    w = np.arange(len(y)) % 3 + 1.0
    weighted = solve(X, y, solver=solver, sample_weight=w)
    repeated = solve(np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int)), solver)
    np.testing.assert_allclose(weighted.coef, repeated.coef, rtol=1e-10)
    np.testing.assert_allclose(weighted.intercept, repeated.intercept, rtol=1e-10)
    # the column of ones given explicitly, no intercept fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = solve(design(p), y, solver=solver, fit_intercept=False)
    assert sol.intercept == 0.0 and sol.rank == 11
    assert digits(sol.coef, certified) >= 7.5


@pytest.mark.parametrize("solver", ["svd", "qr"])
def test_rank_deficient_beyond_refinement(solver):
    """A duplicated column is a dependence no refinement undoes: it is reported and warned
    about, the two copies share their coefficient (the minimum-norm split) and the rest of
    Filip keeps its digits."""
    p = problem("Filip")
    X = np.column_stack([p.X, p.X[:, 2]])
    with pytest.warns(RankDeficientWarning, match="rank 10 < 11"):
        sol = solve(X, p.y, solver=solver)
    assert sol.rank == 10
    np.testing.assert_allclose(sol.coef[2], sol.coef[10], rtol=1e-6)
    merged = np.r_[sol.intercept, sol.coef[:10]]
    merged[3] += sol.coef[10]
    assert digits(merged, p.certified) >= 7.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the estimator reports it by rank_, as scikit-learn's
        assert LinearRegression(solver=solver).fit(X, p.y).rank_ == 10


def test_longley_every_solver_is_close():
    p = problem("Longley")
    for solver in ("svd", "qr", "pinv"):
        assert digits(theta_of(solve(p.X, p.y, solver=solver), True), p.certified) >= 13
    with pytest.warns(IllConditionedWarning, match=r"cond\(X\) = 5.77e\+05"):
        sol = solve(p.X, p.y, solver="normal")
    assert digits(theta_of(sol, True), p.certified) >= 8
