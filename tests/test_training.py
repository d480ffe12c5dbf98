"""The compiled training loop, through nnfit.fit: semantics, members, stopping, guards, errors."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

import nnfit
from nnfit import _programs, engine

RNG = np.random.default_rng(2)
X1 = np.linspace(-1, 1, 40)[:, None]
Y1 = np.sin(2 * X1[:, 0])


def small(**kw):
    return nnfit.MLP(**{"hidden": (4,), "activation": "tanh", **kw})


def test_short_last_batch_matches_hand_written_sgd():
    """10 rows in batches of 4: updates on rows 0-3, 4-7 and the short 8-9, each a batch mean."""
    X = RNG.normal(size=(10, 2))
    y = X @ np.array([1.5, -2.0]) + 0.3
    lr = 0.1
    fit = nnfit.fit(nnfit.MLP(hidden=()), X, y, optimizer="sgd", learning_rate=lr, epochs=1,
                    batch_size=4, shuffle=False, dtype="float64", seed=3)
    with jax.enable_x64(True):
        W0, b0 = nnfit.MLP(hidden=()).build(2, 1).init(jax.random.key(3), jnp.float64)[0]
    W, b = np.asarray(W0)[:, 0], float(b0[0])
    losses, sizes = [], []
    for rows in (slice(0, 4), slice(4, 8), slice(8, 10)):
        r = X[rows] @ W + b - y[rows]
        losses.append(np.mean(r ** 2))
        sizes.append(len(r))
        W, b = W - lr * 2 * X[rows].T @ r / len(r), b - lr * 2 * r.mean()
    np.testing.assert_allclose(fit.params[0][0][:, 0], W, rtol=1e-12)
    assert fit.params[0][1][0] == pytest.approx(b, rel=1e-12)
    # Keras' epoch loss: the batch losses averaged with their sizes as weights
    assert fit.history["loss"].iloc[0] == pytest.approx(np.average(losses, weights=sizes), rel=1e-12)


def test_full_batch_gradient_descent_is_batch_size_none():
    X = RNG.normal(size=(30, 1))
    y = 2 * X[:, 0] - 1
    fit = nnfit.fit(nnfit.MLP(hidden=()), X, y, optimizer="gd", learning_rate=0.1, epochs=300,
                    batch_size=None, dtype="float64")
    coef = np.linalg.lstsq(np.c_[X, np.ones(30)], y, rcond=None)[0]
    np.testing.assert_allclose([fit.params[0][0][0, 0], fit.params[0][1][0]], coef, rtol=1e-6)


def test_members_equal_the_same_seeds_trained_one_by_one():
    kw = dict(learning_rate=0.05, epochs=20, batch_size=8, dtype="float64", validation_split=0.25)
    together = nnfit.fit(small(), X1, Y1, n_members=3, seed=5, **kw)
    for m in range(3):
        alone = nnfit.fit(small(), X1, Y1, n_members=1, seed=5 + m, **kw)
        for (Wa, ba), (Wt, bt) in zip(alone.params, together.member_params(m)):
            np.testing.assert_allclose(Wt, Wa, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(bt, ba, rtol=1e-9, atol=1e-12)
        hist = together.histories[together.histories.member == m].drop(columns="member")
        np.testing.assert_allclose(hist.to_numpy(), alone.history.to_numpy(), rtol=1e-9)


def test_vector_of_learning_rates_trains_one_member_per_rate_from_one_start():
    kw = dict(epochs=15, batch_size=16, dtype="float64", seed=1)
    sweep = nnfit.fit(small(), X1, Y1, learning_rate=[0.1, 0.01], **kw)
    assert sweep.n_members == 2
    for m, lr in enumerate([0.1, 0.01]):
        alone = nnfit.fit(small(), X1, Y1, learning_rate=lr, **kw)
        np.testing.assert_allclose(sweep.member_params(m)[0][0], alone.params[0][0], rtol=1e-9)


def test_per_member_penalties_and_penalty_column():
    fit = nnfit.fit(small(), X1, Y1, l2=[[0.0], [0.1]], epochs=5, learning_rate=0.01)
    h = fit.histories
    assert np.all(h[h.member == 0].penalty == 0)
    assert np.all(h[h.member == 1].penalty > 0)
    # loss = data loss + penalty, as Keras reports it; mse stays the data term alone
    m1 = h[h.member == 1]
    np.testing.assert_allclose(m1.loss, m1.mse + m1.penalty, rtol=1e-5)


def test_same_seed_gives_identical_history():
    a = nnfit.fit(small(), X1, Y1, epochs=10, learning_rate=0.01, seed=7)
    b = nnfit.fit(small(), X1, Y1, epochs=10, learning_rate=0.01, seed=7)
    c = nnfit.fit(small(), X1, Y1, epochs=10, learning_rate=0.01, seed=8)
    np.testing.assert_array_equal(a.history.to_numpy(), b.history.to_numpy())
    assert not np.array_equal(a.history.loss.to_numpy(), c.history.loss.to_numpy())


def test_validation_is_the_last_fraction_and_is_scored_every_epoch():
    fit = nnfit.fit(small(), X1, Y1, epochs=8, learning_rate=0.01, validation_split=0.25)
    val_pred = fit.predict(X1[30:])
    assert fit.history.val_mse.iloc[-1] == pytest.approx(np.mean((val_pred - Y1[30:]) ** 2), rel=1e-4)
    assert list(fit.history.columns) == ["epoch", "loss", "mae", "mse", "penalty", "val_loss",
                                         "val_mae", "val_mse"]


def test_early_stopping_restores_the_best_weights():
    X = np.linspace(0, 1, 60)[:, None]
    y = X[:, 0] ** 2 + RNG.normal(scale=0.3, size=60)
    fit = nnfit.fit(nnfit.MLP(hidden=(64, 64), activation="relu"), X, y, learning_rate=0.05,
                    epochs=400, validation_split=0.3, early_stopping=True, n_iter_no_change=5,
                    tol=0.0, dtype="float64")
    assert fit.stop_reasons == ["early_stopping"]
    hist = fit.history
    best = int(hist.val_loss.idxmin())
    assert len(hist) == best + 1 + 5  # patience epochs after the best one
    val_mse = np.mean((fit.predict(X[42:]) - y[42:]) ** 2)
    assert val_mse == pytest.approx(hist.val_mse.iloc[best], rel=1e-9)


def test_seed_002_adam_reaches_its_tolerance():
    """Seed 002: 1-3-1 tanh on x**(1/3), Adam step 0.01 on the full batch, stop when MSE < 2e-5."""
    X = np.linspace(0, 1)[:, None]
    y = X[:, 0] ** (1 / 3)
    fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh", init="normal", bias_init="normal",
                              init_scale=0.1), X, y, learning_rate=0.01, epochs=25000,
                    batch_size=None, target_loss=2e-5, seed=0, dtype="float64")
    assert fit.stop_reasons == ["target_reached"]
    # full batch: the last loss was measured at the returned parameters, which meet the target
    mse = np.mean((fit.predict(X) - y) ** 2)
    assert mse < 2e-5
    assert mse == pytest.approx(fit.history.loss.iloc[-1], rel=1e-9)


def test_non_finite_loss_stops_and_keeps_the_last_good_parameters():
    X = RNG.normal(size=(50, 1)) * 100
    y = X[:, 0] * 1000
    with pytest.raises(nnfit.TrainingDiverged, match="learning rate") as err:
        nnfit.fit(nnfit.MLP(hidden=(8,), activation="relu"), X, y, optimizer="sgd",
                  learning_rate=10.0, epochs=50, batch_size=None)
    partial = err.value.fit
    assert partial.stop_reasons == ["diverged"]
    assert len(partial.history) < 50
    assert np.all(np.isfinite(partial.history.loss))
    assert all(np.all(np.isfinite(W)) and np.all(np.isfinite(b)) for W, b in partial.params)


def test_interrupt_keeps_what_was_trained():
    calls = []

    def stop_after_first_chunk(done, records):
        calls.append(done)
        raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted after epoch 5"):
        fit = nnfit.fit(small(), X1, Y1, epochs=50, chunk_epochs=5, callback=stop_after_first_chunk)
    assert calls == [5]
    assert len(fit.history) == 5 and fit.stop_reasons == ["interrupted"]
    assert np.all(np.isfinite(fit.predict(X1)))


def test_interrupt_during_the_first_call_keeps_the_initial_parameters(monkeypatch):
    from nnfit import engine

    real_get = jax.device_get

    def interrupted_once(tree):
        monkeypatch.setattr(engine.jax, "device_get", real_get)
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.jax, "device_get", interrupted_once)
    with pytest.warns(UserWarning, match="interrupted after epoch 0"):
        fit = nnfit.fit(small(), X1, Y1, epochs=50, seed=3)
    assert len(fit.history) == 0 and fit.stop_reasons == ["interrupted"]
    # nothing trained: the parameters are the seed's initial draw
    start = fit.network.init(jax.random.key(3), jnp.float32)
    for (W, b), (W0, b0) in zip(fit.params, start):
        np.testing.assert_array_equal(W, np.asarray(W0))
        np.testing.assert_array_equal(b, np.asarray(b0))


def test_second_fit_of_the_same_shapes_does_not_trace_again():
    kw = dict(epochs=7, learning_rate=0.02, batch_size=8)
    nnfit.fit(small(), X1, Y1, **kw)
    before = _programs.PROGRAMS.compiles.get("chunk", 0)
    nnfit.fit(small(), X1, Y1 * 2.0, seed=4, **kw)
    assert _programs.PROGRAMS.compiles.get("chunk", 0) == before


def test_float64_is_used_inside_and_leaves_the_global_flag_alone():
    assert not jax.config.jax_enable_x64
    fit = nnfit.fit(small(), X1, Y1, epochs=3, dtype="float64")
    assert fit.params[0][0].dtype == np.float64
    assert not jax.config.jax_enable_x64
    assert jnp.ones(2).dtype == jnp.float32


def test_sample_weight_two_equals_a_duplicated_row():
    X = RNG.normal(size=(12, 1))
    y = np.sin(X[:, 0])
    kw = dict(epochs=30, batch_size=None, learning_rate=0.05, dtype="float64", seed=2)
    weighted = nnfit.fit(small(), X, y, sample_weight=np.r_[2.0, np.ones(11)], **kw)
    duplicated = nnfit.fit(small(), np.r_[X[:1], X], np.r_[y[:1], y], **kw)
    np.testing.assert_allclose(weighted.params[0][0], duplicated.params[0][0], rtol=1e-10)


def test_binary_and_multiclass_classification():
    X = RNG.normal(size=(200, 2))
    labels = (X[:, 0] + X[:, 1] > 0).astype(int)
    fit = nnfit.fit(nnfit.MLP(hidden=(8,), output="sigmoid"), X, labels, learning_rate=0.05, epochs=40)
    assert np.mean(fit.predict(X) == labels) > 0.95
    assert fit.predict_proba(X).shape == (200, 2)
    three = np.digitize(X[:, 0], [-0.5, 0.5])
    fit = nnfit.fit(nnfit.MLP(hidden=(16,), output="softmax"), X, three, learning_rate=0.05, epochs=60)
    assert np.mean(fit.predict(X) == three) > 0.9
    np.testing.assert_allclose(fit.predict_proba(X).sum(axis=1), 1, rtol=1e-5)


def test_ensemble_spread():
    fit = nnfit.fit(small(), X1, Y1, n_members=4, epochs=5, learning_rate=0.01)
    mean, std = fit.predict(X1, return_std=True)
    members = fit.predict_members(X1)
    np.testing.assert_allclose(mean, members.mean(axis=0))
    np.testing.assert_allclose(std, members.std(axis=0))
    assert fit.params[0][0].shape == (4, 1, 4)


def test_save_and_load_round_trip(tmp_path):
    X = np.c_[np.ones(40), X1]
    fit = nnfit.fit(small(normalize=True), X, Y1, epochs=5, n_members=2, validation_split=0.2)
    fit.save(tmp_path / "run")
    back = nnfit.load_fit(tmp_path / "run")
    np.testing.assert_array_equal(back.predict(X), fit.predict(X))
    assert back.history.equals(fit.history) or np.allclose(back.history.to_numpy(), fit.history.to_numpy())
    assert back.summary() == fit.summary()
    with pytest.raises(FileNotFoundError, match="no fit.json"):
        nnfit.load_fit(tmp_path / "nowhere")


def test_convergence_warning_when_epochs_run_out_before_early_stopping():
    with pytest.warns(ConvergenceWarning, match="raise epochs"):
        nnfit.fit(small(), X1, Y1, epochs=3, early_stopping=True, n_iter_no_change=50)


@pytest.mark.parametrize("X, y, match", [
    (np.c_[X1[:-1], ], Y1, "rows"),
    (X1[:, 0], Y1, "2-D"),
    (np.r_[X1[:-1], [[np.nan]]], Y1, "NaN"),
    (X1, np.r_[Y1[:-1], np.inf], "infinity"),
    (np.zeros((0, 1)), np.zeros(0), "0 sample"),
    ([["a"], ["b"]], [1.0, 2.0], "'a'"),
])
def test_bad_data_gives_a_clear_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        nnfit.fit(small(), X, y, epochs=1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="adamax2"), "adamax2"),
    (dict(learning_rate=0.0), "learning_rate must be > 0"),
    (dict(learning_rate=-1), "-1"),
    (dict(batch_size=0), "batch_size must be >= 1, got 0"),
    (dict(batch_size=-4), "-4"),
    (dict(epochs=0), "epochs"),
    (dict(validation_split=1.0), "validation_split"),
    (dict(n_members=0), "n_members"),
    (dict(l2=[0.1, 0.2, 0.3]), "one per layer"),
    (dict(l1=-0.1), "l1"),
    (dict(dtype="float16"), "float16"),
    (dict(loss="hinge"), "hinge"),
    (dict(learning_rate=[0.1, 0.2], n_members=3), "n_members=3"),
])
def test_bad_options_name_the_value(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        nnfit.fit(small(), X1, Y1, **{"epochs": 1, **kwargs})


def test_model_must_be_an_mlp():
    with pytest.raises(TypeError, match="nnfit.MLP"):
        nnfit.fit("relu", X1, Y1)


def test_no_warning_on_a_plain_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nnfit.fit(small(), X1, Y1, epochs=2)


def test_fit_records_the_training_input_range_for_extrapolation_checks(tmp_path):
    X = np.c_[np.linspace(0, 1, 40), np.linspace(-3, 5, 40)]
    fit = nnfit.fit(nnfit.MLP(hidden=(3,)), X, X[:, 0], epochs=2, validation_split=0.25)
    train = X[:30]  # the last quarter is validation, not training
    np.testing.assert_allclose(fit.input_stats["min"], train.min(axis=0))
    np.testing.assert_allclose(fit.input_stats["max"], train.max(axis=0))
    np.testing.assert_allclose(fit.input_stats["cov"], np.cov(train, rowvar=False))
    fit.save(tmp_path / "f")
    np.testing.assert_allclose(nnfit.load_fit(tmp_path / "f").input_stats["max"], train.max(axis=0))
    from nnfit.report import fit_warnings
    warned = [text for level, text in fit_warnings(fit, X=X) if "Extrapolation" in text]
    assert warned and "10 of 40 rows" in warned[0]


def test_monitor_chooses_what_early_stopping_watches():
    X = np.linspace(0, 1, 60)[:, None]
    y = X[:, 0] ** 2 + RNG.normal(scale=0.3, size=60)
    fit = nnfit.fit(nnfit.MLP(hidden=(32,), activation="relu"), X, y, learning_rate=0.05,
                    epochs=300, validation_split=0.3, early_stopping=True, n_iter_no_change=5,
                    tol=0.0, monitor="val_mae", dtype="float64")
    best = int(fit.history.val_mae.idxmin())
    assert len(fit.history) == best + 1 + 5
    with pytest.raises(ValueError, match="'val_accuracy'"):
        nnfit.fit(small(), X1, Y1, epochs=1, monitor="val_accuracy", validation_split=0.2)
    with pytest.raises(ValueError, match="need validation data"):
        nnfit.fit(small(), X1, Y1, epochs=1, monitor="val_mse")


def test_validation_labels_use_the_training_classes_and_weights():
    X = RNG.normal(size=(90, 2))
    labels = np.digitize(X[:, 0], [-0.5, 0.5])
    keep = labels < 2  # a validation set without the highest class
    fit = nnfit.fit(nnfit.MLP(hidden=(8,), output="softmax"), X, labels, epochs=3,
                    validation_data=(X[keep], labels[keep], np.full(keep.sum(), 2.0)))
    assert "val_accuracy" in fit.history
    with pytest.raises(ValueError, match="validation labels go up to 2"):
        nnfit.fit(nnfit.MLP(hidden=(8,), output="softmax"), X[keep], labels[keep], epochs=1,
                  validation_data=(X, labels))


def test_a_different_number_of_epochs_reuses_the_compiled_program():
    kw = dict(learning_rate=0.02, batch_size=8, chunk_epochs=4)
    nnfit.fit(small(), X1, Y1, epochs=8, **kw)
    before = _programs.PROGRAMS.compiles.get("chunk", 0)
    fit = nnfit.fit(small(), X1, Y1, epochs=13, **kw)
    assert _programs.PROGRAMS.compiles.get("chunk", 0) == before and len(fit.history) == 13


def test_select_and_concat_members():
    fit = nnfit.fit(small(), X1, Y1, n_members=3, epochs=4, seed=2)
    one = fit.select(1)
    assert one.n_members == 1
    np.testing.assert_array_equal(one.predict(X1), fit.predict_members(X1)[1])
    np.testing.assert_array_equal(one.history.to_numpy(),
                                  fit.histories[fit.histories.member == 1].drop(columns="member").to_numpy())
    back = nnfit.Fit.concat([fit.select([2, 0]), fit.select(1)])
    np.testing.assert_array_equal(back.predict_members(X1), fit.predict_members(X1)[[2, 0, 1]])
    assert sorted(back.histories.member.unique()) == [0, 1, 2]
    with pytest.raises(ValueError, match="member 5 does not exist"):
        fit.select(5)
    other = nnfit.fit(nnfit.MLP(hidden=(2,)), X1, Y1, epochs=1)
    with pytest.raises(ValueError, match="one network"):
        nnfit.Fit.concat([fit, other])


def test_a_fit_on_numpy_data_imports_neither_sklearn_nor_pandas():
    # scikit-learn and pandas cost a short script over a second (import and exit): a fit on
    # NumPy arrays of a built-in data set, and its prediction, must not need them
    import subprocess
    import sys
    code = ("import sys, numpy as np, nnfit\n"
            "ds = nnfit.load_dataset('cubic')\n"
            "fit = nnfit.fit(nnfit.MLP(hidden=(3,), normalize=True), ds.X, ds.y, epochs=2,\n"
            "                validation_split=0.2, sample_weight=np.ones(len(ds.X)))\n"
            "fit.predict(ds.X[:2])\n"
            "print(*(m in sys.modules for m in ('sklearn', 'pandas', 'matplotlib')))\n"
            "print(len(fit.history))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False", "False", "2"], out.stderr[-2000:]


@pytest.mark.parametrize("x64", [False, True])
def test_seed_key_data_is_what_jax_random_key_holds(x64):
    import jax

    from nnfit._calls import seed_key_data
    seeds = [0, 1, 7, 2**31 - 1, 2**31 + 5, 2**32 - 1, 2**32 + 7, 2**40 + 3]
    with jax.enable_x64(x64):
        expected = np.stack([np.asarray(jax.random.key_data(jax.random.key(s))) for s in seeds])
        np.testing.assert_array_equal(seed_key_data(seeds), expected)


def test_persistent_cache_is_shared_by_processes_at_once(tmp_path):
    # two processes compiling and reading the same programs at once both succeed and agree,
    # and leave the programs in the cache for the next process
    import os
    import subprocess
    import sys
    code = ("import numpy as np, nnfit\n"
            "X = np.linspace(0, 1, 30)[:, None]\n"
            "fit = nnfit.fit(nnfit.MLP(hidden=(4,)), X, X[:, 0] ** 2, epochs=20, seed=3)\n"
            "print(float(fit.history.loss.iloc[-1]))\n")
    env = {**os.environ, "NNFIT_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], [err[-2000:] for _, err in outs]
    assert outs[0][0] == outs[1][0] and "Error" not in outs[0][1] + outs[1][1]
    assert any(p.name.startswith("jit__run_chunk") for p in tmp_path.iterdir())


def test_compiled_programs_are_kept_least_recently_used_first(monkeypatch):
    # a process may map only so much memory (vm.max_map_count): old programs must go
    monkeypatch.setattr(_programs, "PROGRAMS", _programs.ProgramCache())
    _programs.PROGRAMS.max_programs = 4
    X = np.linspace(0, 1, 40)[:, None]
    for width in (1, 2, 3):  # an init and a training program each
        nnfit.fit(nnfit.MLP(hidden=(width,)), X, X[:, 0], epochs=2)
    assert len(_programs.PROGRAMS) == 4
    kept = {key[1].spec.hidden for key in _programs.PROGRAMS.programs}
    assert kept == {(2,), (3,)}
    before = _programs.PROGRAMS.compiles.get("chunk", 0)
    nnfit.fit(nnfit.MLP(hidden=(3,)), X, X[:, 0], epochs=5)  # still there: no new trace
    assert _programs.PROGRAMS.compiles.get("chunk", 0) == before


def test_chunk_sizes_bound_the_row_orders_a_call_carries():
    from nnfit._calls import (MAX_BLOCK_ENTRIES, MAX_CHUNK, MAX_ORDER_ENTRIES,
                              MIN_SHUFFLED_CHUNK, chunk_size)

    assert chunk_size(1, 0) == MAX_CHUNK  # nothing shuffled: the longest call
    assert chunk_size(1, 10) == MAX_CHUNK
    for members, rows in ((1, 2000), (3, 1000), (2, 300)):
        chunk = chunk_size(members, rows)
        assert chunk & (chunk - 1) == 0  # a power of two: near sizes share a program
        assert chunk * members * rows <= MAX_ORDER_ENTRIES < 2 * chunk * members * rows
    assert chunk_size(32, 2000) == MIN_SHUFFLED_CHUNK  # never one call an epoch
    # ... unless the block would grow past its cap: big data run an epoch or two a call
    for members, rows in ((32, 1 << 17), (100, 1 << 20)):
        chunk = chunk_size(members, rows)
        assert chunk * members * rows <= max(MAX_BLOCK_ENTRIES, members * rows)
    assert chunk_size(32, 1 << 17) == 2 and chunk_size(100, 1 << 20) == 1


def test_row_orders_are_uniform_permutations_whatever_the_call_sizes():
    from scipy import stats

    from nnfit._calls import permutations

    together = permutations(np.random.default_rng([5, 1]), 6, 1000)
    rng = np.random.default_rng([5, 1])
    np.testing.assert_array_equal(together, np.concatenate([permutations(rng, 1, 1000) for _ in range(6)]))
    assert all(np.array_equal(np.sort(row), np.arange(1000)) for row in together)
    # each of the 3! orders of three rows equally likely (chi-square), as rng.permutation's are
    rows = permutations(np.random.default_rng(0), 60000, 3)
    _, counts = np.unique(rows, axis=0, return_counts=True)
    assert len(counts) == 6 and stats.chisquare(counts).pvalue > 1e-3


def test_metrics_chooses_the_columns_and_leaves_the_loss_alone():
    full = nnfit.fit(small(), X1, Y1, epochs=6, validation_split=0.25, dtype="float64")
    lean = nnfit.fit(small(), X1, Y1, epochs=6, validation_split=0.25, dtype="float64",
                     metrics=["mse"])
    assert list(lean.history.columns) == ["epoch", "loss", "mse", "penalty", "val_loss", "val_mse"]
    for column in lean.history.columns:
        np.testing.assert_allclose(lean.history[column], full.history[column], rtol=1e-12)
    assert "accuracy" not in nnfit.fit(nnfit.MLP(hidden=(3,), output="sigmoid"), X1,
                                       (Y1 > Y1.mean()).astype(int), epochs=2, metrics=()).history
    with pytest.raises(ValueError, match="unknown metric 'accuracy' for regression"):
        nnfit.fit(small(), X1, Y1, epochs=1, metrics=("accuracy",))
    with pytest.raises(ValueError, match="unknown monitor 'mae'.*metrics="):
        nnfit.fit(small(), X1, Y1, epochs=1, metrics=("mse",), monitor="mae")


# 'trf' only: 'lm' solves every member at once (tests/test_least_squares_lm.py has its interrupt)
@pytest.mark.parametrize("method", ["trf"])
def test_an_interrupt_between_least_squares_members_keeps_the_solved_ones(method):
    X = np.linspace(0, 1, 30)[:, None]
    y = X[:, 0] ** (1 / 3)

    def stop_after_first_member(done, records):
        raise KeyboardInterrupt

    kw = dict(optimizer=method, epochs=200, n_members=3, seed=0, dtype="float64")
    with pytest.warns(UserWarning, match="interrupted"):
        fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, y,
                        callback=stop_after_first_member, **kw)
    one = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, y, **{**kw, "n_members": 1})
    # member 0 is the whole solve; the others were never started and keep their start
    np.testing.assert_allclose(fit.member_params(0)[0][0], one.params[0][0], rtol=1e-12)
    assert fit.stop_reasons[1:] == ["interrupted", "interrupted"]
    assert list(fit.epochs_run) == [len(one.history), 0, 0]
    with jax.enable_x64(True):
        start = nnfit.MLP(hidden=(3,), activation="tanh").build(1, 1).init(jax.random.key(2),
                                                                        jnp.float64)
        np.testing.assert_allclose(fit.member_params(2)[0][0], np.asarray(start[0][0]))


def test_an_ensemble_s_history_carries_member_as_history_csv_does(tmp_path):
    X = np.linspace(-1, 1, 40)[:, None]
    fit = nnfit.fit(nnfit.MLP(hidden=(3,)), X, X[:, 0] ** 2, epochs=4, n_members=3)
    assert list(fit.history.member.unique()) == [0, 1, 2] and len(fit.history) == 12
    fit.save(tmp_path / "run")
    on_disk = pd.read_csv(tmp_path / "run" / "history.csv")
    np.testing.assert_allclose(on_disk.to_numpy(), fit.history.to_numpy(), rtol=1e-6)
    mean = fit.history.groupby("epoch").mean()
    np.testing.assert_allclose(fit.mean_history.loss, mean.loss)
    assert "member" not in fit.mean_history.columns
    one = nnfit.fit(nnfit.MLP(hidden=(3,)), X, X[:, 0] ** 2, epochs=4)
    assert "member" not in one.history.columns and len(one.history) == 4
