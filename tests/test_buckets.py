"""Shape buckets: training and validation rows padded so that fits a few rows apart share one
compiled program, with results equal to the same fits on exact shapes."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

import nnfit
from nnfit import _programs, buckets, engine, objectives

RNG = np.random.default_rng(7)


@pytest.fixture
def fresh_cache(monkeypatch):
    """An empty in-process program cache, so that trace counts do not depend on test order."""
    monkeypatch.setattr(_programs, "PROGRAMS", _programs.ProgramCache())


@pytest.fixture
def exact_shapes(monkeypatch):
    """A function that turns the buckets off (with an empty cache) for the rest of the test."""
    def off():
        monkeypatch.setattr(buckets, "BUCKETS", False)
        monkeypatch.setattr(_programs, "PROGRAMS", _programs.ProgramCache())
    return off


def _traces(run):
    before = _programs.PROGRAMS.compiles.get("chunk", 0)
    run()
    return _programs.PROGRAMS.compiles.get("chunk", 0) - before


def test_bucket_rule():
    n = np.arange(1, 5000)
    b = np.array([buckets.bucket(int(k)) for k in n])
    assert np.all(b >= n) and np.all(np.diff(b) >= 0)
    assert np.all(b[n < 16] == 16)
    big = n >= 16
    assert np.all(b[big] - n[big] < n[big] / 8)  # under 12.5 % padding
    assert all(buckets.bucket(int(k)) == k for k in b)  # a bucket is its own bucket
    assert [buckets.bucket(k) for k in (82, 83, 73, 74)] == [88, 88, 80, 80]
    assert len(set(b[(n > 1024) & (n <= 2048)])) == 8  # eight buckets per doubling


@pytest.mark.parametrize("batch_size", [None, 8])
def test_fits_a_row_apart_trace_the_training_program_once(fresh_cache, exact_shapes, batch_size):
    """37 and 38 training rows (bucket 40), 21 and 22 validation rows (bucket 22)."""
    X, y = RNG.normal(size=(60, 2)), RNG.normal(size=60)
    model = nnfit.MLP(hidden=(3,), activation="tanh")
    kw = dict(optimizer="gd" if batch_size is None else "adam", learning_rate=0.01, epochs=3,
              batch_size=batch_size)

    def two_fits():
        nnfit.fit(model, X[:37], y[:37], validation_data=(X[37:58], y[37:58]), **kw)
        nnfit.fit(model, X[:38], y[:38], validation_data=(X[38:], y[38:]), **kw)

    assert _traces(two_fits) == 1
    # the test can fail: exact shapes (none of them a bucket, which JAX's own trace cache
    # would serve) compile per row count
    exact_shapes()
    assert _traces(two_fits) == 2


def test_padded_full_batch_step_is_the_hand_computed_gradient_step(exact_shapes):
    """37 weighted rows padded to 40: one step of full-batch gradient descent on their MSE."""
    n, lr = 37, 0.1
    assert buckets.bucket(n) == 40
    X = RNG.normal(size=(n, 2))
    y = X @ np.array([0.5, -1.0]) + 0.2 + 0.1 * RNG.normal(size=n)
    w = RNG.uniform(0.5, 2.0, size=n)
    kw = dict(optimizer="gd", learning_rate=lr, epochs=1, batch_size=None, sample_weight=w,
              dtype="float64", seed=1)
    fit = nnfit.fit(nnfit.MLP(hidden=()), X, y, **kw)
    with jax.enable_x64(True):
        W0, b0 = nnfit.MLP(hidden=()).build(2, 1).init(jax.random.key(1), jnp.float64)[0]
    W, b = np.asarray(W0)[:, 0], float(b0[0])
    r = X @ W + b - y
    grad_W, grad_b = 2 * X.T @ (w * r) / w.sum(), 2 * np.sum(w * r) / w.sum()
    np.testing.assert_allclose(fit.params[0][0][:, 0], W - lr * grad_W, rtol=1e-12)
    assert fit.params[0][1][0] == pytest.approx(b - lr * grad_b, rel=1e-12)
    assert fit.history["loss"].iloc[0] == pytest.approx(np.sum(w * r ** 2) / w.sum(), rel=1e-12)
    # the normalisation and the recorded input range come from the real rows only
    norm = nnfit.fit(nnfit.MLP(hidden=(3,), normalize=True), X, y, **kw)
    np.testing.assert_allclose(norm.network.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(norm.network.var, X.var(axis=0), rtol=1e-12)
    np.testing.assert_allclose(norm.input_stats["cov"], np.cov(X, rowvar=False), rtol=1e-12)


@pytest.mark.parametrize("options", [
    dict(optimizer="lbfgs", epochs=15),
    dict(optimizer="gd", learning_rate=0.05, epochs=20, batch_size=None),
    dict(optimizer="adam", learning_rate=0.02, epochs=6, batch_size=8),  # shuffled, short last batch
    dict(optimizer="sgd", learning_rate=0.05, epochs=6, batch_size=64),  # one batch of all rows
])
def test_padded_fit_equals_the_fit_on_exact_shapes(exact_shapes, options):
    n = 45  # bucket 48; validation 19 rows, bucket 20
    X = RNG.normal(size=(n + 19, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    kw = dict(validation_data=(X[n:], y[n:]), n_members=2, dtype="float64", seed=3, l2=1e-3,
              **options)
    model = nnfit.MLP(hidden=(5,), activation="tanh", normalize=True)
    padded = nnfit.fit(model, X[:n], y[:n], **kw)
    exact_shapes()
    exact = nnfit.fit(model, X[:n], y[:n], **kw)
    assert padded.config["batch_rows"] == exact.config["batch_rows"]
    np.testing.assert_allclose(padded.histories.to_numpy(float), exact.histories.to_numpy(float),
                               rtol=1e-9, atol=1e-12)
    for (Wp, bp), (We, be) in zip(padded.params, exact.params):
        np.testing.assert_allclose(Wp, We, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bp, be, rtol=1e-9, atol=1e-12)


def test_cross_val_score_compiles_once_and_scores_as_on_exact_shapes(fresh_cache, exact_shapes):
    """103 rows in 5 folds train on 82 or 83 rows, less 9 early-stopping rows: 73 or 74."""
    X = RNG.normal(size=(103, 3))
    y = X @ np.array([1.0, -0.5, 0.25]) + np.tanh(X[:, 0])
    reg = nnfit.MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", learning_rate_init=0.01,
                             max_iter=25, early_stopping=True, random_state=0, dtype="float64")
    scores = {}

    def score(name):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores[name] = cross_val_score(reg, X, y, cv=5)

    assert _traces(lambda: score("padded")) == 1
    exact_shapes()
    assert _traces(lambda: score("exact")) == 2
    np.testing.assert_allclose(scores["padded"], scores["exact"], rtol=1e-9)


def test_validation_metrics_are_those_of_the_real_validation_rows():
    X = RNG.normal(size=(50, 2))
    y = X[:, 0] - X[:, 1] ** 2
    X_val, y_val = RNG.normal(size=(37, 2)), RNG.normal(size=37)
    w_val = RNG.uniform(0.2, 3.0, size=37)
    assert buckets.bucket(37) > 37
    l2 = 1e-2
    fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), X, y, learning_rate=0.01, epochs=3,
                    batch_size=16, validation_data=(X_val, y_val, w_val), l2=l2, dtype="float64")
    last = fit.history.iloc[-1]
    r = fit.predict(X_val) - y_val
    mse = np.average(r ** 2, weights=w_val)
    penalty = l2 * sum(np.sum(np.asarray(W) ** 2) for W, _ in fit.params)
    assert last["val_mse"] == pytest.approx(mse, rel=1e-10)
    assert last["val_mae"] == pytest.approx(np.average(np.abs(r), weights=w_val), rel=1e-10)
    assert last["val_loss"] == pytest.approx(mse + penalty, rel=1e-10)

    labels = np.arange(50) % 3
    labels_val = RNG.integers(0, 3, size=37)
    clf = nnfit.fit(nnfit.MLP(hidden=(4,), output="softmax"), X, labels, learning_rate=0.05,
                    epochs=3, validation_data=(X_val, labels_val, w_val), dtype="float64")
    last = clf.history.iloc[-1]
    p = clf.predict_proba(X_val)
    correct = np.argmax(p, axis=1) == labels_val
    assert last["val_accuracy"] == pytest.approx(np.average(correct, weights=w_val), rel=1e-12)
    cross_entropy = -np.log(p[np.arange(37), labels_val])
    assert last["val_loss"] == pytest.approx(np.average(cross_entropy, weights=w_val), rel=1e-9)


@pytest.mark.parametrize("name", [*objectives.LOSSES, "regression_metrics",
                                  "classification_metrics"])
def test_zero_weight_rows_change_no_loss_or_metric(name):
    """What padding relies on: appended rows of weight 0 (any finite values) change nothing."""
    binary = name == "binary_crossentropy"
    k = 1 if binary else 3
    y = RNG.normal(size=(11, k))
    if name in ("binary_crossentropy", "categorical_crossentropy", "classification_metrics"):
        y = (RNG.integers(0, 2, size=(11, 1)) if binary
             else np.eye(k)[RNG.integers(0, k, size=11)])
    logits = RNG.normal(size=(11, k))
    w = RNG.uniform(0.1, 2.0, size=11)
    fn = getattr(objectives, name) if name.endswith("metrics") else objectives.LOSSES[name]
    with jax.enable_x64(True):
        def value(y, logits, w):
            out = fn(jnp.asarray(y, jnp.float64), jnp.asarray(logits, jnp.float64),
                     jnp.asarray(w, jnp.float64))
            return {k: float(v) for k, v in out.items()} if isinstance(out, dict) else float(out)

        real = value(y, logits, w)
        padded = value(np.r_[y, 5 * np.ones((5, k))], np.r_[logits, -7 * np.ones((5, k))],
                       np.r_[w, np.zeros(5)])
    assert padded == pytest.approx(real, rel=1e-12)


def test_predictions_on_sets_of_nearby_sizes_share_one_program():
    from nnfit.fitted import _member_apply
    X = np.linspace(-1, 1, 41)[:, None]
    fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, X[:, 0] ** 2, epochs=3,
                    dtype="float64")
    net = fit.network
    apply = _member_apply(net.spec, net.n_inputs, net.n_outputs, False)
    reference = [np.tanh(X[:k] @ fit.params[0][0] + fit.params[0][1]) @ fit.params[1][0]
                 + fit.params[1][1] for k in (37, 38, 40)]
    before = apply._cache_size()
    for k, ref in zip((37, 38, 40), reference):
        np.testing.assert_allclose(fit.predict(X[:k]), ref[:, 0], rtol=1e-12)
    assert apply._cache_size() - before <= 1  # 37, 38 and 40 rows: one bucket of 40


def test_pad_rows_repeats_the_last_row_or_adds_zeros():
    a = np.arange(34.0).reshape(17, 2)
    out = buckets.pad_rows(a, np.float32)
    assert out.shape == (buckets.bucket(17), 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:17], a)
    np.testing.assert_array_equal(out[17:], np.broadcast_to(a[-1], (out.shape[0] - 17, 2)))
    w = buckets.pad_rows(np.ones(17), np.float64, zeros=True)
    assert w.sum() == 17 and len(w) == buckets.bucket(17)
    assert buckets.pad_rows(np.ones((16, 3)), np.float64).shape == (16, 3)  # a bucket already
