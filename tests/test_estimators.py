"""nnfit's scikit-learn estimators against scikit-learn: its estimator checks, its MLPs side by
side, its closed forms (Ridge, LogisticRegression), and the meta-estimators that drive them."""

import importlib.util
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets, linear_model, neural_network
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import nnfit
from nnfit.estimators import InvScaling

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X_REG = RNG.normal(size=(60, 3))
Y_REG = np.sin(X_REG[:, 0]) + 0.5 * X_REG[:, 1] ** 2 - X_REG[:, 2]
X_CLF = RNG.normal(size=(90, 2))
Y_CLF = np.array(["low", "mid", "high"])[np.digitize(X_CLF[:, 0] + X_CLF[:, 1], [-0.6, 0.6])]


def _standard(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------- scikit-learn's checks
def _check_instances():
    # the training dtype follows X (float64 in most checks, float32 in some); set, it is fixed
    instances = [nnfit.MLPRegressor(max_iter=100), nnfit.MLPClassifier(max_iter=100)]
    for dtype in ("float32", "float64"):
        instances += [nnfit.MLPRegressor(max_iter=100, dtype=dtype),
                      nnfit.MLPClassifier(max_iter=100, dtype=dtype)]
    if importlib.util.find_spec("nnfit.linear_regression") is not None:  # the linear branch
        instances.append(nnfit.LinearRegression())
    return instances


def _expected_failures(estimator):
    if not isinstance(estimator, (nnfit.MLPRegressor, nnfit.MLPClassifier)):
        return {}
    # non-default settings only (the slow test below), each failing as scikit-learn's own
    # MLPs with early_stopping=True fail
    if estimator.early_stopping:
        split = ("the early-stopping split is random: repeated rows and weighted rows fall on "
                 "different sides of it (scikit-learn's MLPs split the same way)")
        partial = "partial_fit does not support early_stopping=True, as in scikit-learn"
        return {"check_sample_weight_equivalence_on_dense_data": split,
                "check_sample_weight_equivalence_on_sparse_data": split,
                "check_fit_score_takes_y": partial, "check_n_features_in_after_fitting": partial,
                "check_estimators_partial_fit_n_features": partial}
    if estimator.dtype == "float32":
        ulp = ("float32 training: weighted rows and repeated rows are summed in different "
               "orders, and on some CPUs (an AMD EPYC, not an Intel Xeon) the predictions then "
               "differ by one float32 rounding (1.2e-7 relative), above the check's 1e-7; "
               "test_weights_equal_repeated_rows checks it at float32's precision")
        return {"check_sample_weight_equivalence_on_dense_data": ulp,
                "check_sample_weight_equivalence_on_sparse_data": ulp}
    if estimator.solver == "lm":
        few = ("the check fits 30 features on 27 rows: fewer residuals than parameters, which "
               "Levenberg-Marquardt cannot solve (the error says so)")
        return {"check_sample_weight_equivalence_on_dense_data": few,
                "check_sample_weight_equivalence_on_sparse_data": few}
    return {}


def test_the_default_instances_expect_no_failures():
    for estimator in _check_instances():
        if estimator.get_params().get("dtype") == "float32":  # float32 rounding, see above
            assert set(_expected_failures(estimator)) == {
                "check_sample_weight_equivalence_on_dense_data",
                "check_sample_weight_equivalence_on_sparse_data"}
        else:
            assert _expected_failures(estimator) == {}
    tags = nnfit.MLPClassifier().__sklearn_tags__()
    assert tags.input_tags.sparse and tags.classifier_tags.multi_label
    assert nnfit.MLPRegressor().__sklearn_tags__().input_tags.sparse


@parametrize_with_checks(_check_instances(), expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks([
    # float64: in float32 L-BFGS's line search turns the rounding differences between weighted
    # and repeated rows into different steps (check_sample_weight_equivalence)
    nnfit.MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, dtype="float64"),
    nnfit.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, dtype="float64"),
    nnfit.MLPRegressor(hidden_layer_sizes=(1,), solver="lm", max_iter=50),
    nnfit.MLPRegressor(hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.5,
                       learning_rate_init=0.01, n_members=3, max_iter=100),
    nnfit.MLPClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate="invscaling",
                        learning_rate_init=0.5, early_stopping=True, validation_fraction=0.5,
                        dtype="float64", max_iter=100),
], expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks_other_solvers(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ side by side with sklearn
@pytest.mark.parametrize("ours, theirs", [
    (nnfit.MLPRegressor, neural_network.MLPRegressor),
    (nnfit.MLPClassifier, neural_network.MLPClassifier),
])
def test_parameters_and_defaults_are_scikit_learns(ours, theirs):
    import inspect

    mine, reference = ours().get_params(), theirs().get_params()
    assert {k: mine[k] for k in reference} == reference
    assert set(mine) - set(reference) == {"l1", "normalize", "n_members", "dtype"}
    positional = [p.name for p in inspect.signature(theirs).parameters.values()
                  if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in inspect.signature(ours).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD] == positional


@pytest.mark.parametrize("solver, hidden, alpha, margin", [
    ("adam", (32,), 1.0, 0.05),
    ("lbfgs", (16,), 30.0, 0.02),  # a strong penalty: one optimum, which both must find
])
def test_diabetes_r2_is_comparable_to_scikit_learns(solver, hidden, alpha, margin):
    """Same data, split, network and settings; test R^2 averaged over three seeds."""
    X, y = _standard(datasets.load_diabetes)
    y = (y - y.mean()) / y.std()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    kw = dict(hidden_layer_sizes=hidden, solver=solver, alpha=alpha, max_iter=300)
    ours = np.mean([nnfit.MLPRegressor(random_state=s, **kw).fit(X_tr, y_tr).score(X_te, y_te)
                    for s in range(3)])
    theirs = np.mean([neural_network.MLPRegressor(random_state=s, **kw).fit(X_tr, y_tr)
                      .score(X_te, y_te) for s in range(3)])
    assert ours == pytest.approx(theirs, abs=margin)
    assert ours > 0.25


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_breast_cancer_accuracy_is_comparable_to_scikit_learns(solver):
    X, y = _standard(datasets.load_breast_cancer)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
    kw = dict(hidden_layer_sizes=(16,), solver=solver, max_iter=200)
    ours = np.mean([nnfit.MLPClassifier(random_state=s, **kw).fit(X_tr, y_tr).score(X_te, y_te)
                    for s in range(3)])
    theirs = np.mean([neural_network.MLPClassifier(random_state=s, **kw).fit(X_tr, y_tr)
                      .score(X_te, y_te) for s in range(3)])
    assert ours == pytest.approx(theirs, abs=0.03)
    assert ours > 0.93


def _shapes(est):
    return {
        "coefs_": [c.shape for c in est.coefs_],
        "intercepts_": [b.shape for b in est.intercepts_],
        "loss_curve_": len(est.loss_curve_) == est.n_iter_,
        "validation_scores_": None if est.validation_scores_ is None
        else len(est.validation_scores_) == est.n_iter_,
        "best_validation_score_": type(est.best_validation_score_).__name__ != "NoneType",
        "best_loss_": est.best_loss_ is None,
        "n_layers_": est.n_layers_, "n_outputs_": est.n_outputs_,
        "out_activation_": est.out_activation_, "n_features_in_": est.n_features_in_,
        "t_": est.t_ == est.n_iter_ * (len(X_REG) if not est.early_stopping else 54),
        "classes_": getattr(est, "classes_", np.array([])).tolist(),
        "loss_": np.isfinite(est.loss_),
    }


@pytest.mark.parametrize("make, y", [
    (lambda m, **kw: m.MLPRegressor(hidden_layer_sizes=(7, 4), **kw), Y_REG),
    (lambda m, **kw: m.MLPRegressor(hidden_layer_sizes=(5,), **kw), np.c_[Y_REG, -Y_REG]),
    (lambda m, **kw: m.MLPClassifier(hidden_layer_sizes=(6,), **kw), Y_REG > 0),
    (lambda m, **kw: m.MLPClassifier(hidden_layer_sizes=(6,), **kw), Y_CLF[:60]),
])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fitted_attributes_have_scikit_learns_shapes(make, y, early_stopping):
    kw = dict(max_iter=15, random_state=0, early_stopping=early_stopping, n_iter_no_change=100)
    ours = make(nnfit, **kw).fit(X_REG, y)
    theirs = make(neural_network, **kw).fit(X_REG, y)
    assert _shapes(ours) == _shapes(theirs)
    assert ours.predict(X_REG).shape == theirs.predict(X_REG).shape
    if hasattr(theirs, "predict_proba"):
        assert ours.predict_proba(X_REG).shape == theirs.predict_proba(X_REG).shape


def test_lbfgs_has_the_curves_scikit_learn_lacks():
    """early_stopping holds out and scores a validation set, but lbfgs neither stops on it nor
    keeps its best weights (scikit-learn's lbfgs ignores early_stopping)."""
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", early_stopping=True,
                             n_iter_no_change=1, max_iter=40, random_state=0).fit(X_REG, Y_REG)
    assert len(reg.loss_curve_) == len(reg.validation_scores_) == reg.n_iter_ == len(reg.history_)
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert {"loss", "val_loss", "val_mse", "grad_max_abs", "evaluations"} <= set(reg.history_.columns)
    assert "early_stopping" not in reg.fit_.stop_reasons
    assert reg.fit_.config["early_stopping"] is False and not reg.fit_.config["restore_best_weights"]


# -------------------------------------------------------- scikit-learn's objective, exactly
def test_no_hidden_layer_is_ridge_with_the_same_alpha():
    """0.5 MSE + 0.5 alpha ||w||^2 / sum(w) has Ridge(alpha)'s minimiser, weights included."""
    w = RNG.uniform(0.5, 2.0, size=len(X_REG))
    ridge = linear_model.Ridge(alpha=3.0).fit(X_REG, Y_REG, sample_weight=w)
    for solver in ("lm", "lbfgs"):
        reg = nnfit.MLPRegressor(hidden_layer_sizes=(), solver=solver, alpha=3.0, tol=0,
                                 max_iter=500, dtype="float64", random_state=0)
        reg.fit(X_REG, Y_REG, sample_weight=w)
        np.testing.assert_allclose(reg.coefs_[0][:, 0], ridge.coef_, rtol=1e-5, atol=1e-7)
        assert reg.intercepts_[0][0] == pytest.approx(ridge.intercept_, rel=1e-5)


def test_no_hidden_layer_classifier_is_logistic_regression_with_c_one_over_alpha():
    y = Y_REG > 0
    logistic = linear_model.LogisticRegression(C=1 / 2.0, tol=1e-12).fit(X_REG, y)
    clf = nnfit.MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=2.0, tol=0,
                              max_iter=300, dtype="float64", random_state=0).fit(X_REG, y)
    np.testing.assert_allclose(clf.coefs_[0][:, 0], logistic.coef_[0], rtol=1e-4)
    # scipy's ftol stops lbfgs (scikit-learn's own too, by up to 5e-6 here) a little short
    np.testing.assert_allclose(clf.predict_proba(X_REG), logistic.predict_proba(X_REG), atol=2e-5)


def _objective(est, X, y, w):
    """scikit-learn's loss at the estimator's weights, computed here by hand in NumPy."""
    h = X
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        h = np.tanh(h @ W + b)
    z = h @ est.coefs_[-1] + est.intercepts_[-1]
    if est.out_activation_ == "identity":
        data = 0.5 * np.average((z[:, 0] - y) ** 2, weights=w)
    else:
        p = 1 / (1 + np.exp(-z[:, 0]))
        data = -np.average(y * np.log(p) + (1 - y) * np.log(1 - p), weights=w)
    return data + 0.5 * est.alpha * sum(np.sum(W ** 2) for W in est.coefs_) / w.sum()


@pytest.mark.parametrize("est, y", [
    (nnfit.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="gd"), Y_REG),
    (nnfit.MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="gd"), Y_REG > 0),
])
def test_loss_curve_is_scikit_learns_objective(est, y):
    """A warm-started epoch of full-batch descent records the loss at its starting weights."""
    w = RNG.uniform(0.5, 2.0, size=len(X_REG))
    est.set_params(alpha=0.7, dtype="float64", random_state=1, max_iter=20, warm_start=True,
                   n_iter_no_change=np.inf)
    est.fit(X_REG, y, sample_weight=w)
    expected = _objective(est, X_REG, y.astype(float), w)
    est.set_params(max_iter=1).fit(X_REG, y, sample_weight=w)
    assert est.loss_curve_[-1] == pytest.approx(expected, rel=1e-9)
    assert len(est.loss_curve_) == 21 and est.t_ == 21 * len(X_REG)


def test_least_squares_loss_is_scikit_learns_objective_at_the_result():
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", solver="lm", alpha=0.5,
                             max_iter=100, dtype="float64", random_state=0).fit(X_REG, Y_REG)
    assert reg.loss_ == pytest.approx(_objective(reg, X_REG, Y_REG, np.ones(60)), rel=1e-9)
    assert reg.t_ == 0 and reg.fit_.solver_info[0]["nfev"] <= 100


def test_invscaling_is_scikit_learns_rate():
    """The rate of each epoch, from scikit-learn's own SGDOptimizer after t samples."""
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    rate = InvScaling(0.1, 0.5, n_samples=200, n_batches=4)
    theirs = SGDOptimizer([np.zeros(1)], 0.1, "invscaling", power_t=0.5)
    expected = []
    for epoch in range(4):
        expected += [theirs.learning_rate] * 4  # one rate for the epoch's 4 batches
        theirs.iteration_ends(200 * (epoch + 1))
    np.testing.assert_allclose([float(rate(np.int32(c))) for c in range(16)], expected,
                               rtol=1e-12)


# ------------------------------------------------------------------- nnfit's own parameters
def test_ensemble_mean_and_spread():
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(6,), n_members=4, max_iter=20,
                             random_state=0).fit(X_REG, Y_REG)
    assert reg.coefs_[0].shape == (4, 3, 6) and reg.intercepts_[1].shape == (4, 1)
    mean, std = reg.predict(X_REG, return_std=True)
    members = reg.fit_.predict_members(X_REG)
    # the estimator predicts in float64, the float32 fit's members in float32
    np.testing.assert_allclose(mean, members.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std, members.std(axis=0), rtol=1e-4, atol=1e-6)
    assert np.all(std > 0)
    clf = nnfit.MLPClassifier(hidden_layer_sizes=(6,), n_members=3, max_iter=20,
                              random_state=0).fit(X_CLF, Y_CLF)
    labels, spread = clf.predict(X_CLF, return_std=True)
    assert set(labels) <= set(Y_CLF) and spread.shape == (90,)


def test_per_layer_penalties_and_l1_reach_the_core():
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(5,), alpha=[0.0, 2.0], l1=[0.3, 0.0],
                             solver="gd", max_iter=5, random_state=0).fit(X_REG, Y_REG)
    l1, l2 = reg.fit_.config["l1"], reg.fit_.config["l2"]
    np.testing.assert_allclose(np.ravel(l2), [0.0, 0.5 * 2.0 / (0.5 * 60)])
    np.testing.assert_allclose(np.ravel(l1), [0.3 / (0.5 * 60), 0.0])


def test_normalize_makes_the_scale_of_x_irrelevant():
    kw = dict(hidden_layer_sizes=(6,), normalize=True, solver="lbfgs", max_iter=30,
              random_state=0, dtype="float64")
    a = nnfit.MLPRegressor(**kw).fit(X_REG, Y_REG)
    b = nnfit.MLPRegressor(**kw).fit(X_REG * 1000 + 5, Y_REG)
    np.testing.assert_allclose(a.predict(X_REG), b.predict(X_REG * 1000 + 5), rtol=1e-6)


def test_robust_losses_resist_outliers():
    y = Y_REG.copy()
    y[:3] += 50  # outliers pull the squared error's fit, much less the others'
    error = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        reg = nnfit.MLPRegressor(loss=loss, hidden_layer_sizes=(16,), solver="lbfgs",
                                 max_iter=200, random_state=0).fit(X_REG, y)
        error[loss] = np.median(np.abs(reg.predict(X_REG) - Y_REG)[3:])
    assert reg.fit_.config["loss"] == "huber"
    assert max(error["absolute_error"], error["huber"]) < 0.5 * error["squared_error"]


def test_warm_start_continues_and_keeps_the_classes():
    clf = nnfit.MLPClassifier(hidden_layer_sizes=(6,), warm_start=True, max_iter=5,
                              n_iter_no_change=100, random_state=0).fit(X_CLF, Y_CLF)
    first = [c.copy() for c in clf.coefs_]
    clf.fit(X_CLF, Y_CLF)
    assert len(clf.loss_curve_) == 10 and clf.n_iter_ == 5 and clf.t_ == 10 * 90
    assert not np.allclose(first[0], clf.coefs_[0])
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X_CLF, np.where(Y_CLF == "low", "mid", Y_CLF))
    cold = clone(clf).set_params(warm_start=False, max_iter=5).fit(X_CLF, Y_CLF)
    assert len(cold.loss_curve_) == 5


def _scikit_learn_stop(scores, tol, n_iter_no_change):
    """The epoch at which scikit-learn's _update_no_improvement_count stops on these scores
    (higher is better), or None."""
    best, count = -np.inf, 0
    for epoch, score in enumerate(scores, start=1):
        count = count + 1 if score < best + tol else 0
        best = max(best, score)
        if count > n_iter_no_change:
            return epoch
    return None


@pytest.mark.parametrize("make, y", [
    (lambda **kw: nnfit.MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.05, **kw),
     Y_REG),
    (lambda **kw: nnfit.MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.05, **kw),
     Y_REG > 0),
])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_stopping_is_scikit_learns_rule_on_the_recorded_curves(make, y, early_stopping):
    """Replaying scikit-learn's rule on loss_curve_ (or validation_scores_) stops exactly where
    the estimator did; with early_stopping the weights are the best epoch's."""
    w = RNG.uniform(0.5, 2.0, size=len(X_REG))
    est = make(early_stopping=early_stopping, validation_fraction=0.3, n_iter_no_change=4,
               tol=1e-3, max_iter=500, dtype="float64", random_state=0)
    est.fit(X_REG, y, sample_weight=w)
    scores = (est.validation_scores_ if early_stopping else [-v for v in est.loss_curve_])
    assert _scikit_learn_stop(scores, 1e-3, 4) == est.n_iter_ < 500
    if early_stopping:
        # the kept weights score the best validation score on scikit-learn's own split
        X_tr, X_val, y_tr, y_val, w_tr, w_val = train_test_split(
            X_REG, y, w, test_size=0.3, random_state=_split_state(0, [3, 32, 1]),
            stratify=y if est._is_classifier else None)
        assert est.score(X_val, y_val, sample_weight=w_val) == pytest.approx(
            est.best_validation_score_, rel=1e-9)


def _split_state(random_state, sizes):
    """The RandomState scikit-learn's split draws from: after the initial weights and biases
    of every layer (uniform draws, layer by layer)."""
    rng = np.random.RandomState(random_state)
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        rng.uniform(size=(fan_in, fan_out))
        rng.uniform(size=fan_out)
    return rng


def test_max_iter_warns_like_scikit_learn():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        nnfit.MLPRegressor(hidden_layer_sizes=(8,), max_iter=3).fit(X_REG, Y_REG)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        nnfit.MLPRegressor(hidden_layer_sizes=(8,), tol=1e9, max_iter=100).fit(X_REG, Y_REG)


# ------------------------------------------------- lbfgs stops as scikit-learn's (scipy's tests)
def _gradient_max(est, X, y, w):
    """The largest absolute component of the gradient of scikit-learn's objective (see
    _objective) at the estimator's weights, by JAX in float64."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        X, y, w = jnp.asarray(X), jnp.asarray(y, jnp.float64), jnp.asarray(w)

        def objective(params):
            h = X
            for W, b in params[:-1]:
                h = jnp.tanh(h @ W + b[None, :])  # strict rank promotion: broadcast by hand
            z = (h @ params[-1][0] + params[-1][1][None, :])[:, 0]
            if est.out_activation_ == "identity":
                data = 0.5 * jnp.sum(w * (z - y) ** 2) / jnp.sum(w)
            else:  # the log-loss of p = sigmoid(z)
                data = jnp.sum(w * (jnp.logaddexp(0.0, z) - y * z)) / jnp.sum(w)
            return data + 0.5 * est.alpha * sum(jnp.sum(W ** 2) for W, _ in params) / jnp.sum(w)

        params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(est.coefs_, est.intercepts_)]
        grads = jax.grad(objective)(params)
        return max(float(jnp.max(jnp.abs(g))) for g in jax.tree.leaves(grads))


@pytest.mark.parametrize("cls, y, c", [(nnfit.MLPRegressor, Y_REG, 0.5),
                                       (nnfit.MLPClassifier, Y_REG > 0, 1.0)])
def test_lbfgs_tol_is_scipys_gtol_on_scikit_learns_objective(cls, y, c):
    """It stops, without a warning, at the first iterate whose gradient (scikit-learn's units)
    has no component above tol; the iterate before has one."""
    w = RNG.uniform(0.5, 2.0, size=len(X_REG))
    kw = dict(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", alpha=0.5, tol=1e-3,
              dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = cls(max_iter=500, **kw).fit(X_REG, y, sample_weight=w)
    assert est.fit_.stop_reasons == ["gradient_below_gtol"] and 1 < est.n_iter_ < 500
    assert _gradient_max(est, X_REG, y, w) <= 1e-3
    before = cls(max_iter=est.n_iter_ - 1, **kw).fit(X_REG, y, sample_weight=w)
    assert _gradient_max(before, X_REG, y, w) > 1e-3
    # history_ reports the gradient of nnfit's objective, 1 / c times scikit-learn's, at the
    # start of each iteration: its last row is `before`'s end
    assert c * est.history_.grad_max_abs.iloc[-1] == pytest.approx(
        _gradient_max(before, X_REG, y, w), rel=1e-6)


def test_lbfgs_max_fun_is_the_evaluation_budget():
    kw = dict(hidden_layer_sizes=(8,), activation="tanh", solver="lbfgs", tol=0, max_iter=200,
              dtype="float64", random_state=0)
    with pytest.warns(ConvergenceWarning, match="F,G EVALUATIONS EXCEEDS LIMIT"):
        short = nnfit.MLPRegressor(max_fun=25, **kw).fit(X_REG, Y_REG)
    counts = short.history_.evaluations.to_numpy()  # see test_solvers: optax's own count
    assert short.fit_.stop_reasons == ["max_evaluations"]
    assert counts[-2] < 25 <= counts[-1] and short.n_iter_ == len(counts) < 200
    assert np.all(np.diff(np.r_[0, counts]) >= 2)  # one at the start, >= 1 by the line search
    longer = nnfit.MLPRegressor(max_fun=250, **kw).fit(X_REG, Y_REG)
    assert longer.n_iter_ > short.n_iter_
    np.testing.assert_allclose(longer.loss_curve_[:short.n_iter_], short.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize("cls, theirs_cls, y", [
    (nnfit.MLPRegressor, neural_network.MLPRegressor, Y_REG),
    (nnfit.MLPClassifier, neural_network.MLPClassifier, Y_REG > 0),
])
def test_lbfgs_ftol_stops_at_the_convex_optimum_as_scikit_learns_does(cls, theirs_cls, y):
    """A linear model with a penalty (ridge, or logistic regression) has one optimum: with
    tol=0 both lbfgs solvers stop on scipy's relative-decrease test, at that optimum."""
    alpha, ones = 3.0, np.ones(len(X_REG))
    if cls is nnfit.MLPRegressor:
        exact = linear_model.Ridge(alpha=alpha).fit(X_REG, y)
    else:  # log-loss mean + 0.5 alpha |w|^2 / n is LogisticRegression's with C = 1 / alpha
        exact = linear_model.LogisticRegression(C=1 / alpha, tol=1e-12).fit(X_REG, y)
    reference = clone(cls(hidden_layer_sizes=(), alpha=alpha))
    reference.coefs_ = [np.reshape(exact.coef_, (-1, 1))]
    reference.intercepts_ = [np.ravel(exact.intercept_)]
    reference.out_activation_ = "identity" if cls is nnfit.MLPRegressor else "logistic"
    optimum = _objective(reference, X_REG, y.astype(float), ones)
    for seed in range(3):
        kw = dict(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=0, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            ours = cls(dtype="float64", **kw).fit(X_REG, y)
            theirs = theirs_cls(**kw).fit(X_REG, y)
        assert ours.fit_.stop_reasons == ["decrease_below_ftol"]
        loss = _objective(ours, X_REG, y.astype(float), ones)
        assert loss == pytest.approx(theirs.loss_, rel=1e-6)
        assert loss == pytest.approx(optimum, rel=1e-6)
        # different line searches (optax's zoom, scipy's dcsrch) take different steps: 7 or 8
        # iterations each, at most 1 apart over random_state 0..9
        assert abs(ours.n_iter_ - theirs.n_iter_) <= 2


def test_lbfgs_ignores_n_iter_no_change_as_scikit_learn_does():
    kw = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, dtype="float64",
              random_state=0, tol=0)
    a = nnfit.MLPRegressor(n_iter_no_change=1, **kw).fit(X_REG, Y_REG)
    b = nnfit.MLPRegressor(n_iter_no_change=np.inf, **kw).fit(X_REG, Y_REG)
    assert a.n_iter_ == b.n_iter_ and a.loss_curve_ == b.loss_curve_
    assert a.fit_.config["early_stopping"] is False


def test_adaptive_schedule_runs_for_sgd_and_adam_ignores_it():
    sgd = nnfit.MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate="adaptive",
                             max_iter=30, random_state=0).fit(X_REG, Y_REG)
    assert sgd.fit_.config["schedule"] == "adaptive" and sgd.n_iter_ == 30
    adam = nnfit.MLPRegressor(hidden_layer_sizes=(8,), learning_rate="adaptive", max_iter=3)
    assert adam.fit(X_REG, Y_REG).fit_.config["schedule"] == "constant"




# ------------------------------------------------------- meta-estimators, frames and weights
def test_pipeline_grid_search_cross_val_score_and_clone():
    pipe = make_pipeline(StandardScaler(), nnfit.MLPRegressor(hidden_layer_sizes=(8,),
                                                              solver="lbfgs", max_iter=50,
                                                              random_state=0))
    scores = cross_val_score(pipe, X_REG, Y_REG, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    grid = GridSearchCV(pipe, {"mlpregressor__alpha": [1e-4, 10.0]}, cv=3).fit(X_REG, Y_REG)
    assert grid.best_params_["mlpregressor__alpha"] == 1e-4
    twin = clone(grid.best_estimator_)
    assert twin.get_params()["mlpregressor__alpha"] == 1e-4 and not hasattr(twin[-1], "coefs_")
    clf_scores = cross_val_score(nnfit.MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs",
                                                     max_iter=50, random_state=0),
                                 X_CLF, Y_CLF, cv=3)
    assert np.mean(clf_scores) > 0.8


def test_data_frames_and_feature_names():
    frame = pd.DataFrame(X_REG, columns=["a", "b", "c"])
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    reg.fit(frame, pd.Series(Y_REG))
    assert reg.feature_names_in_.tolist() == ["a", "b", "c"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_allclose(reg.predict(frame), reg.predict(X_REG))
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(frame[["c", "b", "a"]])


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_sample_weight_two_is_a_repeated_row_and_zero_a_removed_one(solver):
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=40, learning_rate_init=0.05,
              dtype="float64", random_state=0, tol=0)
    w = np.ones(60)
    w[0], w[1] = 2.0, 0.0
    weighted = nnfit.MLPRegressor(**kw).fit(X_REG, Y_REG, sample_weight=w)
    rows = np.r_[0, np.arange(2, 60), 0]
    repeated = nnfit.MLPRegressor(**kw).fit(X_REG[rows], Y_REG[rows])
    np.testing.assert_allclose(weighted.predict(X_REG), repeated.predict(X_REG), rtol=1e-7)


def test_pickle_round_trip_predicts_the_same():
    clf = nnfit.MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X_CLF, Y_CLF)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X_CLF), clf.predict_proba(X_CLF))


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("cls, params, match", [
    (nnfit.MLPRegressor, dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes must be positive"),
    (nnfit.MLPRegressor, dict(hidden_layer_sizes=(5, -2)), r"\(5, -2\)"),
    (nnfit.MLPClassifier, dict(hidden_layer_sizes=0), "hidden_layer_sizes"),
    (nnfit.MLPClassifier, dict(hidden_layer_sizes=(2.5,)), "hidden_layer_sizes"),
    (nnfit.MLPClassifier, dict(solver="lm"), "regression only"),
    (nnfit.MLPClassifier, dict(solver="trf"), "regression only"),
    (nnfit.MLPRegressor, dict(solver="newton"), "unknown solver 'newton'"),
    (nnfit.MLPRegressor, dict(n_members=0), "n_members must be >= 1, got 0"),
    (nnfit.MLPRegressor, dict(n_members=2.0), "n_members must be an integer"),
    (nnfit.MLPRegressor, dict(activation="swishy"), "swishy"),
    (nnfit.MLPRegressor, dict(alpha=-1.0), "alpha must be >= 0"),
    (nnfit.MLPRegressor, dict(alpha=[1.0, 2.0, 3.0]), "one per dense layer"),
    (nnfit.MLPRegressor, dict(l1=np.nan), "l1"),
    (nnfit.MLPRegressor, dict(loss=(10,)), "pass hidden_layer_sizes by name"),
    (nnfit.MLPRegressor, dict(solver="lm", loss="huber"), "loss='squared_error'"),
    (nnfit.MLPRegressor, dict(solver="lm", hidden_layer_sizes=(30,)), "use solver='trf'"),
    (nnfit.MLPRegressor, dict(learning_rate="cyclic"), "cyclic"),
    (nnfit.MLPRegressor, dict(learning_rate_init=0.0), "learning_rate_init"),
    (nnfit.MLPRegressor, dict(batch_size=0), "batch_size must be >= 1, got 0"),
    (nnfit.MLPRegressor, dict(max_iter=0), "max_iter"),
    (nnfit.MLPRegressor, dict(early_stopping=True, validation_fraction=1.0), "validation_fraction"),
    (nnfit.MLPRegressor, dict(dtype="float16"), "float16"),
    (nnfit.MLPRegressor, dict(n_iter_no_change=0), "n_iter_no_change"),
    (nnfit.MLPRegressor, dict(momentum=1.5), "momentum"),
])
def test_bad_parameters_raise_clear_errors(cls, params, match):
    y = Y_REG if cls is nnfit.MLPRegressor else Y_REG > 0
    with pytest.raises((ValueError, TypeError), match=match):
        cls(max_iter=params.pop("max_iter", 2), **params).fit(X_REG, y)


def test_bad_targets_and_weights():
    with pytest.raises(ValueError, match="Unknown label type"):
        nnfit.MLPClassifier(max_iter=2).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="sums to zero"):
        nnfit.MLPRegressor(max_iter=2).fit(X_REG, Y_REG, sample_weight=np.zeros(60))
    with pytest.raises(ValueError, match=r"shape \(60,\)"):
        nnfit.MLPRegressor(max_iter=2).fit(X_REG, Y_REG, sample_weight=np.ones(59))
    with pytest.raises(ValueError, match="least squares cannot minimise an L1"):
        nnfit.MLPRegressor(hidden_layer_sizes=(2,), solver="lm", l1=0.1).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="validation set is too small"):
        nnfit.MLPRegressor(early_stopping=True, max_iter=2).fit(X_REG[:5], Y_REG[:5])


@pytest.mark.parametrize("cls", [nnfit.MLPRegressor, nnfit.MLPClassifier])
@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-5), ("float64", 1e-9)])
def test_weights_equal_repeated_rows(cls, dtype, rtol):
    # scikit-learn's check_sample_weight_equivalence_on_dense_data at each dtype's precision:
    # integer weights must fit as the rows repeated that many times (full batch, no shuffle)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if cls is nnfit.MLPClassifier else X @ [1.0, -2.0, 0.5]
    w = rng.integers(0, 3, size=40)
    kw = dict(hidden_layer_sizes=(5,), max_iter=60, dtype=dtype, random_state=0)
    weighted = cls(**kw).fit(X, y, sample_weight=w)
    repeated = cls(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    out = "predict_proba" if cls is nnfit.MLPClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(repeated, out)(X), rtol=rtol,
                               atol=rtol * 1e-2)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=rtol * 10)


def test_integer_random_state_is_the_random_state_it_seeds():
    """An int random_state (its first draw remembered) fits as RandomState(int) does."""
    X, y = datasets.make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)
    a = nnfit.MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=7).fit(X, y)
    b = nnfit.MLPRegressor(hidden_layer_sizes=(5,), max_iter=20,
                           random_state=np.random.RandomState(7)).fit(X, y)
    c = nnfit.MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=8).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_plain_arrays_after_a_dataframe_forget_its_feature_names():
    X, y = datasets.make_regression(n_samples=40, n_features=3, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    est = nnfit.MLPRegressor(hidden_layer_sizes=(3,), max_iter=5).fit(frame, y)
    assert list(est.feature_names_in_) == ["a", "b", "c"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)  # scikit-learn's own warning: plain arrays take its path here
    est.fit(X, y)
    assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 3
    with pytest.raises(ValueError, match="4 features"):
        est.predict(np.ones((2, 4)))


def test_history_is_one_table_however_often_read():
    X, y = datasets.make_regression(n_samples=30, n_features=2, random_state=0)
    est = nnfit.MLPRegressor(hidden_layer_sizes=(3,), max_iter=4, n_members=2).fit(X, y)
    assert est.history_ is est.history_
    np.testing.assert_allclose(est.history_.loss * 0.5, est.loss_curve_, rtol=1e-6)  # float32
    assert not hasattr(nnfit.MLPRegressor(), "history_")
