"""Numbers never silently turn into nonsense: exact linear solvers at any scale (against
scikit-learn and the closed form), values beyond float32's range named before training and
prediction, non-finite predictions flagged, and every LinearRegression parameter checked."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression as SkLinearRegression

import nnfit
from nnfit import LinearRegression, linear
from test_linear import well_conditioned
from nnfit._checks import check_float_range
from nnfit.errors import InvalidOptionError

SCALES = [1e-300, 1e-150, 1e150, 1e300]


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def problem(n=60, d=4, k=None, seed=0):
    return well_conditioned(n=n, d=d, k=k, seed=seed)


# ---------------------------------------------------------------- exact solvers at any scale


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
@pytest.mark.parametrize("scale", SCALES)
def test_scaled_features_give_scaled_coefficients(solver, scale):
    """coef(X * s) = coef(X) / s exactly in arithmetic: checked against scikit-learn on the
    well-scaled data, and against scikit-learn on the scaled data where it copes."""
    X, y, _ = problem()
    ref = SkLinearRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning, no rank warning
        sol = linear.solve(X * scale, y, solver=solver)
    assert np.all(np.isfinite(sol.coef))
    assert rel_err(sol.coef * scale, ref.coef_) < 1e-12
    assert sol.intercept == pytest.approx(ref.intercept_, rel=1e-12)
    assert sol.rank == 4
    assert rel_err(sol.singular_values / scale, ref.singular_) < 1e-12
    assert sol.cond == pytest.approx(ref.singular_[0] / ref.singular_[-1], rel=1e-10)
    side = SkLinearRegression().fit(X * scale, y)  # qr-based lstsq: right at these scales
    assert rel_err(sol.coef, side.coef_) < 1e-10


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
@pytest.mark.parametrize("scale", SCALES)
def test_scaled_targets_and_weights(solver, scale):
    X, y, w = problem(k=2, seed=1)
    ref = SkLinearRegression().fit(X, y, sample_weight=w)
    Y = y * np.array([scale, 1.0])  # each target at its own scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = linear.solve(X, Y, solver=solver, sample_weight=w * scale)
    assert rel_err(sol.coef[0] / scale, ref.coef_[0]) < 1e-12
    assert rel_err(sol.coef[1], ref.coef_[1]) < 1e-12
    assert sol.intercept[0] / scale == pytest.approx(ref.intercept_[0], rel=1e-12)
    assert sol.intercept[1] == pytest.approx(ref.intercept_[1], rel=1e-12)


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
def test_features_and_target_both_scaled_against_numpy_lstsq(solver):
    """X * 1e-200 and y * 1e100: coefficients 1e300 times those of the plain problem, which
    numpy's lstsq (on the centred, well-scaled data) gives."""
    X, y, _ = problem(seed=2)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    coef = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    sol = linear.solve(X * 1e-200, y * 1e100, solver=solver)
    assert rel_err(sol.coef / 1e300, coef) < 1e-12
    assert sol.intercept / 1e100 == pytest.approx(y.mean() - X.mean(axis=0) @ coef, rel=1e-12)


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_closed_form_line_at_extreme_scales(solver, fit_intercept):
    """y = 3 + 2x exactly, with x of size 1e300: slope 2, intercept 3 (or the no-intercept
    closed form sum(xy) / sum(x**2), evaluated on the unscaled x)."""
    x = np.arange(1.0, 11.0)
    y = 3 + 2 * x
    sol = linear.solve((x * 1e300)[:, None], y * 1e300, solver=solver,
                       fit_intercept=fit_intercept)
    if fit_intercept:
        assert sol.coef[0] == pytest.approx(2.0, rel=1e-13)
        assert sol.intercept / 1e300 == pytest.approx(3.0, rel=1e-12)
    else:
        assert sol.coef[0] == pytest.approx((x @ y) / (x @ x), rel=1e-13)
        assert sol.intercept == 0.0


def test_rank_deficiency_is_still_seen_at_extreme_scales():
    X, y, _ = problem(seed=3)
    X = np.column_stack([X, 2 * X[:, 0]]) * 1e-300
    with pytest.warns(linear.RankDeficientWarning, match="rank 4 < 5"):
        sol = linear.solve(X, y)
    ref = SkLinearRegression().fit(X * 1e300, y)  # minimum norm on the well-scaled data
    assert rel_err(sol.coef * 1e-300, ref.coef_) < 1e-10


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS)
@pytest.mark.parametrize("x_scale, y_scale, side", [(1e-300, 1e300, "above"),
                                                    (1e300, 1e-300, "below")])
def test_no_float64_answer_is_an_error_not_inf(solver, x_scale, y_scale, side):
    X, y, _ = problem(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidOptionError, match=rf"would be about 1e[+-](59|60)\d, {side} "
                                                     r"float64's range"):
            linear.solve(X * x_scale, y * y_scale, solver=solver)


def test_an_intercept_beyond_float64_is_an_error():
    """Slope 3e300 is finite, but an X offset of 1e10 makes the intercept about -3e310."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(30, 1))
    y = (3 * x[:, 0] + 0.1 * rng.normal(size=30)) * 1e300
    assert np.isfinite(linear.solve(x, y).coef).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidOptionError, match=r"the intercept would be about 1e\+310, "
                                                     r"above .* centre X \(subtract its mean\)"):
            linear.solve(x + 1e10, y)


def test_the_estimator_matches_sklearn_at_extreme_scales():
    X, y, _ = problem(seed=5)
    for scale in SCALES:
        ours = LinearRegression().fit(X * scale, y)
        ref = SkLinearRegression().fit(X * scale, y)
        assert rel_err(ours.coef_, ref.coef_) < 1e-10
        np.testing.assert_allclose(ours.predict(X * scale), ref.predict(X * scale), rtol=1e-10)


def test_ordinary_data_are_not_copied_or_changed():
    """Inside the safe range nothing is scaled: the NIST-certified digits stay as they were."""
    X, y, _ = problem(seed=6)
    a = linear.solve(X, y)
    b = linear.solve(X * 2.0**200, y * 2.0**-200)  # still inside 2**±256: no scaling
    np.testing.assert_array_equal(a.coef * 2.0**-400, b.coef)
    np.testing.assert_array_equal(a.intercept * 2.0**-200, b.intercept)


# ---------------------------------------------------------------- LinearRegression parameters

BAD_PARAMETERS = [
    ({"loss": "foo"}, "unknown loss 'foo'; choose one of mse, sse"),
    ({"loss": None}, "unknown loss None"),
    ({"learning_rate": "fast"}, "learning_rate must be a number > 0 or 'auto', got 'fast'"),
    ({"learning_rate": 0}, "learning_rate must be > 0, got 0"),
    ({"learning_rate": None}, "learning_rate must be a number, got None"),
    ({"max_iter": 0}, "max_iter must be >= 1, got 0"),
    ({"max_iter": 2.5}, "max_iter must be an integer"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"batch_size": "all"}, "batch_size must be an integer"),
    ({"tol": -1.0}, "tol must be >= 0, got -1.0"),
    ({"tol": float("nan")}, "tol must be finite"),
    ({"random_state": "zero"}, "random_state must be None, an int or a numpy.random.RandomState"),
    ({"random_state": -1}, r"random_state must be between 0 and 2\*\*32 - 1, got -1"),
    ({"initial_coef": [np.nan, 1.0]}, "initial_coef must be None or a finite array"),
    ({"initial_coef": "start"}, "initial_coef must be None or a finite array"),
    ({"fit_intercept": "yes"}, "fit_intercept must be True or False, got 'yes'"),
]


@pytest.mark.parametrize("solver", linear.EXACT_SOLVERS + linear.GRADIENT_SOLVERS)
@pytest.mark.parametrize("params, match", BAD_PARAMETERS)
def test_every_parameter_is_checked_whatever_the_solver(solver, params, match):
    X, y, _ = problem(seed=7)
    with pytest.raises(InvalidOptionError, match=match) as err:
        LinearRegression(solver=solver, **params).fit(X, y)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)


def test_unused_parameters_with_valid_values_are_accepted():
    X, y, _ = problem(seed=8)
    ref = SkLinearRegression().fit(X, y)
    model = LinearRegression(solver="qr", loss="sse", learning_rate=0.5, max_iter=3,
                             batch_size=1000, tol=None, random_state=np.random.RandomState(0),
                             initial_coef=np.zeros(5)).fit(X, y)
    assert rel_err(model.coef_, ref.coef_) < 1e-10


# ---------------------------------------------------------------- float32's range


def test_float_range_message_names_value_place_and_fix():
    X = np.zeros((5, 2))
    X[3, 0] = 1e300
    with pytest.raises(InvalidOptionError) as err:
        check_float_range("X", X, "float32")
    assert str(err.value) == ("X holds 1e+300 (row 3, column 0), outside float32's range "
                              "(±3.4e+38): scale the column or use dtype='float64'")
    with pytest.raises(InvalidOptionError, match=r"y holds -4e\+38 \(row 2\), outside"):
        check_float_range("y", np.array([0.0, 1.0, -4e38]), "float32")


def test_float_range_passes_what_fits():
    X = np.array([[3.4e38, -1e-30], [0.0, 1.0]])
    assert check_float_range("X", X, "float32") is X
    big = np.array([[1e300]])
    assert check_float_range("X", big, "float64") is big
    assert check_float_range("X", big, np.float64) is big


def test_a_column_that_underflows_float32_is_named():
    X = np.column_stack([np.linspace(0, 1, 4), np.linspace(0, 1, 4) * 1e-300])
    with pytest.raises(InvalidOptionError, match=r"column 1 of X holds only values of magnitude "
                                                 r"1e-300 or less, below float32's smallest"):
        check_float_range("X", X, "float32")


def test_fit_names_values_beyond_float32_not_a_divergence():
    X = np.linspace(-1, 1, 16)[:, None]
    y = X[:, 0] ** 2
    y[3] = 1e300
    with pytest.raises(InvalidOptionError, match=r"y holds 1e\+300 \(row 3"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), X, y, epochs=1)


# ---------------------------------------------------------------- predictions


def hand_made_fit(dtype):
    """A 1-2-1 relu network with weights 10: 1.7e308 overflows float64 on the way through."""
    import pandas as pd

    from nnfit.fitted import Fit

    net = nnfit.MLP(hidden=(2,), activation="relu").build(1, 1)
    params = [(np.array([[[10.0, -10.0]]]), np.zeros((1, 2))),
              (np.array([[[10.0], [10.0]]]), np.zeros((1, 1)))]
    stats = {"min": [-1.0], "max": [1.0], "mean": [0.0], "cov": [[1.0]]}
    return Fit(net, params, pd.DataFrame(columns=["member", "epoch"]), config={},
               task="regression", dtype=dtype, input_stats=stats)


@pytest.fixture(scope="module")
def fits():
    return hand_made_fit("float32"), hand_made_fit("float64")


def test_float32_fit_refuses_inputs_beyond_float32(fits):
    fit32, _ = fits
    with pytest.raises(InvalidOptionError, match=r"X holds 1e\+300 \(row 1, column 0\), outside "
                                                 r"float32's range .*refit with dtype='float64'"):
        fit32.predict(np.array([[0.5], [1e300]]))


def test_non_finite_predictions_warn_once_with_the_cause(fits):
    _, fit64 = fits
    X = np.array([[0.5], [1.7e308], [-1.7e308], [0.1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = fit64.predict(X)
    # 100 x, the closed form of this network for |x| large: inf beyond 1.8e306
    np.testing.assert_array_equal(pred, [50.0, np.inf, np.inf, 10.0])
    assert [w.category for w in caught] == [UserWarning]
    assert str(caught[0].message) == (
        "2 of 4 predictions are not finite (NaN or inf), first in row 1, where X[1, 0] = "
        "1.7e+308 (training range [-1, 1]): inputs far outside the training data overflow the "
        "network's float64 arithmetic; check those rows")
    assert caught[0].filename == __file__  # pointed at the caller, not at nnfit


def test_finite_predictions_do_not_warn_and_float32_overflow_does(fits):
    fit32, fit64 = fits
    X = np.array([[0.5], [3e38], [-1e30]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fit in (fit32, fit64):
            np.testing.assert_array_equal(fit.predict(X[:1]), [50.0])
    with pytest.warns(UserWarning, match="2 of 3 rows lie far outside the training data"):
        np.testing.assert_allclose(fit64.predict(X), [50.0, 3e40, 1e32])  # finite, far out
        # float32: 3e38 is in range, but 100 x overflows float32's arithmetic
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fit32.predict(X)[1] == np.inf
    assert "refit with dtype='float64'" in str(caught[0].message)


@pytest.mark.slow  # a training run's compilation: seconds
def test_estimators_predict_in_float64_and_warn_the_same_way():
    X = np.linspace(-1, 1, 32)[:, None]
    model = nnfit.MLPRegressor(hidden_layer_sizes=(4, 4), activation="relu", max_iter=3,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, X[:, 0] ** 2)
    # the float32-trained estimator predicts in float64: 1e300 is no error there
    pred = model.predict(np.array([[0.5], [1e300]]))
    assert np.all(np.isfinite(pred))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = model.predict(np.array([[0.5], [1.7e308], [-1.7e308]]))
    if not np.all(np.isfinite(pred)):
        assert [w.category for w in caught] == [UserWarning]
        assert "predictions are not finite" in str(caught[0].message)
    else:
        assert not caught
