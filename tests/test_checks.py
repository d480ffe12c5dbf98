"""nnfit.checks: the scores against scikit-learn's metrics and estimators, the margins of
``assess``, and a hopeless fit flagged where a good one is not."""

import json
import warnings

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
)

import _tiny_fits as tiny
import nnfit
from nnfit.checks import LINEAR_GAP, LINEAR_RATIO, assess, score_fit
from nnfit.report import fit_report, fit_warnings


def regression_data(k=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(90, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -1.0]
    w = np.array([1.5, -0.3, 4.0]) if k is None else rng.normal(size=(3, k))
    noise = 0.1 * rng.normal(size=(90,) if k is None else (90, k))
    y = X @ w + np.sin(3 * X[:, :1] if k else 3 * X[:, 0]) + noise
    return X[:50], y[:50], X[50:70], y[50:70], X[70:], y[70:]


def sklearn_regression(y, p, w=None):
    mse = mean_squared_error(y, p, sample_weight=w)
    return {"mse": mse, "rmse": np.sqrt(mse), "mae": mean_absolute_error(y, p, sample_weight=w),
            "r2": r2_score(y, p, sample_weight=w)}


def assert_metrics(got, want):
    assert set(got) == set(want)
    for name in want:
        assert got[name] == pytest.approx(want[name], rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_scores_match_scikit_learn(k, weighted):
    X, y, Xv, yv, Xt, yt = regression_data(k)
    rng = np.random.default_rng(1)
    w, wv, wt = ((rng.uniform(0.2, 2, len(a)) for a in (X, Xv, Xt)) if weighted
                 else (None, None, None))
    predict = lambda A: 0.9 * (A @ np.ones((3,) if k is None else (3, k)))  # noqa: E731
    s = score_fit("regression", predict, X, y, Xv, yv, Xt, yt, sample_weight=w,
                  val_sample_weight=wv, test_sample_weight=wt)
    const = DummyRegressor(strategy="mean").fit(X, y, sample_weight=w)
    line = LinearRegression().fit(X, y, sample_weight=w)
    assert list(s["splits"]) == ["train", "validation", "test"]
    for split, (A, b, ws) in {"train": (X, y, w), "validation": (Xv, yv, wv),
                              "test": (Xt, yt, wt)}.items():
        got = s["splits"][split]
        assert got["rows"] == len(A)
        assert_metrics(got["model"], sklearn_regression(b, predict(A), ws))
        assert_metrics(got["constant"], sklearn_regression(b, const.predict(A), ws))
        assert_metrics(got["linear"], sklearn_regression(b, line.predict(A), ws))
    assert s["baselines"]["constant"]["value"] == pytest.approx(np.ravel(const.constant_))
    assert s["baselines"]["linear"]["rank"] == 3
    assert s["target"]["outputs"] == (1 if k is None else k)
    assert s == json.loads(json.dumps(s, allow_nan=False))  # plain JSON, no NaN


def classification_data(n_classes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 2))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=120),
                    np.linspace(-1, 1, n_classes + 1)[1:-1])
    return X[:80], y[:80], X[80:], y[80:]


def softmax_predict(A, n_classes):
    z = np.column_stack([(c - (n_classes - 1) / 2) * A[:, 0] for c in range(n_classes)])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_scores_match_scikit_learn(n_classes):
    X, y, Xv, yv = classification_data(n_classes)
    labels = list(range(n_classes))
    predict = lambda A: softmax_predict(A, n_classes)  # noqa: E731
    names = ["cat", "dog", "eel"][:n_classes]
    s = score_fit("classification", predict, X, y, Xv, yv, classes=names)
    const = DummyClassifier(strategy="prior").fit(X, y)
    # least squares on one-hot targets, with an intercept, written out independently
    A1 = np.column_stack([np.ones(len(X)), X])
    coef = np.linalg.lstsq(A1, np.eye(n_classes)[y], rcond=None)[0]
    for split, (A, b) in {"train": (X, y), "validation": (Xv, yv)}.items():
        got = s["splits"][split]
        P = predict(A)
        assert got["model"]["accuracy"] == pytest.approx(accuracy_score(b, P.argmax(axis=1)))
        assert got["model"]["log_loss"] == pytest.approx(log_loss(b, P, labels=labels), rel=1e-9)
        assert got["constant"]["accuracy"] == pytest.approx(accuracy_score(b, const.predict(A)))
        assert got["constant"]["log_loss"] == pytest.approx(
            log_loss(b, const.predict_proba(A), labels=labels), rel=1e-9)
        lin = np.column_stack([np.ones(len(A)), A]) @ coef
        assert got["linear"] == {"accuracy": pytest.approx(accuracy_score(b, lin.argmax(axis=1)))}
    majority = int(np.bincount(y).argmax())
    assert s["baselines"]["constant"]["class"] == majority
    assert s["baselines"]["constant"]["label"] == names[majority]
    assert s["baselines"]["constant"]["share"] == pytest.approx(np.mean(y == majority))
    assert s["target"]["labels"] == names
    assert s == json.loads(json.dumps(s, allow_nan=False))


def test_weighted_classification_and_a_binary_probability_column():
    X, y, _, _ = classification_data(2)
    w = np.random.default_rng(2).uniform(0.1, 3, len(y))
    p1 = 1 / (1 + np.exp(-2 * X[:, 0]))
    s = score_fit("classification", lambda A: 1 / (1 + np.exp(-2 * A[:, 0])), X, y,
                  sample_weight=w)
    got = s["splits"]["train"]
    assert got["model"]["log_loss"] == pytest.approx(
        log_loss(y, np.column_stack([1 - p1, p1]), sample_weight=w), rel=1e-9)
    assert got["model"]["accuracy"] == pytest.approx(
        accuracy_score(y, p1 > 0.5, sample_weight=w))
    const = DummyClassifier(strategy="prior").fit(X, y, sample_weight=w)
    assert got["constant"]["log_loss"] == pytest.approx(
        log_loss(y, const.predict_proba(X), sample_weight=w), rel=1e-9)


def test_undefined_and_non_finite_numbers_are_none_and_diverged_predictions_are_flagged():
    X = np.linspace(0, 1, 10)[:, None]
    s = score_fit("regression", lambda A: np.full(len(A), np.nan), X, 2 * X[:, 0],
                  X[:1], np.array([0.0]))
    assert s["splits"]["train"]["model"] == {"mse": None, "rmse": None, "mae": None, "r2": None}
    assert s["splits"]["validation"]["constant"]["r2"] is None  # one row: no R²
    json.dumps(s, allow_nan=False)
    found = assess(s)
    assert found[0][0] == "warning" and "not finite" in found[0][1]


def test_bad_arguments_name_the_fix():
    X, y, Xv, yv = classification_data(3)
    with pytest.raises(ValueError, match="give both X and y of the validation rows"):
        score_fit("classification", lambda A: softmax_predict(A, 3), X, y, Xv)
    with pytest.raises(ValueError, match="there are 2 classes"):
        score_fit("classification", lambda A: softmax_predict(A, 3), X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match="only 2 classes"):
        score_fit("classification", lambda A: softmax_predict(A, 2), X, y)
    with pytest.raises(ValueError, match="encode labels first"):
        score_fit("classification", lambda A: softmax_predict(A, 3), X, y.astype(str))
    with pytest.raises(ValueError, match="pass predict_proba"):
        score_fit("classification", lambda A: np.zeros((len(A), 3, 1)), X, y)
    with pytest.raises(ValueError, match="in the target's units"):
        score_fit("regression", lambda A: np.zeros((len(A), 2)), X, y.astype(float))
    with pytest.raises(ValueError, match="task must be"):
        score_fit("ranking", lambda A: A, X, y)


def scores_with(model, line, constant=None, split="train", task="regression"):
    """A score_fit result with the given model and linear metrics on one split."""
    if task == "regression":
        constant = constant or {"mse": 1.0, "rmse": 1.0, "mae": 0.8, "r2": 0.0}
        target = {"outputs": 1, "mean": [0.0], "std": [1.0]}
        base = {"kind": "mean", "value": [0.0]}
    else:
        constant = constant or {"accuracy": 0.5, "log_loss": 0.69}
        target = {"classes": 2, "counts": [50.0, 50.0], "labels": None}
        base = {"kind": "majority class", "class": 0, "label": 0, "share": 0.5}
    return {"task": task, "splits": {split: {"rows": 100, "model": model, "constant": constant,
                                             "linear": line}},
            "baselines": {"constant": base, "linear": {"kind": "least squares", "rank": 1,
                                                       "interpolates": False}},
            "target": target, "inputs": {"features": 1, "largest_abs_mean": 0.1,
                                         "largest_std": 1.0}}


def reg(mse):
    return {"mse": mse, "rmse": np.sqrt(mse), "mae": mse, "r2": 1 - mse}


@pytest.mark.parametrize("model_mse, line_mse, flagged", [
    (0.30, 0.10, True),                        # 3x the line's error, 0.2 less R²
    (0.14, 0.10, False),                       # 0.04 less R²: within LINEAR_GAP
    (0.011, 0.001, False),                     # 11x the error but R² 0.989 vs 0.999
    (0.46, 0.40, False),                       # 0.06 less R² but only 1.15x the error
    (LINEAR_RATIO * 0.2 + 1e-9, 0.2, True),    # just past both margins
])
def test_worse_than_the_line_needs_both_margins(model_mse, line_mse, flagged):
    found = assess(scores_with(reg(model_mse), reg(line_mse)))
    assert bool([t for _, t in found if t.startswith("Clearly worse than the straight line")]) \
        == flagged
    assert LINEAR_GAP == 0.05


def test_worse_than_the_mean_and_the_causes_the_evidence_supports():
    s = scores_with(reg(1.5), reg(0.2))
    s["target"] = {"outputs": 1, "mean": [4200.0], "std": [800.0]}
    cfg = {"model": {"normalize": True}, "learning_rate": 1e-3, "optimizer": "adam",
           "epochs": 500}
    (level, text), = assess(s, config=cfg)
    assert level == "warning" and text.startswith("Worse than the mean: R² -0.5 on the 100 "
                                                  "training rows")
    assert "scale_target=True" in text and "normalize=True" not in text
    assert "learning rate" not in text                     # 1e-3 is not the problem
    s["inputs"]["largest_std"] = 150.0
    cfg = {**cfg, "model": {"normalize": False}, "learning_rate": 1e-5, "scale_target": True}
    (_, text), = assess(s, config=cfg)
    assert "normalize=True" in text and "(1e-05) is small" in text
    assert "scale_target" not in text                      # it was on


def test_held_out_rows_worse_than_training_point_at_the_split_or_overfitting():
    s = scores_with(reg(0.05), reg(0.1))
    s["splits"]["validation"] = {"rows": 20, "model": reg(1.3),
                                 "constant": reg(1.2), "linear": reg(1.25)}
    cfg = {"validation_split": 0.2, "validation_shuffle": False}
    (_, text), = assess(s, config=cfg)
    assert text.startswith("Worse than the mean: R² -0.3 on the 20 validation rows")
    assert "overfitting" in text
    s["splits"]["validation"]["constant"] = reg(9.0)       # the training mean far off too
    (_, text), = assess(s, config=cfg)
    assert text.startswith("R² below 0 on held-out rows") and "validation_shuffle=True" in text


def test_majority_class_and_linear_classifier():
    s = scores_with({"accuracy": 0.5, "log_loss": 0.7}, {"accuracy": 0.9},
                    task="classification")
    (level, text), = assess(s)
    assert text.startswith("No better than the majority class: accuracy 0.5 on the 100 training "
                           "rows, where always answering 0 scores 0.5")
    s["splits"]["train"]["model"] = {"accuracy": 0.7, "log_loss": 0.5}
    (level, text), = assess(s)
    assert text.startswith("Clearly worse than a linear classifier: accuracy 0.7")
    s["splits"]["train"]["model"] = {"accuracy": 0.88, "log_loss": 0.3}
    assert assess(s) == []


def history(loss):
    import pandas as pd

    return pd.DataFrame({"epoch": np.arange(1, len(loss) + 1), "loss": loss,
                         "penalty": np.zeros(len(loss))})


def test_a_loss_that_never_fell_or_rose():
    poor = scores_with(reg(1.5), reg(0.2))
    good = scores_with(reg(0.05), reg(0.2))
    flat = history(np.full(30, 2.0) - np.linspace(0, 0.01, 30))
    texts = [t for _, t in assess(poor, flat)]
    assert any(t.startswith("The training loss never fell: its best epoch (30) is 0.5% below "
                            "the first of 30") for t in texts)
    assert [lv for lv, t in assess(good, flat)] == ["note"]   # the first epoch did the work
    rising = history(np.linspace(1.0, 3.0, 30))
    (level, text), = [f for f in assess(good, rising) if "rose" in f[1]]
    assert level == "warning" and "lower it by 10x" in text
    falling = history(np.geomspace(10.0, 1.0, 30))
    (_, text), = assess(poor, falling, config={"epochs": 30})
    assert "still falling at the last epoch (30): train longer (raise epochs)" in text
    assert assess(good, falling) == []


# ---------------------------------------------------------------------------------------------
# real fits (the tiny fits' program: 30 rows, 4 tanh units, chunks of 5 epochs)


def scored(fit, X, y):
    fit.scores = score_fit("regression", fit.predict, X[:24], y[:24], X[24:], y[24:])
    return fit


def test_a_hopeless_fit_is_flagged_and_a_good_one_is_not():
    # a target in the thousands and inputs in the hundreds, neither scaled
    Xb, yb = 100 * tiny.X1 + 200, 3000 + 1000 * tiny.Y1
    bad = scored(nnfit.fit(tiny.model(), Xb, yb, **tiny.KW), Xb, yb)
    found = fit_warnings(bad)
    texts = [t for _, t in found]
    (worse,) = [t for t in texts if t.startswith("Worse than the mean")]
    assert "scale_target=True" in worse and "normalize=True" in worse
    assert any(t.startswith("The training loss never fell") for t in texts)
    page = fit_report(bad, dpi=40).to_html()  # no data: the checks without the data's figures
    assert "No problems found" not in page and "Worse than the mean" in page

    # the same curve, well scaled, rows in random order so validation interpolates
    perm = np.random.default_rng(0).permutation(30)
    X, y = tiny.X1[perm], tiny.Y1[perm]
    good = scored(nnfit.fit(tiny.model(), X, y, **{**tiny.KW, "epochs": 300}), X, y)
    assert good.scores["splits"]["validation"]["model"]["r2"] > 0.98
    assert fit_warnings(good) == []
    page = fit_report(good, dpi=40).to_html()
    assert "No problems found" in page


@pytest.mark.slow
def test_the_issue_s_hopeless_table_fit_is_flagged():
    """Issue 13: a 16-16 tanh network, one epoch, unscaled columns, a target in the thousands."""
    rng = np.random.default_rng(0)
    n = 120
    X = np.column_stack([rng.normal(200, 14, n), rng.normal(44, 5, n), rng.normal(17, 2, n)])
    y = 50 * (X[:, 0] - 200) + 20 * (X[:, 1] - 44) + 4200 + rng.normal(0, 300, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = nnfit.fit(nnfit.MLP(hidden=(16, 16), activation="tanh"), X, y, epochs=1,
                        validation_split=0.2, seed=0)
    fit.scores = score_fit("regression", fit.predict, X[:96], y[:96], X[96:], y[96:])
    assert fit.scores["splits"]["train"]["model"]["r2"] < 0
    assert fit.scores["splits"]["train"]["linear"]["r2"] > 0.7
    texts = [t for lv, t in fit_warnings(fit) if lv == "warning"]
    (worse,) = [t for t in texts if t.startswith("Worse than the mean")]
    for fix in ("scale_target=True", "normalize=True", "raise epochs"):
        assert fix in worse
