"""Extrapolation scores against hand computations and scipy; seed 002's saturating tanh."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import mahalanobis

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

RNG = np.random.default_rng(4)


def test_range_distance_is_in_units_of_the_training_range():
    X_train = np.c_[np.linspace(0, 2, 21), np.linspace(-1, 1, 21)]
    X = np.array([[1.0, 0.0], [3.0, 0.0], [-1.0, 0.0], [1.0, 2.0], [5.0, -4.0]])
    s = diagnose.extrapolation_score(X_train, X, mahalanobis_threshold=np.inf)
    np.testing.assert_allclose(s.range_distance, [[0, 0], [0.5, 0], [0.5, 0], [0, 0.5], [1.5, 1.5]])
    np.testing.assert_allclose(s.range_score, [0, 0.5, 0.5, 0.5, 1.5])
    assert s.outside.tolist() == [False, True, True, True, True]
    tolerant = diagnose.extrapolation_score(X_train, X, range_tol=0.5, mahalanobis_threshold=np.inf)
    assert tolerant.outside.tolist() == [False, False, False, False, True]


def test_mahalanobis_matches_scipy_and_flags_points_off_the_correlation():
    z = RNG.normal(size=200)
    X_train = np.c_[z, z + 0.1 * RNG.normal(size=200)]  # strongly correlated features
    X = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, -1.0]])  # the last is inside the box, off the line
    s = diagnose.extrapolation_score(X_train, X)
    VI = np.linalg.inv(np.cov(X_train, rowvar=False))
    expected = [mahalanobis(x, X_train.mean(axis=0), VI) for x in X]
    np.testing.assert_allclose(s.mahalanobis, expected, rtol=1e-10)
    assert np.all(s.range_score == 0)
    assert s.outside.tolist() == [False, False, True]
    # the default threshold is the farthest training point: no training point is flagged
    on_train = diagnose.extrapolation_score(X_train, X_train)
    assert on_train.threshold == pytest.approx(on_train.mahalanobis.max())
    assert not on_train.outside.any()


def test_singular_covariance_and_constant_features():
    x = np.linspace(0, 1, 30)
    X_train = np.c_[x, 2 * x, np.ones(30)]  # collinear columns and a constant one
    X = np.array([[0.5, 1.0, 1.0], [0.5, 1.0, 2.0]])
    s = diagnose.extrapolation_score(X_train, X)
    assert np.all(np.isfinite(s.mahalanobis))
    assert s.range_distance[0].tolist() == [0, 0, 0]
    assert s.range_distance[1, 2] == np.inf
    assert s.outside.tolist() == [False, True]


def test_seed_002_network_saturates_outside_its_training_range():
    """Seed 002: tanh units saturate, so beyond [0, 1] the fit flattens while x^(1/3) rises."""
    X, y, model = diagnose.seed_002_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = nnfit.fit(model, X, y, optimizer="lm", epochs=200, dtype="float64", n_members=3)
    grid = np.linspace(0, 10, 101)[:, None]
    table = diagnose.extrapolate(fit, X, grid)
    assert list(table.columns) == ["x", "prediction", "std", "range_score", "mahalanobis", "outside"]
    inside = table.x <= 1
    assert not table.outside[inside].any() and table.outside[~inside].all()
    error = np.abs(table.prediction - table.x ** (1 / 3))
    assert error[inside].max() < 0.05
    assert error[table.x >= 5].min() > 0.3  # the saturated prediction falls behind
    # The members' spread is their standard deviation, and it widens away from the data. How much
    # depends on which minima the starts reach: 7x-180x over seeds 0-8 with the compiled LM.
    members = np.asarray(fit.predict_members(grid)).reshape(3, -1)
    np.testing.assert_allclose(table["std"], members.std(axis=0), rtol=1e-6, atol=1e-12)
    assert table["std"][table.x >= 5].mean() > 5 * table["std"][inside].mean()
    assert table["std"].iloc[-1] > table["std"][table.x == 5].iloc[0]
    np.testing.assert_allclose(table.range_score[table.x == 10], 9.0)


def test_extrapolate_names_several_features_and_rejects_classifiers():
    X = RNG.normal(size=(20, 2))
    fit = drawn_fit(nnfit.MLP(hidden=(3,)), X, np.c_[X[:, 0], X[:, 1]])
    table = diagnose.extrapolate(fit, X, X * 3)
    assert list(table.columns)[:6] == ["x0", "x1", "prediction_0", "std_0", "prediction_1", "std_1"]
    labels = (X[:, 0] > 0).astype(int)
    clf = drawn_fit(nnfit.MLP(hidden=(3,), output="sigmoid"), X, labels)
    with pytest.raises(ValueError, match="regression"):
        diagnose.extrapolate(clf, X, X)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="features"):
        diagnose.extrapolation_score(np.zeros((5, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        diagnose.extrapolation_score(np.zeros((1, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        diagnose.extrapolation_score(np.zeros(5), np.zeros(3))
    with pytest.raises(TypeError, match="unfitted"):
        diagnose.extrapolate(nnfit.MLP(), np.zeros((5, 1)), np.zeros((3, 1)))
