"""Sweeps: grid expansion and ids, vectorised groups against separate fits, run folders and
resume, bad input, the built-in seed-004 study."""

import functools
import os
import shutil

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import training
from nnfit.sweep import grid as G

X = np.linspace(0, 1, 24)[:, None]
Y = np.sin(4 * X[:, 0])
X_VAL = np.linspace(0.01, 0.99, 10)[:, None]
Y_VAL = np.sin(4 * X_VAL[:, 0])
# one set of static options for every test, so each network shape compiles once per session
BASE = {"epochs": 12, "batch_size": 8, "activation": "tanh", "dtype": "float64"}
TIMES = ["time_s", "group_time_s"]
GRID = {"hidden": [(2,), (3,), (4,)], "l2": [0.0, 0.01]}   # with seeds (0, 1): 4 runs a group


def counting(monkeypatch):
    """Count the calls to nnfit.fit made by the sweep."""
    calls = []
    original = training.fit

    @functools.wraps(original)
    def fit(*args, **kwargs):
        calls.append(kwargs.get("seed"))
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "fit", fit)
    return calls


# ------------------------------------------------------------------------------ grids
def test_grid_expands_to_the_product_in_order_and_seeds_per_configuration():
    runs = G.expand({"hidden": [(2,), (3, 3)], "alpha": [0.0, 0.01], "learning_rate": [0.1, 0.01]},
                    seeds=(0, 1))
    assert len(runs) == 8
    assert [tuple(c["hidden"]) for c, _ in runs[:4]] == [(2,)] * 4
    assert [(c["l2"], c["learning_rate"]) for c, _ in runs[:4]] == [
        (0.0, 0.1), (0.0, 0.01), (0.01, 0.1), (0.01, 0.01)]
    assert all(seeds == (0, 1) for _, seeds in runs)
    assert len({c.id for c, _ in runs}) == 8
    # learning rate and penalties are per member: one group per network shape
    assert len({c.group for c, _ in runs}) == 2


def test_list_of_grids_seed_key_and_tuple_rules():
    runs = G.expand([{"hidden": (16, 16), "seed": [3, 4]},            # a tuple is one network
                     {"hidden": [8, 16], "l2": [(0.1, 0.0)]}])          # a list holds candidates
    assert [(tuple(c["hidden"]), s) for c, s in runs] == [((16, 16), (3, 4)), ((8,), (0,)),
                                                          ((16,), (0,))]
    assert runs[1][0]["l2"] == [0.1, 0.0]
    # the same configuration listed twice trains once, with both seed lists
    runs = G.expand([{"hidden": [(4,)], "seed": [0]}, {"hidden_layer_sizes": [4], "seed": [1]}])
    assert len(runs) == 1 and runs[0][1] == (0, 1)


def test_ids_are_canonical_and_stable():
    a, = G.expand({"hidden": [(8,)], "alpha": [0.01], "max_iter": [50]})
    b, = G.expand({"hidden_layer_sizes": [[8]], "l2": [np.float64(0.01)], "epochs": [50],
                   "optimizer": ["adam"], "learning_rate": [0.001], "activation": ["relu"]})
    c, = G.expand({"hidden": [(8,)], "l2": [(0.01, 0.01)], "epochs": [50]})
    assert a[0].id == b[0].id == c[0].id
    assert a[0].id == "7fb1bbdfe381"  # sha1 of the canonical JSON: the same in every process
    d, = G.expand({"hidden": [(8,)], "l2": [0.02], "epochs": [50]})
    assert d[0].id != a[0].id and d[0].group == a[0].group
    assert G.expand({"hidden": [(8,)], "epochs": [51]})[0][0].group != a[0].group


@pytest.mark.parametrize("grid, kwargs, error, match", [
    ({}, {}, ValueError, "grid is empty"),
    ([], {}, ValueError, "list of grids is empty"),
    ({"hidden": []}, {}, ValueError, "grid key 'hidden' has no values"),
    ({"hiden": [(2,)]}, {}, ValueError, "unknown grid key 'hiden'; did you mean 'hidden'"),
    ({"hidden": [(2,)], "epochs": [1.5]}, {}, TypeError, "grid key 'epochs' must be an integer"),
    ({"hidden": [(2,)], "alpha": ["0.1"]}, {}, TypeError, "grid key 'alpha' must be a number"),
    ({"hidden": [(2, "a")]}, {}, TypeError, "grid key 'hidden'"),
    ({"hidden": [(2,)], "solver": ["adamx"]}, {}, ValueError, "grid key 'solver': unknown optimizer 'adamx'"),
    ({"hidden": [(2,)], "learning_rate": ["adaptive"]}, {}, TypeError, "option 'schedule'"),
    ({"hidden": [16, 16]}, {}, ValueError, r"grid key 'hidden' lists \(16,\) twice"),
    ({"hidden": [(2,)], "alpha": [0.1], "l2": [0.1]}, {}, ValueError, "both 'alpha' and 'l2'"),
    ({"hidden": [(2,)], "l1": [(0.1, 0.1, 0.1)]}, {}, ValueError, "grid key 'l1' has 3 values"),
    ({"hidden": [(2,)], "validation_split": [0.2]}, {}, ValueError, "'validation_split' cannot be swept"),
    ({"l2": [0.1]}, {}, ValueError, "no network given"),
    ({"hidden": [(2,)]}, {"base": {"lerning_rate": 0.1}}, ValueError, "unknown base key 'lerning_rate'"),
    ({"hidden": [(2,)]}, {"base": {"epochs": "10"}}, TypeError, "base key 'epochs' must be an integer"),
    ({"hidden": [(2,)]}, {"seeds": (0, 0)}, ValueError, "seeds lists a seed twice"),
    ({"hidden": [(w,) for w in range(1, 6)], "l2": [0.0, 0.1]}, {"max_configs": 8}, ValueError,
     "expands to 10 configurations, more than max_configs=8; pass confirm=True"),
    ("hidden", {}, TypeError, "grid must be a dict"),
])
def test_bad_grids_name_the_key(grid, kwargs, error, match):
    with pytest.raises(error, match=match):
        G.expand(grid, **kwargs)


def test_a_large_grid_runs_with_confirm():
    grid = {"hidden": [(w,) for w in range(1, 6)], "l2": [0.0, 0.1]}
    assert len(G.expand(grid, max_configs=8, confirm=True)) == 10


def test_run_checks_its_input_before_training(monkeypatch, tmp_path):
    calls = counting(monkeypatch)
    with pytest.raises(ValueError, match="grid key 'output' mixes regression"):
        nnfit.sweep.run({"hidden": [(2,)], "output": ["linear", "sigmoid"]}, X, Y)
    with pytest.raises(ValueError, match="give X_val/y_val or validation_split"):
        nnfit.sweep.run({"hidden": [(2,)]}, X, Y, X_val=X_VAL, y_val=Y_VAL, validation_split=0.2)
    with pytest.raises(TypeError, match="scheduler must be"):
        nnfit.sweep.run({"hidden": [(2,)]}, X, Y, scheduler=3, base=BASE)
    assert calls == []


# ------------------------------------------------------------------------------ one program
def test_a_group_is_one_fit_and_equals_separate_fits(monkeypatch):
    calls = counting(monkeypatch)
    grid = [{"hidden": [(4,)], "learning_rate": [0.05], "seed": [0, 1]},
            {"hidden": [(4,)], "learning_rate": [0.01], "l2": [0.01], "l1": [(0.001, 0.0)],
             "seed": [1, 2]}]
    result = nnfit.sweep.run(grid, X, Y, X_val=X_VAL, y_val=Y_VAL, base=BASE)
    assert calls == [[0, 1, 1, 2]]   # 2 configurations x 2 seeds, one vectorised program
    t = result.table
    assert len(t) == 4 and set(t.group_size) == {4} and t.group_id.nunique() == 1
    monkeypatch.undo()
    for _, row in t.iterrows():
        alone = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), X, Y,
                          validation_data=(X_VAL, Y_VAL), learning_rate=row.learning_rate,
                          l1=np.broadcast_to(row.l1, 2).tolist(), l2=row.l2, seed=int(row.seed),
                          epochs=12, batch_size=8,
                          dtype="float64")
        member = result.fit(row.config_id, row.seed)
        for (Wa, ba), (Wm, bm) in zip(alone.params, member.params):
            np.testing.assert_allclose(Wm, Wa, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(bm, ba, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(member.history.drop(columns="epoch").to_numpy(),
                                   alone.history.drop(columns="epoch").to_numpy(), rtol=1e-9)
        val = np.mean((alone.predict(X_VAL) - Y_VAL) ** 2)
        assert row.val_mse == pytest.approx(val, rel=1e-9)
        assert row.train_mse == pytest.approx(np.mean((alone.predict(X) - Y) ** 2), rel=1e-9)
        assert row.best_val_mse == pytest.approx(alone.history.val_mse.min(), rel=1e-9)
        assert row.history_penalty == pytest.approx(alone.history.penalty.iloc[-1], rel=1e-9)
    assert t.n_params.iloc[0] == (1 + 1) * 4 + (4 + 1) * 1


def test_table_columns_and_fits_per_configuration():
    result = nnfit.sweep.run({"hidden": [(2,), (4,)], "alpha": [0.0, 0.01]}, X, Y,
                             X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE)
    t = result.table
    assert list(t.columns[:10]) == ["config_id", "seed", "hidden", "activation", "optimizer",
                                    "learning_rate", "batch_size", "epochs", "l1", "l2"]
    for col in ["n_params", "epochs_run", "best_epoch", "stop_reason", "train_mse", "val_mse",
                "best_train_mse", "best_val_mse", "best_val_loss", "time_s", "group_id"]:
        assert col in t
    assert t.hidden.tolist()[:3] == [(2,)] * 3 and t.seed.tolist()[:3] == [0, 1, 0]
    assert (t.epochs_run == 12).all() and (t.stop_reason == "completed").all()
    fit = result.fits[t.config_id.iloc[2]]
    assert fit.n_members == 2 and fit.config["seeds"] == [0, 1] and fit.config["l2"] == 0.01
    mean, std = fit.predict(X, return_std=True)
    assert mean.shape == std.shape == (24,) and np.all(std > 0)
    summary = result.summary(["val_mse"])
    assert len(summary) == 4 and (summary.n_seeds == 2).all()
    np.testing.assert_allclose(summary.val_mse_mean, t.groupby("config_id", sort=False).val_mse.mean())


# ------------------------------------------------------------------------------ run folder
def _clean(frame):
    return frame.drop(columns=TIMES).reset_index(drop=True)


def test_interrupted_sweep_resumes_without_retraining(tmp_path, monkeypatch):
    clean = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE)
    out = tmp_path / "run"

    def stop_after_first_group(done, total, rows):
        assert (done, total, len(rows)) == (4, 12, 4)
        raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="sweep interrupted: 4 of 12 runs finished"):
        partial = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE,
                                  out=out, callback=stop_after_first_group)
    assert not partial.complete and len(partial.table) == 4
    assert len(pd.read_csv(out / "table.csv")) == 4
    calls = counting(monkeypatch)
    resumed = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE,
                              out=out)
    assert len(calls) == 2                       # the (3,) and (4,) groups only
    assert resumed.complete
    pd.testing.assert_frame_equal(_clean(resumed.table), _clean(clean.table))
    # a third call finds everything done
    again = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE, out=out)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(again.table, resumed.table)
    # lose one run's Fit and another run's row: exactly those two train again
    row_lost, fit_lost = resumed.table.iloc[1], resumed.table.iloc[6]
    shutil.rmtree(out / "fits" / fit_lost.config_id / f"seed-{fit_lost.seed}")
    table = pd.read_csv(out / "table.csv")
    table.drop(index=1).to_csv(out / "table.csv", index=False)
    fixed = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE, out=out)
    assert sorted(map(tuple, calls[2:])) == sorted([(int(row_lost.seed),), (int(fit_lost.seed),)])
    pd.testing.assert_frame_equal(_clean(fixed.table).drop(columns="group_size"),
                                  _clean(clean.table).drop(columns="group_size"),
                                  check_exact=False, rtol=1e-9)
    # the folder loads back as the same result, Fits included
    loaded = nnfit.sweep.load(out)
    pd.testing.assert_frame_equal(loaded.table, fixed.table)
    cid = loaded.table.config_id.iloc[0]
    np.testing.assert_allclose(loaded.fits[cid].predict(X), fixed.fits[cid].predict(X))


def test_a_folder_of_other_data_is_refused(tmp_path, monkeypatch):
    nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE, out=tmp_path)
    calls = counting(monkeypatch)
    with pytest.raises(ValueError, match="holds a sweep of other data"):
        nnfit.sweep.run(GRID, X, Y + 1, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE,
                        out=tmp_path)
    assert calls == []


def test_save_load_and_report(tmp_path):
    pytest.importorskip("matplotlib")
    result = nnfit.sweep.run(GRID, X, Y, X_val=X_VAL, y_val=Y_VAL, seeds=(0, 1), base=BASE)
    result.save(tmp_path / "copy")
    back = nnfit.sweep.SweepResult.load(tmp_path / "copy")
    pd.testing.assert_frame_equal(back.table, result.table)
    path = back.report()
    assert os.path.exists(path) and os.path.exists(tmp_path / "copy" / "capacity_val_mse.png")
    assert os.path.exists(tmp_path / "copy" / "heatmap_hidden_l2_val_mse.png")
    fig = result.plot_heatmap("hidden", "l2", "train_mse")
    assert fig.axes
    with pytest.raises(ValueError, match="unknown metric 'val_acc'"):
        result.plot_capacity("val_acc")


# ------------------------------------------------------------------------------ seed 004
def test_small_seed004_study_reproduces_the_seeds_ordering(tmp_path):
    study = nnfit.sweep.seed004_study("small", out=tmp_path)
    mse = study.mse_table()
    assert list(mse.index[:4]) == ["model_2units", "model_8units", "model_128units",
                                   "model_1024units"]
    assert len(mse) == 12 and mse.seeds["model_2units"] == 2
    # the seed's result: capacity lowers the training error
    assert mse.train_mse["model_1024units"] < mse.train_mse["model_2units"]
    assert mse.train_mse["model_1024units"] < mse.train_mse["model_8units"]
    acc = study.accuracy_table()
    assert list(acc.index) == ["clf_somany", "clf_somany_l2_0.001", "clf_somany_l2_0.01"]
    assert acc.val_accuracy["clf_somany"] > 0.75
    assert (tmp_path / "study.md").read_text().count("| model_") == 12
    assert "model_somany_l1_0.001" in str(study)


@pytest.mark.slow
def test_full_seed004_study():
    study = nnfit.sweep.seed004_study("full")
    mse = study.mse_table()
    assert mse.n_params["model_somany"] == 4_202_497 - 1024  # the seed's count, regression head
    # the seed's orderings (the demo's settings: tests/test_demos_b.py checks them all)
    assert list(mse.train_mse[[f"model_{w}units" for w in (2, 8, 128, 1024, 8192)]]
                .diff().dropna() < 0) == [True] * 4
    assert mse.train_mse["model_4layers"] < mse.train_mse["model_1layer"]
    assert mse.train_mse["model_somany"] == mse.train_mse.min()
    acc = study.accuracy_table().val_accuracy
    assert acc["clf_somany_l2_0.01"] > acc["clf_somany"] > 0.8
