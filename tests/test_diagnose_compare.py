"""Seed 002's comparison: least squares (lm, trf) reaches a lower MSE than Adam (step 0.01 until
MSE < 2e-5), with scipy's report, in a fraction of Adam's time."""

import numpy as np
import pytest

from nnfit import diagnose


@pytest.fixture(scope="module")
def table():
    return diagnose.compare_least_squares(repeat=0)


def test_least_squares_reaches_a_lower_mse_than_adam(table):
    assert list(table.columns) == ["method", "mse", "time_s", "first_call_s", "gradient_norm",
                                   "status", "message", "nfev", "optimality"]
    rows = table.set_index("method")
    assert rows.loc["adam", "status"] == "target_reached"
    assert rows.loc["adam", "mse"] < 2e-5
    for method in ("lm", "trf"):
        assert rows.loc[method, "mse"] < 0.1 * rows.loc["adam", "mse"]
        assert rows.loc[method, "gradient_norm"] < 1e-2
        assert rows.loc[method, "nfev"] <= 200
        assert rows.loc[method, "status"] in (0, 1, 2, 3, 4)
        assert isinstance(rows.loc[method, "message"], str)
        assert np.isfinite(rows.loc[method, "optimality"])
    assert rows.loc["adam", "nfev"] > 1000  # thousands of Adam steps against ~200 evaluations


def test_the_seed_002_problem():
    X, y, model = diagnose.seed_002_problem()
    assert X.shape == (50, 1) and y.shape == (50,)
    np.testing.assert_allclose(y, X[:, 0] ** (1 / 3))
    assert model.hidden == (3,) and model.activation == ("tanh",)


@pytest.mark.slow
def test_least_squares_takes_a_fraction_of_adam_s_time():
    rows = diagnose.compare_least_squares(repeat=5).set_index("method")
    assert rows.loc["lm", "time_s"] < 0.8 * rows.loc["adam", "time_s"]
