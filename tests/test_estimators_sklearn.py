"""nnfit's MLP estimators and scikit-learn's, side by side on the same input: partial_fit, the
'adaptive' rate, verbose lines, non-finite weights, a single class, a constant target, the
dtypes, multilabel targets and sparse input.

Both libraries draw the same initial weights from the same ``random_state`` (and the same
early-stopping split), so where the rows' order within an epoch does not matter (one batch per
epoch) 'sgd' follows scikit-learn's loss curve to rounding and Adam to ~1e-6 (optax adds
epsilon after its bias correction, scikit-learn before it).
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import datasets, neural_network
from sklearn.exceptions import ConvergenceWarning

import nnfit
from nnfit.engine import TrainingDiverged

RNG = np.random.default_rng(1)
X = RNG.normal(size=(60, 3))
Y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2]
LABELS = np.array([0, 1, 2])[np.digitize(X[:, 0] + X[:, 1], [-0.6, 0.6])]
CURVE_RTOL = {"sgd": 1e-10, "adam": 1e-5}


def _pair(name, **kw):
    """nnfit's and scikit-learn's estimator of one name with the same parameters."""
    return getattr(nnfit, name)(**kw), getattr(neural_network, name)(**kw)


def _quiet(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


# ------------------------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name, y, extra", [
    ("MLPRegressor", Y, {}),
    ("MLPClassifier", LABELS, {"classes": [0, 1, 2, 3]}),  # class 3 never comes
])
def test_partial_fit_follows_scikit_learns_run(solver, name, y, extra):
    ours, theirs = _pair(name, hidden_layer_sizes=(7,), solver=solver, random_state=0,
                         learning_rate_init=0.05)
    for start in range(0, 60, 15):  # a stream of four batches, one mini-batch each
        rows = slice(start, start + 15)
        for est in (ours, theirs):
            est.partial_fit(X[rows], y[rows], **(extra if start == 0 else {}))
            assert est.n_iter_ == 1
        assert ours.t_ == theirs.t_ == start + 15
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=CURVE_RTOL[solver])
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-8 if solver == "sgd" else 1e-5)
    if name == "MLPClassifier":
        assert ours.classes_.tolist() == theirs.classes_.tolist() == [0, 1, 2, 3]
        assert ours.predict_proba(X).shape == theirs.predict_proba(X).shape == (60, 4)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_after_fit_goes_on_with_the_optimizers_state(solver):
    """Adam's moments and step count (SGD's velocity) carry over from fit to partial_fit."""
    ours, theirs = _pair("MLPRegressor", hidden_layer_sizes=(5,), solver=solver, max_iter=8,
                         random_state=3, learning_rate_init=0.02)
    for est in (ours, theirs):
        _quiet(est.fit, X, Y)
        for _ in range(3):
            est.partial_fit(X, Y)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 11
    assert ours.t_ == theirs.t_ == 11 * 60 and ours.n_iter_ == theirs.n_iter_ == 1
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=CURVE_RTOL[solver])


def test_partial_fit_compiles_one_program_for_a_stream():
    from nnfit import _programs

    est = nnfit.MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(X[:20], Y[:20])
    before = dict(_programs.PROGRAMS.compiles)
    for start in range(20, 60, 20):
        est.partial_fit(X[start:start + 20], Y[start:start + 20])
    assert _programs.PROGRAMS.compiles == before


@pytest.mark.parametrize("rate", ["adaptive", "invscaling"])
def test_partial_fit_rate_schedules_are_scikit_learns(rate):
    """'adaptive' divides the rate by 5 after n_iter_no_change + 1 calls without progress,
    'invscaling' steps at learning_rate_init / (t_ + 1) ** power_t."""
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate=rate, random_state=0,
              tol=0.5, n_iter_no_change=2, learning_rate_init=0.05)
    ours, theirs = _pair("MLPRegressor", **kw)
    for i in range(12):
        rows = slice(5 * i, 5 * i + 5)
        ours.partial_fit(X[rows], Y[rows])
        theirs.partial_fit(X[rows], Y[rows])
        assert ours._learning_rate == pytest.approx(theirs._optimizer.learning_rate, rel=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


def _raised(call):
    try:
        call()
    except (ValueError, AttributeError) as err:
        return type(err), str(err)
    return None


@pytest.mark.parametrize("case", [
    lambda est: est.partial_fit(X, LABELS),  # no classes on the first call
    lambda est: est.partial_fit(X, LABELS, classes=[0, 1, 2]).partial_fit(X, LABELS + 5),
    lambda est: est.partial_fit(X, LABELS, classes=[0, 1, 2]).partial_fit(
        X, LABELS, classes=[0, 1]),
    lambda est: est.set_params(early_stopping=True).partial_fit(X, LABELS, classes=[0, 1, 2]),
    lambda est: est.set_params(solver="lbfgs").partial_fit(X, LABELS, classes=[0, 1, 2]),
])
def test_partial_fit_errors_are_scikit_learns(case):
    ours, theirs = _pair("MLPClassifier", hidden_layer_sizes=(3,), random_state=0)
    mine, reference = _raised(lambda: case(ours)), _raised(lambda: case(theirs))
    assert reference is not None
    assert issubclass(mine[0], reference[0]) and mine[1] == reference[1]


def test_partial_fit_exists_where_scikit_learns_does():
    for solver in ("adam", "sgd", "lbfgs"):
        for name in ("MLPRegressor", "MLPClassifier"):
            ours, theirs = _pair(name, solver=solver)
            assert hasattr(ours, "partial_fit") == hasattr(theirs, "partial_fit"), (name, solver)


def test_partial_fit_verbose_lines_are_scikit_learns(capsys):
    printed = []
    for est in _pair("MLPRegressor", hidden_layer_sizes=(4,), solver="sgd", verbose=True,
                     random_state=0, tol=10.0, n_iter_no_change=1):
        for start in range(0, 60, 20):
            est.partial_fit(X[start:start + 20], Y[start:start + 20])
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1] and "Stopping." in printed[0]


# ---------------------------------------------------------------------------- 'adaptive'
def test_adaptive_stops_where_scikit_learns_does():
    """The issue's example: 6 divisions by 5, the last below 1e-6, at iteration 67."""
    kw = dict(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive", random_state=0)
    ours, theirs = _pair("MLPClassifier", **kw)
    for est in (ours, theirs):
        est.fit([[3, 2], [1, 6]], [1, 0])
    assert ours.n_iter_ == theirs.n_iter_ == 67
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_adaptive_rate_and_stopping_follow_scikit_learn(early_stopping):
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate="adaptive", tol=1e-3,
              n_iter_no_change=3, max_iter=400, random_state=2, learning_rate_init=0.1,
              early_stopping=early_stopping, validation_fraction=0.25, batch_size=60)
    ours, theirs = _pair("MLPRegressor", **kw)
    _quiet(ours.fit, X, Y)
    _quiet(theirs.fit, X, Y)
    assert ours.n_iter_ == theirs.n_iter_ < 400
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-8)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8)


# ------------------------------------------------------------------------------- verbose
@pytest.mark.parametrize("kw", [
    dict(),
    dict(early_stopping=True, n_iter_no_change=2, tol=0.5),
    dict(n_iter_no_change=2, tol=0.5),
    dict(learning_rate="adaptive", n_iter_no_change=1, tol=5.0),
])
def test_verbose_prints_scikit_learns_lines(kw, capsys):
    printed = []
    for est in _pair("MLPRegressor", hidden_layer_sizes=(4,), solver="sgd", max_iter=25,
                     verbose=True, random_state=0, batch_size=60, **kw):
        _quiet(est.fit, X, Y)
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].startswith("Iteration 1, loss = ")


# -------------------------------------------------------------------- non-finite weights
def test_non_finite_weights_raise_scikit_learns_value_error():
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e6, max_iter=20,
              random_state=0)
    errors = []
    for est in _pair("MLPRegressor", **kw):
        with pytest.raises(ValueError) as caught:
            _quiet(est.fit, X, Y * 1e6)
        errors.append(caught.value)
    assert str(errors[0]) == str(errors[1])
    assert isinstance(errors[0], TrainingDiverged) and errors[0].fit is not None


def test_non_finite_weights_with_early_stopping_run_on_as_scikit_learns():
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e6, max_iter=20,
              random_state=0, early_stopping=True, batch_size=60)
    results = []
    for est in _pair("MLPRegressor", **kw):
        with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(20\)"):
            est.fit(X, Y * 1e6)
        results.append(est)
    ours, theirs = results
    assert ours.n_iter_ == theirs.n_iter_ == 20 == len(ours.validation_scores_)
    # the same scores while finite; nnfit's engine stops at the first non-finite loss or
    # score (here an epoch whose validation error overflows, -inf in scikit-learn) and
    # records the epochs after it as NaN, which scikit-learn reaches an epoch or two later
    mine, reference = np.asarray(ours.validation_scores_), np.asarray(theirs.validation_scores_)
    finite = np.isfinite(mine)
    assert finite[:2].all() and not finite[-1] and not np.isfinite(reference[-1])
    assert np.isfinite(reference[finite]).all() and np.isnan(mine[~finite]).all()
    np.testing.assert_allclose(mine[finite], reference[finite], rtol=1e-8)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8)


# --------------------------------------------------- one class, a constant target, dtypes
def test_a_single_class_is_fitted_as_scikit_learn_fits_it():
    ours, theirs = _pair("MLPClassifier", hidden_layer_sizes=(5,), solver="sgd",
                         max_iter=5, random_state=0)
    y = np.full(60, "only")
    for est in (ours, theirs):
        _quiet(est.fit, X, y)
    assert ours.classes_.tolist() == theirs.classes_.tolist() == ["only"]
    assert ours.predict(X).tolist() == theirs.predict(X).tolist()
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8)
    assert ours.coefs_[-1].shape == theirs.coefs_[-1].shape == (5, 1)


def test_a_constant_target_with_early_stopping_stops_as_scikit_learns():
    ours, theirs = _pair("MLPRegressor", hidden_layer_sizes=(5,), early_stopping=True,
                         random_state=0, solver="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero, no ConvergenceWarning
        for est in (ours, theirs):
            est.fit(X, np.ones(60))
    assert ours.n_iter_ == theirs.n_iter_ == 12
    assert ours.validation_scores_ == theirs.validation_scores_ == [0.0] * 12
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8)


@pytest.mark.parametrize("name", ["MLPRegressor", "MLPClassifier"])
@pytest.mark.parametrize("x_dtype, predict_dtype", [
    (np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64),
    (np.float64, np.float32),
])
def test_dtypes_follow_the_input_as_scikit_learns(name, x_dtype, predict_dtype):
    y = Y if name == "MLPRegressor" else LABELS
    ours, theirs = _pair(name, hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    for est in (ours, theirs):
        _quiet(est.fit, X.astype(x_dtype), y)
    assert [c.dtype for c in ours.coefs_] == [c.dtype for c in theirs.coefs_]
    assert [b.dtype for b in ours.intercepts_] == [b.dtype for b in theirs.intercepts_]
    out = "predict" if name == "MLPRegressor" else "predict_proba"
    Xp = X.astype(predict_dtype)
    assert getattr(ours, out)(Xp).dtype == getattr(theirs, out)(Xp).dtype


def test_an_explicit_dtype_overrides_the_inputs():
    est = _quiet(nnfit.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, dtype="float32").fit,
                 X, Y)
    assert est.coefs_[0].dtype == np.float32 and est.predict(X).dtype == np.float64


def test_max_iter_20_passes_check_regressors_train_as_scikit_learns_does():
    """Twenty Adam steps of 0.001 barely train a (100,) network: the check's R^2 > 0.5 holds
    for scikit-learn's initial weights of random_state 0, and so for nnfit's, the same."""
    from sklearn.utils.estimator_checks import check_regressors_train

    for est in _pair("MLPRegressor", max_iter=20):
        _quiet(check_regressors_train, type(est).__name__, est)


# ------------------------------------------------------------------------------ multilabel
@pytest.mark.parametrize("early_stopping", [False, True])
def test_multilabel_targets_are_fitted_as_scikit_learns(early_stopping):
    Xm, Ym = datasets.make_multilabel_classification(n_samples=80, n_classes=4,
                                                     random_state=0)
    ours, theirs = _pair("MLPClassifier", hidden_layer_sizes=(8,), solver="sgd",
                         max_iter=15, random_state=0, batch_size=80,
                         early_stopping=early_stopping, n_iter_no_change=100)
    for est in (ours, theirs):
        _quiet(est.fit, Xm, Ym)
    assert ours.classes_.tolist() == theirs.classes_.tolist()
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(Xm), theirs.predict_proba(Xm), rtol=1e-6)
    predicted, expected = ours.predict(Xm), theirs.predict(Xm)
    assert predicted.shape == expected.shape == (80, 4) and predicted.dtype == expected.dtype
    np.testing.assert_array_equal(predicted, expected)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


def test_multilabel_partial_fit_as_scikit_learns():
    Xm, Ym = datasets.make_multilabel_classification(n_samples=40, n_classes=3, random_state=1)
    ours, theirs = _pair("MLPClassifier", hidden_layer_sizes=(4,), solver="sgd", random_state=0)
    for est in (ours, theirs):
        est.partial_fit(Xm[:20], Ym[:20], classes=[0, 1, 2])
        est.partial_fit(Xm[20:], Ym[20:])
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(Xm), theirs.predict(Xm))


# ---------------------------------------------------------------------------------- sparse
@pytest.mark.parametrize("convert", [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.coo_matrix,
                                     sp.lil_array, sp.dok_matrix])
@pytest.mark.parametrize("name", ["MLPRegressor", "MLPClassifier"])
def test_sparse_input_fits_as_the_dense_input(convert, name):
    y = Y if name == "MLPRegressor" else LABELS
    Xs = X * (RNG.random(X.shape) < 0.5)  # half the entries zero
    kw = dict(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
    dense = _quiet(getattr(nnfit, name)(**kw).fit, Xs, y)
    sparse = _quiet(getattr(nnfit, name)(**kw).fit, convert(Xs), y)
    theirs = _quiet(getattr(neural_network, name)(**kw).fit, convert(Xs), y)
    out = "predict" if name == "MLPRegressor" else "predict_proba"
    np.testing.assert_allclose(getattr(sparse, out)(convert(Xs)), getattr(dense, out)(Xs),
                               rtol=1e-12)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(sparse.loss_curve_, theirs.loss_curve_, rtol=1e-5)


def test_sparse_prediction_is_densified_in_blocks(monkeypatch):
    from nnfit import _sklearn_compat

    monkeypatch.setattr(_sklearn_compat, "PREDICT_BLOCK_VALUES", 30)  # 10 rows a block
    est = _quiet(nnfit.MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit,
                 X, Y)
    np.testing.assert_allclose(est.predict(sp.csr_matrix(X)), est.predict(X), rtol=1e-12)


def test_partial_fit_messages_name_the_fix_for_normalize():
    with pytest.raises(ValueError, match=re.escape("StandardScaler().partial_fit")):
        nnfit.MLPRegressor(normalize=True).partial_fit(X, Y)


# --------------------------------------------------------------------------------- poisson
@pytest.mark.parametrize("solver, kw", [("sgd", {}), ("adam", {}), ("lbfgs", {}),
                                        ("sgd", {"early_stopping": True})])
def test_poisson_loss_is_scikit_learns(solver, kw):
    """Half the Poisson deviance through an exp output: scikit-learn's loss curve and its
    predictions, exp of the last layer."""
    rng = np.random.RandomState(0)
    counts = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    ours, theirs = _pair("MLPRegressor", loss="poisson", hidden_layer_sizes=(5,), solver=solver,
                         max_iter=20, random_state=0, batch_size=60, learning_rate_init=0.01,
                         **kw)
    for est in (ours, theirs):
        _quiet(est.fit, X, counts)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    rtol = {"sgd": 1e-9, "adam": 1e-5, "lbfgs": 1e-2}[solver]
    if solver != "lbfgs":  # optax's and scipy's line searches differ
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
    else:
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.05)
    if solver != "lbfgs":  # twenty iterations of each line search end at other weights
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=100 * rtol)
    assert (ours.predict(X) > 0).all()
    if kw:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-8)


def test_poisson_refuses_negative_targets():
    with pytest.raises(ValueError, match="poisson' needs targets >= 0"):
        nnfit.MLPRegressor(loss="poisson", max_iter=2).fit(X, Y)


def test_the_core_poisson_loss_and_subset_accuracy_are_scikit_learns():
    import jax

    from sklearn.metrics import accuracy_score
    from sklearn.neural_network._base import poisson_loss

    from nnfit import objectives

    rng = np.random.default_rng(0)
    y = rng.poisson(2.0, size=(30, 1)).astype(float)
    mu, w = rng.uniform(0.5, 3.0, size=(30, 1)), rng.uniform(0.5, 2.0, size=30)
    with jax.enable_x64(True):
        ours = float(objectives.poisson(y, np.log(mu), w))
        labels = rng.integers(0, 2, size=(30, 4)).astype(float)
        proba = rng.uniform(size=(30, 4))
        subset = float(objectives.accuracy(labels, proba, w, independent=True))
    assert ours == pytest.approx(poisson_loss(y, mu, w), rel=1e-12)
    assert subset == pytest.approx(accuracy_score(labels, proba > 0.5, sample_weight=w),
                                   rel=1e-12)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_start_goes_on_as_scikit_learns(early_stopping):
    """A new optimizer from the current weights; the loss curve, t_, the validation scores
    and the no-improvement count go on (here: it stops in the second fit)."""
    ours, theirs = _pair("MLPRegressor", hidden_layer_sizes=(5,), solver="sgd", warm_start=True,
                         max_iter=6, random_state=0, batch_size=60, tol=0.02,
                         n_iter_no_change=4, early_stopping=early_stopping,
                         learning_rate_init=0.05)
    for est in (ours, theirs):
        for _ in range(3):
            _quiet(est.fit, X, Y)
    assert ours.n_iter_ == theirs.n_iter_ and len(ours.loss_curve_) == len(theirs.loss_curve_)
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_,
                                   rtol=1e-10)
