"""Tables as inputs: the learned rules against scikit-learn's, round trips, targets, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import nnfit
from nnfit.errors import InvalidOptionError
from nnfit.tabular import TableSpec, column_kind, learn_table


def table(n=120, seed=0):
    """Numbers with gaps, a category with gaps, a boolean, an ISO date; a target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "size": rng.normal(50, 10, n),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "flag": rng.random(n) < 0.3,
        "day": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "count": rng.integers(0, 1000, n).astype(float),
    })
    frame.loc[[3, 17, 40], "size"] = np.nan
    frame.loc[[5, 60], "colour"] = np.nan
    frame["target"] = (3000 + 40 * frame["size"].fillna(50) + 500 * (frame.colour == "red")
                       + rng.normal(0, 50, n))
    return frame


def sklearn_encoding(train, rows):
    """A careful scikit-learn pipeline's numbers for ``rows``, learned from ``train``."""
    numbers = ["size", "flag", "day", "count"]

    def numeric(frame):
        out = frame[numbers].copy()
        out["flag"] = out["flag"].astype(float)
        out["day"] = (pd.to_datetime(out["day"]) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
        return out

    transform = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("categories", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                     OneHotEncoder(handle_unknown="ignore",
                                                   sparse_output=False)), ["colour"]),
    ])
    prepare = lambda frame: numeric(frame).join(frame[["colour"]])  # noqa: E731
    transform.fit(prepare(train))
    return transform.transform(prepare(rows))


def reorder(X, spec):
    """nnfit's columns (table order) in the pipeline's order: numbers first, then one-hot."""
    names = spec.input_names
    order = [names.index(n) for n in ("size", "flag", "day", "count")]
    order += [i for i, n in enumerate(names) if n.startswith("colour=")]
    return X[:, order]


def test_kinds_are_read_from_the_values():
    frame = table()
    kinds = {c: column_kind(frame[c]) for c in frame.columns}
    assert kinds == {"size": "number", "colour": "category", "flag": "boolean", "day": "date",
                     "count": "number", "target": "number"}
    assert column_kind(pd.Series(["1.5", "2", "n/a"] * 3)) == "number"  # the bad cell is named
    assert column_kind(pd.Series([True, None, False], dtype=object)) == "boolean"


def test_encoding_equals_a_scikit_learn_pipeline_learned_from_the_training_rows():
    frame = table().drop(columns="target")
    train, rows = frame.iloc[:80], frame.iloc[80:]
    spec, notes = learn_table(train, ("target",), task="regression")
    X, complete = spec.encode(rows)
    assert complete.all()
    np.testing.assert_allclose(reorder(X, spec), sklearn_encoding(train, rows), rtol=1e-12,
                               atol=1e-12)
    # learned from the training rows alone: the median of the first 80 rows fills a gap
    assert spec.columns[0].fill == pytest.approx(train["size"].median())
    assert any("missing values" in n and "size 3, colour 2" in n for n in notes)


def test_gaps_and_unknown_categories_at_prediction_time():
    frame = table().drop(columns="target")
    spec, _ = learn_table(frame, ("target",), task="regression")
    new = frame.iloc[:3].copy()
    new.loc[new.index[0], "colour"] = "purple"
    new.loc[new.index[1], "size"] = np.nan
    with pytest.warns(UserWarning, match="'colour' has 1 row.*'purple'"):
        X, _ = spec.encode(new)
    colours = [i for i, n in enumerate(spec.input_names) if n.startswith("colour=")]
    assert (X[0, colours] == 0).all()  # no known category
    assert X[1, 0] == pytest.approx((spec.columns[0].fill - spec.columns[0].mean)
                                    / spec.columns[0].scale)


def test_spec_survives_json():
    spec, _ = learn_table(table().drop(columns="target"), ("target",), task="regression")
    import json

    again = TableSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    with pytest.raises(InvalidOptionError, match="not a table spec"):
        TableSpec.from_dict({**spec.to_dict(), "task": "poetry"})


def test_fit_of_a_table_round_trips_with_gaps_and_unknown_categories(tmp_path):
    frame = table()
    fit = nnfit.fit(nnfit.MLP(hidden=(8,), activation="tanh"), frame, "target", epochs=30,
                    learning_rate=0.01, validation_split=0.2, validation_shuffle=True)
    assert fit.table is not None and fit.task == "regression"
    assert any(n.startswith("task: regression") for n in fit.notes)
    new = frame.drop(columns="target").iloc[:6].copy()
    new.loc[new.index[0], "colour"] = "purple"
    new.loc[new.index[1], "size"] = np.nan
    fit.save(tmp_path / "run")
    loaded = nnfit.load_fit(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(loaded.predict(new), fit.predict(new))
    assert loaded.table == fit.table and loaded.notes == fit.notes
    assert loaded.scores == fit.scores  # plain JSON: floats written exactly


def test_a_string_target_is_classified_and_predicted_as_its_labels():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(150, 2))
    species = np.where(x[:, 0] > 0.3, "gentoo", np.where(x[:, 1] > 0, "adelie", "chinstrap"))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "species": species})
    fit = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), frame, "species", epochs=200,
                    learning_rate=0.02)
    assert fit.task == "classification" and list(fit.classes) == ["adelie", "chinstrap", "gentoo"]
    assert fit.network.spec.output == "softmax"
    assert any("3 text labels" in n for n in fit.notes)
    predicted = fit.predict(frame)
    assert set(predicted) <= set(species) and (predicted == species).mean() > 0.9
    assert fit.predict_proba(frame).shape == (150, 3)


@pytest.mark.parametrize("values, task", [
    ([True, False] * 30, "classification"),
    ([0, 1, 2] * 20, "classification"),
    (list(np.linspace(0, 1, 60)), "regression"),
    (list(range(60)), "regression"),  # 60 distinct integers: a quantity, not labels
])
def test_the_task_follows_the_target(values, task):
    frame = pd.DataFrame({"x": np.linspace(0, 1, 60), "y": values})
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "y", epochs=2)
    assert fit.task == task
    if task == "classification":
        assert set(fit.predict(frame)) <= set(values)


def test_task_override_and_a_missing_target_row():
    frame = pd.DataFrame({"x": np.linspace(0, 1, 40), "y": [0, 1, 2, 3] * 10})
    frame.loc[7, "y"] = np.nan
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "y", epochs=2, task="regression")
    assert fit.task == "regression"
    assert "dropped 1 row(s) whose target is missing" in fit.notes


def test_missing_rules():
    frame = table()
    with pytest.raises(InvalidOptionError, match="column 'size' is missing a value in row 3"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "target", epochs=1, missing="error")
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "target", epochs=1, missing="drop")
    assert any("left out 5 training row(s)" in n for n in fit.notes)
    with pytest.warns(UserWarning, match="get no prediction"):
        predicted = fit.predict(frame.iloc[:6])
    assert np.isnan(predicted[3]) and np.isnan(predicted[5]) and np.isfinite(predicted[0])


@pytest.mark.parametrize("change, message", [
    (lambda f: f.assign(size=["abc"] + list(f["size"][1:])), "'abc' in row 0"),
    (lambda f: f.assign(name=[f"id{i}" for i in range(len(f))]), "identifier"),
    (lambda f: f.assign(size=np.nan), "column 'size' has no values"),
    (lambda f: f.assign(size=[np.inf] + list(f["size"][1:])), "infinite in row 0"),
])
def test_bad_columns_name_the_cell_and_the_fix(change, message):
    with pytest.raises(InvalidOptionError, match=message):
        nnfit.fit(nnfit.MLP(hidden=(2,)), change(table()), "target", epochs=1)


def test_bad_targets_and_predict_rows():
    frame = table()
    with pytest.raises(InvalidOptionError, match="target column 'nope' not found"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "nope", epochs=1)
    with pytest.raises(InvalidOptionError, match="single class"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), frame.assign(target="a"), "target", epochs=1)
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "target", epochs=1)
    with pytest.raises(InvalidOptionError, match="no column 'colour'"):
        fit.predict(frame.drop(columns="colour"))


def test_the_standardised_target_reports_in_its_own_units():
    """Full batch and a vanishing step: the first loss is the MSE of the (unchanged) start."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = 5000 + 800 * X[:, 0] + rng.normal(0, 10, 64)
    fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), X, y, optimizer="gd",
                    batch_size=None, learning_rate=1e-12, epochs=1, scale_target=True,
                    dtype="float64")
    mse = np.mean((fit.predict(X) - y) ** 2)
    assert fit.history["loss"].iloc[0] == pytest.approx(mse, rel=1e-6)
    assert fit.history["mae"].iloc[0] == pytest.approx(np.mean(np.abs(fit.predict(X) - y)),
                                                       rel=1e-6)
    assert fit.config["target_scale"]["mean"][0] == pytest.approx(y.mean())


def test_a_large_target_trains_when_standardised():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 1))
    y = 5000 + 800 * np.sin(2 * X[:, 0])
    kw = dict(epochs=150, learning_rate=0.01, seed=0)
    scaled = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), X, y, scale_target=True, **kw)
    raw = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), X, y, **kw)
    r2 = lambda f: 1 - np.mean((f.predict(X) - y) ** 2) / np.var(y)  # noqa: E731
    assert r2(scaled) > 0.95 and r2(raw) < 0
    assert any("Worse than the mean" in w for w in raw.warnings)
    assert not any("Worse than the mean" in w for w in scaled.warnings)


def test_test_rows_are_scored_beside_the_baselines_and_never_trained_on():
    frame = table(200)
    train, test = frame.iloc[:150], frame.iloc[150:]
    fit = nnfit.fit(nnfit.MLP(hidden=(8,), activation="tanh"), train, "target", epochs=40,
                    learning_rate=0.01, test_data=(test, "target"))
    part = fit.scores["splits"]["test"]
    predicted = fit.predict(test)
    y = test["target"].to_numpy()
    assert part["rows"] == 50
    assert part["model"]["r2"] == pytest.approx(1 - np.sum((predicted - y) ** 2)
                                                / np.sum((y - y.mean()) ** 2), rel=1e-6)
    # the constant baseline predicts the *training* mean
    assert part["constant"]["mse"] == pytest.approx(np.mean((y - train["target"].mean()) ** 2))
    again = nnfit.fit(nnfit.MLP(hidden=(8,), activation="tanh"), train, "target", epochs=40,
                      learning_rate=0.01)
    np.testing.assert_array_equal(again.predict(test), predicted)  # training never saw them


def test_an_ensemble_predicts_its_spread(tmp_path):
    from nnfit.predict import prediction_frame

    frame = table()
    fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), frame, "target", epochs=5,
                    n_members=3)
    out = prediction_frame(fit, frame.drop(columns="target"))
    mean, std = fit.predict(frame, return_std=True)
    assert list(out.columns) == ["target", "target_std"]
    np.testing.assert_allclose(out.target_std, std)
    np.testing.assert_allclose(out.target, mean)
    members = fit.predict_members(frame)
    np.testing.assert_allclose(std, members.std(axis=0), rtol=1e-12)


def test_the_shipped_penguins_are_the_published_table():
    penguins = nnfit.load_table("penguins")
    assert penguins.shape == (344, 8)
    assert penguins.isna().sum().to_dict() == {
        "species": 0, "island": 0, "bill_length_mm": 2, "bill_depth_mm": 2,
        "flipper_length_mm": 2, "body_mass_g": 2, "sex": 11, "year": 0}
    # sorted by species, as published: Keras' last rows would validate on Chinstraps alone
    assert list(dict.fromkeys(penguins.species)) == ["Adelie", "Gentoo", "Chinstrap"]
    assert (penguins.species.iloc[-68:] == "Chinstrap").all()


def test_penguin_species_by_the_sorted_rule_warns_and_by_the_shuffled_one_does_not():
    penguins = nnfit.load_table("penguins")
    kw = dict(epochs=2, validation_split=0.2)
    with pytest.warns(UserWarning, match="Chinstrap"):  # the last 69 rows: 68 Chinstraps
        last = nnfit.fit(nnfit.MLP(hidden=(4,)), penguins, "species", **kw)
    assert any("Chinstrap" in w for w in last.warnings)
    shuffled = nnfit.fit(nnfit.MLP(hidden=(4,)), penguins, "species", validation_shuffle=True,
                         **kw)
    assert shuffled.data_warnings == []
    assert shuffled.scores["splits"]["validation"]["rows"] == 344 - int(np.floor(344 * 0.8))


def test_rows_are_named_by_the_table_s_index_after_rows_without_a_target_leave():
    frame = table()
    frame.loc[[0, 1], "target"] = np.nan
    frame["size"] = frame["size"].astype(object)
    frame.loc[9, "size"] = "n/a?"
    with pytest.raises(InvalidOptionError, match=r"'n/a\?' in row 9 "):
        nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "target", epochs=1)


def test_day_first_or_month_first_dates_are_refused_with_the_iso_fix():
    frame = table().assign(day=[f"{d % 28 + 1:02d}/03/2020" for d in range(120)])
    with pytest.raises(InvalidOptionError, match="column 'day' holds dates.*YYYY-MM-DD"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "target", epochs=1)


def test_columns_of_any_name_and_targets_given_as_values():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((50, 2)))  # integer column names
    y = frame[0] * 2
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, y.to_numpy(), epochs=2)
    assert fit.table.features == ("0", "1") and fit.predict(frame).shape == (50,)
    named = nnfit.fit(nnfit.MLP(hidden=(2,)), frame.assign(t=y), "t", epochs=2)
    assert named.table.features == ("0", "1")
    with_y = pd.DataFrame({"a": rng.random(40), "y": rng.random(40)})
    kept = nnfit.fit(nnfit.MLP(hidden=(2,)), with_y, rng.random(40), epochs=2)
    assert kept.table.features == ("a", "y")  # an unnamed target takes another name
    labels = nnfit.fit(nnfit.MLP(hidden=(2,)), with_y, ["p", "q"] * 20, epochs=2)
    assert list(labels.classes) == ["p", "q"]  # a list as long as the rows: values
    with pytest.raises(InvalidOptionError, match="more than one column named 'a'"):
        nnfit.fit(nnfit.MLP(hidden=(2,)), pd.DataFrame([[1, 2, 3]] * 9, columns=["a", "a", "t"]),
                  "t", epochs=1)


def test_each_target_column_is_standardised_on_its_own():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, 300), rng.uniform(-1, 1, 300)
    frame = pd.DataFrame({"a": a, "b": b, "big": 1000 * a + 5000, "small": 0.01 * np.sin(3 * b)})
    fit = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), frame, ["big", "small"],
                    epochs=300, learning_rate=0.01)
    predicted = fit.predict(frame)
    for j, column in enumerate(["big", "small"]):
        r2 = 1 - np.mean((predicted[:, j] - frame[column]) ** 2) / np.var(frame[column])
        assert r2 > 0.95, column
    assert "history's errors stay in standardised units" in fit.notes[-1]


def test_an_mae_loss_column_is_in_the_target_s_units():
    penguins = nnfit.load_table("penguins").dropna()
    fit = nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), penguins, "body_mass_g",
                    loss="mae", epochs=3, batch_size=None, learning_rate=1e-12, dtype="float64")
    assert fit.history["loss"].iloc[0] == pytest.approx(fit.history["mae"].iloc[0], rel=1e-9)
    start = np.mean(np.abs(fit.predict(penguins) - penguins.body_mass_g))
    assert fit.history["mae"].iloc[0] == pytest.approx(start, rel=1e-6)


def test_labels_of_mixed_types_dates_across_summer_time_and_float_categories():
    frame = pd.DataFrame({"a": np.linspace(0, 1, 60), "t": ["a", "b", 1] * 20})
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame, "t", epochs=2, validation_split=0.2,
                    validation_shuffle=True)
    assert list(fit.classes) == ["1", "a", "b"]
    when = pd.date_range("2021-03-20", periods=60, freq="D", tz="Europe/Paris").astype(str)
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), frame.assign(when=when, t=np.arange(60.0)), "t",
                    epochs=2)
    assert fit.table.columns[1].kind == "date"
    codes = pd.DataFrame({"a": np.linspace(0, 1, 40), "c": pd.Categorical([1, 2, 3, 4] * 10),
                          "t": np.arange(40.0)})
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), codes, "t", epochs=2)
    read_back = codes.drop(columns="t").astype({"c": float})  # a CSV with a gap reads floats
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "unknown category '3.0'"
        np.testing.assert_allclose(fit.predict(read_back), fit.predict(codes))


def test_far_outside_is_said_in_the_table_s_own_units():
    penguins = nnfit.load_table("penguins")
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), penguins, "body_mass_g", epochs=2)
    new = penguins.head(3).copy()
    new.loc[1, "bill_length_mm"] = 90.0
    with pytest.warns(UserWarning, match=r"bill_length_mm = 90, trained on \[32.1, 59.6\]"):
        fit.predict(new)
