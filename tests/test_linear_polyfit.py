"""nnfit.linear.polyfit against numpy.polynomial on easy problems, NIST's certified values on
its polynomial problems (Norris, Pontius, Filip, Wampler 1-5), and exact rational least squares."""

import warnings
from fractions import Fraction

import numpy as np
import pytest
from numpy.polynomial import polynomial as P

from _nist_strd import exact_lstsq, load, log_relative_error
from nnfit.errors import InvalidOptionError
from nnfit.linear import RankDeficientWarning, polyfit

POLYNOMIALS = ["Norris", "Pontius", "Filip", "Wampler1", "Wampler2", "Wampler3", "Wampler4",
               "Wampler5"]


def digits(coef, certified):
    return float(log_relative_error(coef, certified).min())


def exact_polyfit(x, y, degree):
    """The least-squares polynomial of float64 ``x``, ``y`` in exact rational arithmetic, with
    the exact powers of ``x`` (not rounded to float64)."""
    xs = [Fraction(v) for v in x]
    return exact_lstsq(np.array([[v**k for k in range(degree + 1)] for v in xs], dtype=object), y)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_nist_certified_digits(name):
    """At least 13 digits, and all that the exact fit of the float64 data keeps (to 0.1)."""
    p = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coef = polyfit(p.x, p.y, p.degree)
    assert coef.shape == p.certified.shape
    ours = digits(coef, p.certified)
    assert ours >= 13
    limit = digits(exact_polyfit(p.x, p.y, p.degree), p.certified)
    assert ours >= limit - 0.1, f"{name}: {ours} digits of the {limit} the data allow"


def test_filip_where_the_monomial_design_cannot():
    p = load("Filip")
    ours = digits(polyfit(p.x, p.y, 10), p.certified)
    assert ours >= 13.5
    # numpy's polyfit on the monomial design keeps about 8
    assert digits(np.polyfit(p.x, p.y, 10)[::-1], p.certified) < 10 < ours


def test_wampler1_exactly():
    """y = 1 + x + ... + x**5 at x = 0..20 (integers, exact in float64): the fit is exact."""
    p = load("Wampler1")
    np.testing.assert_array_equal(polyfit(p.x, p.y, 5), np.ones(6))


@pytest.mark.parametrize("degree", [1, 3, 6])
@pytest.mark.parametrize("n_targets", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_equals_numpy_on_easy_problems(degree, n_targets, weighted):
    rng = np.random.default_rng(degree)
    x = rng.uniform(-1.0, 2.0, size=40)
    shape = (40,) if n_targets is None else (40, n_targets)
    y = np.sin(3 * x)[:, None].reshape(40, -1) + 0.1 * rng.normal(size=(40, n_targets or 1))
    y = y.reshape(shape)
    w = rng.uniform(0.2, 3.0, size=40) if weighted else None
    ours = polyfit(x, y, degree, sample_weight=w)
    ref = P.polyfit(x, y, degree, w=None if w is None else np.sqrt(w))
    assert ours.shape == ref.shape == ((degree + 1,) if n_targets is None else (degree + 1, 2))
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_far_from_zero_matches_exact_least_squares():
    """x near 1e4 with a spread of 10: monomial coefficients with heavy cancellation."""
    rng = np.random.default_rng(1)
    x = 1e4 + 10 * rng.uniform(size=30)
    y = rng.normal(size=30)
    ours = polyfit(x, y, 3)
    assert digits(ours, exact_polyfit(x, y, 3)) >= 12
    assert digits(P.polyfit(x, y, 3), exact_polyfit(x, y, 3)) < 8  # NumPy's loses most


def test_degree_zero_is_the_weighted_mean():
    y = np.array([1.0, 2.0, 4.0])
    w = np.array([1.0, 1.0, 2.0])
    np.testing.assert_allclose(polyfit([0.0, 1.0, 2.0], y, 0, sample_weight=w), [11 / 4])
    np.testing.assert_allclose(polyfit([0.0, 1.0, 2.0], y, 0), [7 / 3])


def test_too_few_distinct_points():
    x = np.repeat([0.0, 1.0, 3.0], 4)
    y = np.repeat([1.0, -2.0, 5.0], 4) + np.tile([0.1, -0.1, 0.2, -0.2], 3)
    with pytest.warns(RankDeficientWarning, match="3 distinct values, too few for a "
                                                   "polynomial of degree 4"):
        coef = polyfit(x, y, 4)
    # still a least-squares polynomial: it passes through the group means
    np.testing.assert_allclose(P.polyval([0.0, 1.0, 3.0], coef), [1.0, -2.0, 5.0], atol=1e-9)


@pytest.mark.parametrize("bad, match", [
    (dict(x=np.ones((3, 2))), "1-D array"),
    (dict(x=[0.0, np.nan, 1.0]), "finite"),
    (dict(degree=-1), "degree must be >= 0"),
    (dict(degree=1.5), "degree must be an integer"),
    (dict(y=[1.0, 2.0]), "y has 2 rows"),
])
def test_bad_input_names_the_value(bad, match):
    args = dict(x=[0.0, 1.0, 2.0], y=[1.0, 2.0, 3.0], degree=1) | bad
    with pytest.raises(InvalidOptionError, match=match):
        polyfit(args["x"], args["y"], args["degree"])
