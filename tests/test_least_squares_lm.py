"""Levenberg-Marquardt (optimizer 'lm'): optimistix's solver compiled whole and vmapped over
members, against scipy.optimize.least_squares run side by side, a closed form and a known
answer, and scipy's report fields and stopping tests."""

import warnings

import jax
import numpy as np
import pytest
from scipy.optimize import least_squares

import nnfit
from nnfit import _lm
from nnfit.errors import InvalidOptionError
from nnfit.mlp import flatten_params, unflatten_params
from nnfit.optim import LevenbergMarquardt

X = np.linspace(0, 1)[:, None]
Y = X[:, 0] ** (1 / 3)
SEED_002 = nnfit.MLP(hidden=(3,), activation="tanh", init="normal", bias_init="normal",
                     init_scale=0.1)


def fit(model=SEED_002, X=X, y=Y, **kw):
    options = dict(optimizer="lm", dtype="float64", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the budget is the point here
        return nnfit.fit(model, X, y, **{**options, **kw})


def seed_002_start(seed):
    """nnfit.fit's start for ``seed`` as a flat float64 vector."""
    with jax.enable_x64(True):
        return np.asarray(flatten_params(SEED_002.build(1, 1).init(jax.random.key(seed),
                                                                   np.float64)))


def seed_002_residual(flat):
    (W0, b0), (W1, b1) = unflatten_params(np.asarray(flat), (1, 3, 1))
    return (np.tanh(X @ W0 + b0) @ W1 + b1)[:, 0] - Y


def flat(params):
    return np.concatenate([np.ravel(a) for W, b in params for a in (W, b)])


def test_lm_lands_where_scipy_lands_from_the_same_starts():
    """scipy's MINPACK (finite-difference Jacobian) from the same two starts, 1000
    evaluations each: the same final cost, seed 002's MSE of ~5.5e-7."""
    ours = fit(n_members=2, epochs=1000, loss="sse")
    for m in range(2):
        reference = least_squares(seed_002_residual, seed_002_start(m), method="lm",
                                  max_nfev=1000)
        info = ours.solver_info[m]
        assert info["cost"] == pytest.approx(reference.cost, rel=0.02)
        assert 2 * info["cost"] / len(X) == pytest.approx(5.5e-7, rel=0.03)
        assert info["nfev"] == 1000 and reference.status == 0 and info["status"] == 0


def test_the_report_is_scipy_s_fields_with_honest_values():
    fitted = fit(epochs=300)
    info = fitted.solver_info[0]
    assert set(info) == {"cost", "status", "message", "nfev", "njev", "optimality", "success"}
    assert info["status"] == 0 and info["success"] is False
    assert info["message"] == "The maximum number of function evaluations is exceeded."
    # one residual evaluation per step: the budget is scipy's max_nfev, spent exactly
    assert info["nfev"] == 300
    # a history row and a Jacobian per accepted point (the start's included)
    assert 1 < info["njev"] < info["nfev"] and len(fitted.history) == info["njev"]
    errors = fitted.predict(X) - Y
    assert info["cost"] == pytest.approx(np.mean(errors ** 2), rel=1e-10)  # the mse loss
    assert fitted.history.loss.iloc[-1] == info["cost"]
    assert fitted.history.loss.is_monotonic_decreasing

    # optimality is scipy's: max |J^T r| of the cost's residuals, recomputed here
    def residual(p):
        (W0, b0), (W1, b1) = unflatten_params(p, (1, 3, 1))
        hidden = jax.numpy.tanh(X @ W0 + b0[None, :])
        return np.sqrt(2 / len(X)) * ((hidden @ W1)[:, 0] + b1[0] - Y)

    with jax.enable_x64(True):
        p = jax.numpy.asarray(flat(fitted.params))
        g = jax.jacfwd(residual)(p).T @ residual(p)
    assert info["optimality"] == pytest.approx(float(np.max(np.abs(g))), rel=1e-6)


def test_a_linear_problem_ends_at_its_closed_form():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(80, 3))
    y = A @ np.array([1.5, -2.0, 0.5]) + 3.0 + 0.1 * rng.normal(size=80)
    exact = np.linalg.lstsq(np.c_[A, np.ones(80)], y, rcond=None)[0]
    model = nnfit.MLP(hidden=(), normalize=False)
    default = fit(model, A, y, epochs=100)
    tight = fit(model, A, y, epochs=100, optimizer=LevenbergMarquardt(ftol=1e-12))
    for fitted, rtol in ((default, 1e-5), (tight, 1e-9)):
        (W, b), = fitted.params
        np.testing.assert_allclose(np.r_[W[:, 0], b], exact, rtol=rtol)
        assert fitted.solver_info[0]["success"] and fitted.solver_info[0]["nfev"] < 20


def test_a_network_with_a_known_answer_is_recovered():
    """y = 0.5 + 2 sigmoid(3x - 1) *is* a 1-1-1 sigmoid network: from a start nearby, the
    residuals vanish and the gradient test stops the solve at those weights."""
    x = np.linspace(-2, 2, 40)[:, None]
    y = 0.5 + 2 / (1 + np.exp(-(3 * x[:, 0] - 1)))
    model = nnfit.MLP(hidden=(1,), activation="sigmoid", normalize=False)
    start = [(np.array([[2.5]]), np.array([-0.8])), (np.array([[1.7]]), np.array([0.7]))]
    fitted = fit(model, x, y, epochs=200, init_params=start)
    info = fitted.solver_info[0]
    assert info["status"] == 1 and info["success"]  # gtol: the residuals are ~0
    assert info["cost"] < 1e-15
    np.testing.assert_allclose(flat(fitted.params), [3.0, -1.0, 2.0, 0.5], rtol=1e-7)


def test_vmapped_members_equal_one_at_a_time_runs():
    together = fit(n_members=3, epochs=300)
    for m in range(3):
        alone = fit(seed=m, epochs=300)
        np.testing.assert_array_equal(flat(together.member_params(m)), flat(alone.params))
        assert together.solver_info[m] == alone.solver_info[0]
        rows = together.history[together.history.member == m]
        np.testing.assert_array_equal(rows.loss, alone.history.loss)


def test_each_of_scipy_s_stopping_tests_stops_it_with_scipy_s_words():
    off = dict(ftol=0.0, xtol=0.0, gtol=0.0)
    runs = {1: dict(gtol=1e-3), 2: dict(ftol=1e-3), 3: dict(xtol=1e-2)}
    for status, test in runs.items():
        info = fit(epochs=1000, optimizer=LevenbergMarquardt(**{**off, **test})).solver_info[0]
        assert info["status"] == status and info["success"] and info["nfev"] < 1000
        assert info["message"] == _lm.MESSAGES[status]
    gtol = fit(epochs=1000, optimizer=LevenbergMarquardt(**{**off, "gtol": 1e-3}))
    assert gtol.solver_info[0]["optimality"] < 1e-3
    ftol = fit(epochs=1000, optimizer=LevenbergMarquardt(**{**off, "ftol": 1e-3}))
    loss = ftol.history.loss.to_numpy()
    assert (loss[-2] - loss[-1]) < 1e-3 * loss[-2]  # the last accepted step's decrease
    every = fit(epochs=1000, optimizer=LevenbergMarquardt(**off))
    assert every.solver_info[0]["status"] == 0 and every.solver_info[0]["nfev"] == 1000


def test_history_has_validation_columns_computed_on_the_validation_rows():
    fitted = fit(epochs=100, validation_split=0.2, n_members=2, l2=0.001)
    assert {"loss", "penalty", "mse", "mae", "val_loss", "val_mse", "val_mae"} <= set(
        fitted.history.columns)
    last = fitted.history[fitted.history.member == 1].iloc[-1]
    X_val, y_val = X[40:], Y[40:]
    errors = fitted.predict_members(X_val)[1] - y_val
    penalty = 0.001 * sum(np.sum(W ** 2) for W, _ in fitted.member_params(1))
    assert last.val_mse == pytest.approx(np.mean(errors ** 2), rel=1e-9)
    assert last.val_mae == pytest.approx(np.mean(np.abs(errors)), rel=1e-9)
    assert last.penalty == pytest.approx(penalty, rel=1e-9)
    assert last.val_loss == pytest.approx(np.mean(errors ** 2) + penalty, rel=1e-9)


def test_float32_runs_in_float32():
    fitted = fit(epochs=200, dtype="float32")
    assert fitted.params[0][0].dtype == np.float32
    assert fitted.solver_info[0]["cost"] < 1e-4


def test_an_interrupt_keeps_every_member_s_last_accepted_point_and_the_stopped_ones():
    """Members run together, so an interrupt stops every member still running at its last
    accepted point (with its history so far); a member already stopped by a test keeps its
    report."""
    solved = fit(epochs=1000).params
    calls = []

    def interrupt(done, records):
        calls.append(done)
        raise KeyboardInterrupt

    start = [tuple(np.stack([a, b]) for a, b in zip(layer, other))
             for layer, other in zip(solved, fit(epochs=1).params)]
    with pytest.warns(UserWarning, match="interrupted"):
        fitted = nnfit.fit(SEED_002, X, Y, optimizer=LevenbergMarquardt(gtol=1e-4), epochs=1000,
                           n_members=2, dtype="float64", init_params=start, callback=interrupt)
    assert calls == [_lm.FIRST_CALL]
    assert fitted.stop_reasons == ["completed", "interrupted"]
    assert fitted.solver_info[0]["status"] == 1
    assert fitted.solver_info[1]["message"] == "interrupted"
    assert fitted.solver_info[1]["nfev"] == _lm.FIRST_CALL
    rows = fitted.history[fitted.history.member == 1]
    assert len(rows) == fitted.epochs_run[1] == fitted.solver_info[1]["njev"] > 1
    assert rows.loss.iloc[-1] == pytest.approx(np.mean((fitted.predict_members(X)[1] - Y) ** 2),
                                               rel=1e-10)


def test_bad_inputs_are_refused_with_the_fix():
    with pytest.raises(InvalidOptionError, match=r"at least as many residuals as parameters "
                                                 r"\(50 < 121\); use optimizer='trf'"):
        nnfit.fit(nnfit.MLP(hidden=(40,)), X, Y, optimizer="lm")
    with pytest.raises(InvalidOptionError, match="L1"):
        nnfit.fit(SEED_002, X, Y, optimizer="lm", l1=0.1)
    with pytest.raises(InvalidOptionError, match="LevenbergMarquardt.ftol must be >= 0"):
        LevenbergMarquardt(ftol=-1.0)
    with pytest.raises(InvalidOptionError, match="optimizer 'lm' has no setting 'rtol'"):
        nnfit.fit(SEED_002, X, Y, optimizer={"name": "lm", "rtol": 1e-3})
