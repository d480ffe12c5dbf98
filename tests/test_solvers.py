"""Full-batch solvers (L-BFGS, least squares), the adaptive schedule and warm starts."""

import warnings

import numpy as np
import pytest
from scipy.optimize import least_squares
from sklearn.exceptions import ConvergenceWarning

import nnfit
from nnfit.mlp import flatten_params, unflatten_params

X = np.linspace(0, 1)[:, None]
Y = X[:, 0] ** (1 / 3)
SEED_002 = nnfit.MLP(hidden=(3,), activation="tanh", init="normal", bias_init="normal", init_scale=0.1)


def _mse(fit):
    return float(np.mean((fit.predict(X) - Y) ** 2))


@pytest.mark.parametrize("method", ["lm", "trf"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_least_squares_matches_scipy_with_the_same_start(method):
    """The same problem handed to scipy directly (finite-difference Jacobian) lands on the same cost."""
    fit = nnfit.fit(SEED_002, X, Y, optimizer=method, epochs=400, dtype="float64", seed=0, loss="sse")
    info = fit.solver_info[0]
    assert set(info) >= {"cost", "status", "message", "nfev", "optimality"}
    assert info["cost"] == pytest.approx(0.5 * np.sum((fit.predict(X) - Y) ** 2), rel=1e-9)
    import jax
    with jax.enable_x64(True):
        start = flatten_params(SEED_002.build(1, 1).init(jax.random.key(0), np.float64))

    def residual(flat):
        (W0, b0), (W1, b1) = unflatten_params(np.asarray(flat), (1, 3, 1))
        return (np.tanh(X @ W0 + b0) @ W1 + b1)[:, 0] - Y

    reference = least_squares(residual, np.asarray(start), method=method, max_nfev=400)
    assert info["cost"] == pytest.approx(reference.cost, rel=0.05, abs=1e-7)


def test_seed_002_least_squares_beats_adam_and_is_nearly_stationary():
    ls = nnfit.fit(SEED_002, X, Y, optimizer="lm", epochs=100, dtype="float64", seed=0)
    adam = nnfit.fit(SEED_002, X, Y, learning_rate=0.01, epochs=25000, batch_size=None,
                     target_loss=2e-5, dtype="float64", seed=0)
    assert _mse(ls) < _mse(adam) < 2e-5
    assert len(ls.history) > 1 and ls.history.loss.is_monotonic_decreasing
    with pytest.warns(ConvergenceWarning):  # flat directions: it creeps, never "converges"
        longer = nnfit.fit(SEED_002, X, Y, optimizer="lm", epochs=2000, dtype="float64", seed=0)
    assert longer.solver_info[0]["optimality"] < 1e-4  # the gradient of the cost is near zero


def test_least_squares_history_has_validation_and_members():
    fit = nnfit.fit(SEED_002, X, Y, optimizer="trf", epochs=60, dtype="float64", n_members=2,
                    validation_split=0.2)
    assert {"loss", "mse", "val_loss", "val_mse"} <= set(fit.history.columns)
    assert sorted(fit.histories.member.unique()) == [0, 1]
    assert len(fit.solver_info) == 2


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_least_squares_cost_is_the_training_loss_with_l2(loss):
    """The same objective as every other solver: data loss + l2 * |W|^2."""
    fit = nnfit.fit(SEED_002, X, Y, optimizer="trf", l2=0.01, epochs=200, dtype="float64", loss=loss)
    penalty = 0.01 * sum(np.sum(W ** 2) for W, _ in fit.params)
    errors = fit.predict(X) - Y
    data_loss = np.mean(errors ** 2) if loss == "mse" else 0.5 * np.sum(errors ** 2)
    assert fit.solver_info[0]["cost"] == pytest.approx(data_loss + penalty, rel=1e-8)
    last = fit.history.iloc[-1]
    assert last.loss == pytest.approx(data_loss + penalty, rel=1e-8)
    assert last.penalty == pytest.approx(penalty, rel=1e-8)
    assert last.mse == pytest.approx(np.mean(errors ** 2), rel=1e-8)
    # adam on the same objective reports the same loss for the same parameters
    same = nnfit.fit(SEED_002, X, Y, optimizer="sgd", learning_rate=1e-12, epochs=1, l2=0.01,
                     batch_size=None, dtype="float64", loss=loss, init_params=fit.params)
    assert same.history.loss.iloc[0] == pytest.approx(data_loss + penalty, rel=1e-6)


def test_least_squares_refuses_what_it_cannot_minimise():
    with pytest.raises(ValueError, match="L1"):
        nnfit.fit(SEED_002, X, Y, optimizer="lm", l1=0.1)
    with pytest.raises(ValueError, match="least squares"):
        nnfit.fit(nnfit.MLP(hidden=(3,), output="sigmoid"), X, (Y > 0.5).astype(int), optimizer="lm")
    with pytest.raises(ValueError, match="trf"):
        nnfit.fit(nnfit.MLP(hidden=(40,)), X, Y, optimizer="lm")


def test_least_squares_warns_when_it_runs_out_of_evaluations():
    with pytest.warns(ConvergenceWarning, match="max_nfev=5"):
        nnfit.fit(SEED_002, X, Y, optimizer="trf", epochs=5)


def test_lbfgs_reaches_the_least_squares_minimum():
    lbfgs = nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=1500, dtype="float64")
    assert _mse(lbfgs) < 2e-6
    assert len(lbfgs.history) == 1500


def test_adaptive_schedule_divides_the_rate_by_five_on_a_plateau():
    import jax
    import jax.numpy as jnp

    from nnfit import engine, optim, optimizers
    static = engine.Static(spec=SEED_002, n_inputs=1, n_outputs=1, loss="mse", task="regression",
                           optimizer=optim.SGD(), schedule="adaptive",
                           schedule_options=(("tol", 0.0),), batch_size=50, n_batches=1,
                           shuffle=False, chunk=1, has_validation=False, early_stopping=False,
                           patience=2)
    tx = optimizers.optimizer(static, 1.0)
    params = [jnp.ones(1)]
    steps = []
    with jax.numpy_dtype_promotion("standard"):  # as in the engine: optax mixes int and float
        state = tx.init(params)
        for _ in range(6):  # a constant loss never improves: the scale drops every 2 epochs
            updates, state = tx.update([jnp.ones(1)], state, params, value=jnp.ones(()))
            steps.append(float(-updates[0][0]))
    np.testing.assert_allclose(steps, [1, 1, 0.2, 0.2, 0.04, 0.04], rtol=1e-6)


def test_warm_start_continues_from_given_parameters():
    first = nnfit.fit(SEED_002, X, Y, learning_rate=0.01, epochs=50, batch_size=None,
                      shuffle=False, dtype="float64")
    cont = nnfit.fit(SEED_002, X, Y, learning_rate=0.01, epochs=1, batch_size=None,
                     dtype="float64", init_params=first.params, optimizer="sgd")
    # the first epoch's loss is evaluated at the given parameters
    assert cont.history.loss.iloc[0] == pytest.approx(_mse(first), rel=1e-9)
    with pytest.raises(ValueError, match="init_params layer 0"):
        nnfit.fit(SEED_002, X, Y, epochs=1, init_params=[(np.ones((2, 3)), np.ones(3)), first.params[1]])


def test_no_convergence_warning_for_converged_least_squares():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nnfit.fit(nnfit.MLP(hidden=(), normalize=False), X, 2 * X[:, 0] + 1, optimizer="lm",
                  dtype="float64")


def test_least_squares_is_reproducible_where_the_problem_is_well_posed():
    """'trf' (MINPACK-style compiled loops in scipy) rounds differently with the alignment of
    its work arrays, so a singular problem (seed 002's) can end at different, equally good
    points; a well-posed one must not drift beyond rounding. 'lm' is one compiled program:
    the same numbers every run, singular problem or not."""
    data = nnfit.load_dataset("gd_line")
    fits = [nnfit.fit(nnfit.MLP(hidden=()), data.X, data.y, optimizer=method, dtype="float64")
            for method in ("trf", "trf", "trf", "lm", "lm")]
    coefs = np.array([[f.params[0][0][0, 0], f.params[0][1][0]] for f in fits])
    np.testing.assert_allclose(coefs[:3], [[2.96846751, 4.22215108]] * 3, rtol=1e-8)
    # optimistix's damping never reaches 0, so scipy's default ftol (1e-8) stops 'lm' a
    # relative 1e-6 short of the closed form where MINPACK's Gauss-Newton step lands on it
    np.testing.assert_allclose(coefs[3:], [[2.96846751, 4.22215108]] * 2, rtol=1e-6)
    np.testing.assert_array_equal(coefs[3], coefs[4])
    seed002 = [float(np.mean((nnfit.fit(SEED_002, X, Y, optimizer=method, epochs=100,
                                        dtype="float64").predict(X) - Y) ** 2))
               for method in ("trf", "trf", "trf", "lm", "lm")]
    assert max(seed002[:3]) < 1.2 * min(seed002[:3])
    assert seed002[3] == seed002[4]


# ------------------------------------------------------ L-BFGS's stopping tests (scipy's)
def _optax_lbfgs_by_hand(n_iterations):
    """SEED_002's first iterations by optax.lbfgs itself, outside nnfit (float64): per
    iteration the evaluations a host-side counter saw, 1 + the line search's
    ``info.num_linesearch_steps``, and the loss at the iteration's start."""
    import jax
    import jax.numpy as jnp
    import optax

    rows = []
    with jax.enable_x64(True):
        net = SEED_002.build(1, 1)
        params = net.init(jax.random.key(0), np.float64)  # nnfit.fit's seed=0 start
        Xj, Yj, calls = jnp.asarray(X), jnp.asarray(Y)[:, None], []

        def mse(p):
            jax.debug.callback(lambda: calls.append(1))  # runs once per evaluation, even traced
            return jnp.mean((net.apply(p, Xj) - Yj) ** 2)

        tx = optax.lbfgs()
        state = tx.init(params)
        for _ in range(n_iterations):
            before = len(calls)
            value, grad = jax.value_and_grad(mse)(params)
            with jax.numpy_dtype_promotion("standard"):
                updates, state = tx.update(grad, state, params, value=value, grad=grad,
                                           value_fn=mse)
            params = optax.apply_updates(params, updates)
            jax.effects_barrier()
            steps = int(optax.tree.get(state, "num_linesearch_steps"))
            rows.append((len(calls) - before, 1 + steps, float(value)))
    return np.array(rows)


def test_lbfgs_max_evaluations_is_a_budget_counted_from_the_line_search():
    budget = 30
    with pytest.warns(ConvergenceWarning, match="max_evaluations=30"):
        fit = nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=300, dtype="float64",
                        max_evaluations=budget)
    assert fit.stop_reasons == ["max_evaluations"]
    counts = fit.history.evaluations.to_numpy()
    n = len(counts)
    by_hand = _optax_lbfgs_by_hand(n)
    # optax's info counts exactly the evaluations its line search makes
    np.testing.assert_array_equal(by_hand[:, 0], by_hand[:, 1])
    np.testing.assert_allclose(fit.history.loss, by_hand[:, 2], rtol=1e-9)
    np.testing.assert_array_equal(counts, np.cumsum(by_hand[:, 1]))
    # no iteration starts once the budget is spent: the last one started inside it
    assert counts[-2] < budget <= counts[-1] and n < 300
    more = nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=n + 20, dtype="float64",
                     max_evaluations=10 * budget)
    assert more.stop_reasons == ["completed"] and len(more.history) == n + 20
    np.testing.assert_array_equal(more.history.evaluations[:n], counts)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_gtol_stops_before_the_step_once_the_gradient_is_small(dtype):
    import jax
    import jax.numpy as jnp

    from nnfit import objectives

    gtol = 2e-3
    kw = dict(optimizer="lbfgs", dtype=dtype, l2=0.01)
    fit = nnfit.fit(SEED_002, X, Y, gtol=gtol, epochs=300, **kw)
    n = len(fit.history)
    assert fit.stop_reasons == ["gradient_below_gtol"] and 1 < n < 300

    def grad_max(params):  # the objective's gradient by JAX, outside the engine, in float64
        with jax.enable_x64(True):
            net = SEED_002.build(1, 1)
            p = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)) for W, b in params]
            f = lambda p: (jnp.mean((net.apply(p, jnp.asarray(X)) - jnp.asarray(Y)[:, None]) ** 2)  # noqa: E731
                           + objectives.penalty(p, jnp.zeros(2), jnp.full(2, 0.01)))
            return max(float(jnp.max(jnp.abs(g))) for g in jax.tree.leaves(jax.grad(f)(p)))

    # float32's gradient carries its rounding: compare with a margin there
    margin = 1e-6 if dtype == "float64" else 2e-5
    assert grad_max(fit.params) <= gtol + margin
    before = nnfit.fit(SEED_002, X, Y, epochs=n - 1, **kw)  # the same path, one step short
    assert grad_max(before.params) > gtol - margin
    # the history records the gradient at each iteration's start: the last row is `before`
    assert fit.history.grad_max_abs.iloc[-1] == pytest.approx(grad_max(before.params),
                                                             rel=1e-6 if dtype == "float64" else 1e-2)


def test_lbfgs_ftol_is_scipys_relative_decrease():
    fit = nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=1500, dtype="float64", ftol=1e-6)
    assert fit.stop_reasons == ["decrease_below_ftol"]
    loss = fit.history.loss.to_numpy()
    decrease = -np.diff(loss) / np.maximum(np.maximum(np.abs(loss[:-1]), np.abs(loss[1:])), 1)
    assert np.all(decrease > 1e-6)  # no earlier iteration met the test
    # ... and the one it stopped at did: the loss at the final parameters
    final = float(np.mean((fit.predict(X) - Y) ** 2))
    assert (loss[-1] - final) / max(abs(loss[-1]), abs(final), 1) <= 1e-6


def test_lbfgs_tests_are_off_by_default_and_refused_elsewhere():
    fit = nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=40, dtype="float64")
    assert fit.stop_reasons == ["completed"] and len(fit.history) == 40
    with pytest.warns(ConvergenceWarning, match="before gtol or ftol stopped them"):
        nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", epochs=3, gtol=1e-12, ftol=0.0)
    with pytest.raises(ValueError, match="gtol=0.1 is a stopping test of optimizer='lbfgs'"):
        nnfit.fit(SEED_002, X, Y, optimizer="adam", gtol=0.1)
    with pytest.raises(ValueError, match="max_evaluations must be >= 1, got 0"):
        nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", max_evaluations=0)
    with pytest.raises(TypeError, match="max_evaluations must be an integer"):
        nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", max_evaluations=10.5)
    with pytest.raises(ValueError, match="ftol must be >= 0, got -1"):
        nnfit.fit(SEED_002, X, Y, optimizer="lbfgs", ftol=-1)
