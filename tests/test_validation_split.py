"""Validation rows against their references: Keras' validation_split sizes, scikit-learn's
stratified train_test_split on the same seed, and the warnings on tables sorted by class or by
target (scikit-learn's iris, which ships sorted by class; its diabetes table sorted by target)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import train_test_split as sk_train_test_split

import nnfit
from nnfit._fitdata import (class_labels, encode_targets, split_rows, split_validation,
                            validation_warnings)
from nnfit.datasets import validation_split


def keras_train_rows(n, fraction):
    # keras/src/trainers/data_adapters/data_adapter_utils.py, train_validation_split:
    # split_at = int(math.floor(batch_dim * (1.0 - validation_split)))
    return int(math.floor(n * (1.0 - fraction)))


# ---- split_rows ----

@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 5000), fraction=st.floats(0.001, 0.999), shuffle=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_sizes_are_keras_rule(n, fraction, shuffle, seed):
    at = keras_train_rows(n, fraction)
    if at in (0, n):
        with pytest.raises(ValueError, match="no training|no validation"):
            split_rows(n, fraction, shuffle=shuffle, seed=seed)
        return
    train, val = split_rows(n, fraction, shuffle=shuffle, seed=seed)
    assert (train.size, val.size) == (at, n - at)
    assert train.dtype == val.dtype == np.int64
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)  # each part in the rows' order
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
    if not shuffle:  # the last rows, as validation_split takes them
        np.testing.assert_array_equal(val, np.arange(at, n))
        assert validation_split(np.zeros((n, 1)), np.zeros(n), fraction)[3].size == val.size


@settings(max_examples=100, deadline=None)
@given(counts=st.lists(st.integers(2, 60), min_size=2, max_size=5),
       fraction=st.floats(0.05, 0.5), seed=st.integers(0, 2**32 - 1))
def test_stratified_rows_are_sklearns_on_the_same_seed(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)  # sorted by class, as iris ships
    n = labels.size
    at = keras_train_rows(n, fraction)
    if min(at, n - at) < len(counts):
        return  # no room for every class in both parts: the fallback's test covers it
    train, val = split_rows(n, fraction, shuffle=True, seed=seed, labels=labels)
    ref_train, ref_val = sk_train_test_split(np.arange(n), test_size=n - at, stratify=labels,
                                             random_state=seed)
    np.testing.assert_array_equal(train, np.sort(ref_train))
    np.testing.assert_array_equal(val, np.sort(ref_val))
    # each class's share of the validation rows is its share of the table, to a row
    expected = (n - at) * np.asarray(counts) / n
    assert np.all(np.abs(np.bincount(labels[val], minlength=len(counts)) - expected) < 1 + 1e-9)


def test_string_labels_stratify_as_their_codes():
    labels = np.repeat(["setosa", "versicolor", "virginica"], [20, 10, 5])
    codes = np.repeat([0, 1, 2], [20, 10, 5])
    for seed in [0, 1, 123]:
        a = split_rows(35, 0.3, shuffle=True, seed=seed, labels=labels)
        b = split_rows(35, 0.3, shuffle=True, seed=seed, labels=codes)
        ref = sk_train_test_split(np.arange(35), test_size=11, stratify=labels, random_state=seed)
        for u, v, r in zip(a, b, ref):
            np.testing.assert_array_equal(u, v)
            np.testing.assert_array_equal(u, np.sort(r))
    column = split_rows(35, 0.3, shuffle=True, seed=0, labels=codes[:, None])  # (n, 1) labels
    np.testing.assert_array_equal(column[1], split_rows(35, 0.3, shuffle=True, seed=0,
                                                        labels=codes)[1])


def test_unstratified_shuffle_is_a_default_rng_permutation():
    order = np.random.default_rng(5).permutation(40)
    train, val = split_rows(40, 0.25, shuffle=True, seed=5)
    np.testing.assert_array_equal(train, np.sort(order[:30]))
    np.testing.assert_array_equal(val, np.sort(order[30:]))


@pytest.mark.parametrize("labels, fraction, why", [
    (np.array([0] * 9 + [1]), 0.2, "a class of one row"),
    (np.repeat([0, 1, 2, 3], 5), 0.1, "2 validation rows for 4 classes"),
    (np.repeat([0, 1, 2], 3), 0.8, "1 training row for 3 classes"),
])
def test_impossible_stratification_falls_back_to_a_plain_shuffle(labels, fraction, why):
    n = labels.size
    at = keras_train_rows(n, fraction)
    with pytest.raises(ValueError):  # scikit-learn refuses these
        sk_train_test_split(np.arange(n), test_size=n - at, stratify=labels, random_state=0)
    train, val = split_rows(n, fraction, shuffle=True, seed=0, labels=labels)
    order = np.random.default_rng(0).permutation(n)
    np.testing.assert_array_equal(train, np.sort(order[:at]), err_msg=why)
    np.testing.assert_array_equal(val, np.sort(order[at:]), err_msg=why)


def test_a_single_class_is_shuffled_like_any_rows():
    train, val = split_rows(20, 0.2, shuffle=True, seed=3, labels=np.ones(20))
    assert (train.size, val.size) == (16, 4)


def test_seed_per_member_uses_the_first_and_unshuffled_ignores_seed_and_labels():
    a = split_rows(50, 0.2, shuffle=True, seed=(7, 8, 9))
    b = split_rows(50, 0.2, shuffle=True, seed=7)
    c = split_rows(50, 0.2, shuffle=True, seed=np.array([7, 1]))
    for u, v, w in zip(a, b, c):
        np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(u, w)
    assert not np.array_equal(split_rows(50, 0.2, shuffle=True, seed=8)[1], b[1])
    last = split_rows(50, 0.2, seed=None, labels=np.arange(50) % 2)
    np.testing.assert_array_equal(last[1], np.arange(40, 50))
    fresh = split_rows(50, 0.2, shuffle=True, seed=None)  # fresh entropy: only the sizes are fixed
    assert fresh[1].size == 10


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_rows=10, fraction=0.2, shuffle=True, seed=-1), "seed must be >= 0"),
    (dict(n_rows=10, fraction=0.2, shuffle=True, seed=2**32), "seed must be <="),
    (dict(n_rows=10, fraction=0.2, shuffle=True, seed=1.5), "seed must be an integer"),
    (dict(n_rows=10, fraction=0.2, shuffle=True, seed=()), "empty"),
    (dict(n_rows=10, fraction=0.2, shuffle=True, labels=np.zeros(9)), r"shape \(10,\)"),
    (dict(n_rows=10, fraction=0.2, shuffle=True, labels=np.zeros((10, 2))), r"shape \(10,\)"),
    (dict(n_rows=4, fraction=0.5, shuffle=True, labels=np.array(["a", 1, "b", 2], dtype=object)),
     "mix types"),
    (dict(n_rows=10, fraction=1.0), "< 1"),
    (dict(n_rows=10, fraction=0), "fraction must be > 0"),
    (dict(n_rows=1, fraction=0.5), "no training"),
    (dict(n_rows=2.0, fraction=0.5), "n_rows must be an integer"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_rows(**kwargs)


# ---- split_validation (what training calls) ----

def _encoded(output, labels):
    model = nnfit.MLP(hidden=(2,), output=output)
    Y, classes, _ = encode_targets(model, labels.astype(np.float64), "classification")
    return model, Y, classes


def test_split_validation_default_is_todays_last_rows_as_views():
    X, Y, w = np.arange(20.0).reshape(10, 2), np.arange(10.0)[:, None], np.linspace(1, 2, 10)
    model = nnfit.MLP(hidden=(2,))
    X_tr, Y_tr, w_tr, X_val, Y_val, w_val = split_validation(model, X, Y, w, "regression", None,
                                                             0.2, None)
    np.testing.assert_array_equal(X_val, X[8:])
    np.testing.assert_array_equal(w_tr, w[:8])
    assert np.shares_memory(X_tr, X) and np.shares_memory(Y_val, Y)  # slices, as before
    assert split_validation(model, X, Y, w, "regression", None, 0.0, None)[3] is None


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_split_validation_shuffled_stratifies_encoded_classes(output):
    labels = np.repeat([0, 1, 2] if output == "softmax" else [0, 1], 30 if output == "softmax"
                       else 45)
    model, Y, classes = _encoded(output, labels)
    np.testing.assert_array_equal(class_labels(Y), labels)
    X, w = np.arange(90.0)[:, None], np.ones(90)
    X_tr, Y_tr, w_tr, X_val, Y_val, w_val = split_validation(
        model, X, Y, w, "classification", len(classes), 0.2, None, shuffle=True, seed=(11, 12))
    ref_tr, ref_val = sk_train_test_split(np.arange(90), test_size=18, stratify=labels,
                                          random_state=11)
    np.testing.assert_array_equal(X_val[:, 0], np.sort(ref_val))
    np.testing.assert_array_equal(X_tr[:, 0], np.sort(ref_tr))
    np.testing.assert_array_equal(class_labels(Y_val), labels[np.sort(ref_val)])
    assert len(set(class_labels(Y_val))) == len(set(labels))


def test_split_validation_takes_given_rows_and_given_data_first():
    X, Y, w = np.arange(10.0)[:, None], np.arange(10.0)[:, None], np.ones(10)
    model = nnfit.MLP(hidden=(2,))
    rows = (np.array([0, 2, 4, 6, 8]), np.array([1, 3, 5, 7, 9]))
    out = split_validation(model, X, Y, w, "regression", None, 0.2, None, rows=rows)
    np.testing.assert_array_equal(out[3][:, 0], [1, 3, 5, 7, 9])
    given = split_validation(model, X, Y, w, "regression", None, 0.2, (X[:3], Y[:3, 0]),
                             shuffle=True, rows=rows)
    assert given[0] is X and len(given[3]) == 3


# ---- validation_warnings: tables sorted by class or by target ----

def test_iris_sorted_by_class_warns_with_the_last_rows_and_not_when_stratified():
    iris = load_iris()
    names = iris.target_names[iris.target]  # 150 rows, 50 of each class, in class order
    # floor(150 * 0.66) = floor(98.99...) = 98 training rows: 2 versicolor, 50 virginica
    train, val = split_rows(150, 0.34)
    (message,) = validation_warnings("classification", names[train], names[val])
    assert message.startswith("validation holds 1 class the training rows never contain: "
                              "'virginica' (50 rows), 50 of 52 validation rows")
    assert "validation_shuffle=True" in message and "stratified" in message
    # integer codes with their names give the same message
    assert validation_warnings("classification", iris.target[train], iris.target[val],
                               label_names=iris.target_names) == [message]
    train, val = split_rows(150, 0.34, shuffle=True, seed=0, labels=names)
    assert validation_warnings("classification", names[train], names[val]) == []
    assert sorted(np.unique(names[val], return_counts=True)[1].tolist()) == [17, 17, 18]


def test_two_unseen_classes_and_encoded_targets():
    labels = np.repeat([0, 1, 2, 3], [40, 40, 3, 2])
    model, Y, classes = _encoded("softmax", labels)
    train, val = split_rows(85, 0.3)  # the last 26 rows: 21 of class 1, and classes 2 and 3
    (message,) = validation_warnings("classification", Y[train], Y[val],
                                     label_names=["ant", "bee", "cat", "dog"])
    assert "2 classes the training rows never contain: 'cat' (3 rows), 'dog' (2 rows), 5 of 26" \
        in message
    _, Y, _ = _encoded("sigmoid", np.repeat([0, 1], [40, 10]))
    train, val = split_rows(50, 0.2)
    (message,) = validation_warnings("classification", Y[train], Y[val])
    assert "class the training rows never contain: 1 (10 rows), 10 of 10" in message


def test_labels_of_every_kind_are_named():
    def unseen(train, val, **kwargs):
        (message,) = validation_warnings("classification", train, val, **kwargs)
        return message.split(": ", 1)[1].split(",")[0]

    objects = np.array(["a", "b", "c"], dtype=object)
    assert unseen(objects[:2], objects[2:]) == "'c' (1 row)"
    assert unseen([True, True], [False]) == "False (1 row)"
    assert unseen([0.0, 0.0], [1.0]) == "1 (1 row)"
    # a sigmoid's 0/1 column named by the classes training kept
    assert unseen(np.zeros((2, 1)), np.ones((1, 1)), label_names=np.array(["no", "yes"])) == \
        "'yes' (1 row)"


def test_class_advice_follows_the_rule():
    shuffled = validation_warnings("classification", [0, 0, 1, 1], [2], rule="shuffled")
    assert "single row" in shuffled[0] and "validation_shuffle" not in shuffled[0]
    given = validation_warnings("classification", [0, 0, 1, 1], [2], rule="given")
    assert "validation_data" in given[0]


def test_diabetes_sorted_by_target_warns_and_shuffled_does_not():
    X, y = load_diabetes(return_X_y=True)
    y = np.sort(y)  # a table sorted by its target (or by time, with a trend)
    train, val = split_rows(len(y), 0.2)
    (message,) = validation_warnings("regression", y[train], y[val], target_names=["progression"])
    # one validation target ties the training maximum: inside the range
    assert message.startswith("88 of 89 validation targets of 'progression' (99%) lie outside "
                              "the training targets' range [25, 232] (0 below, 88 above)")
    assert "sorted, by time or by value" in message and "validation_shuffle=True" in message
    train, val = split_rows(len(y), 0.2, shuffle=True, seed=0)
    assert validation_warnings("regression", y[train], y[val]) == []


def test_regression_columns_are_checked_one_by_one():
    rng = np.random.default_rng(0)
    Y = np.column_stack([rng.normal(size=100), np.arange(100.0)])  # column 1 sorted
    train, val = split_rows(100, 0.25)
    (message,) = validation_warnings("regression", Y[train], Y[val])
    assert message.startswith("25 of 25 validation targets of column 1 (100%)")
    named = validation_warnings("regression", Y[train], Y[val], target_names=["a", "time"])
    assert "of 'time'" in named[0]
    assert "too few" in validation_warnings("regression", Y[train], Y[val], rule="shuffled")[0]


def test_range_rule_edges():
    y = np.arange(100.0)
    # half outside is not "mostly"; more than half is
    assert validation_warnings("regression", y[10:90], np.r_[y[:5], y[95:], y[40:50]]) == []
    assert len(validation_warnings("regression", y[10:90], np.r_[y[:6], y[95:], y[40:49]])) == 1
    # two validation rows outside are never enough
    assert validation_warnings("regression", y[:98], y[98:]) == []
    assert validation_warnings("regression", y[:97], y[97:]) != []
    # non-finite targets are left out of both
    assert validation_warnings("regression", np.r_[y[:50], np.nan], np.r_[y[50:53], np.inf]) != []
    assert validation_warnings("regression", y, y[:0]) == []


def test_random_splits_of_exchangeable_rows_stay_silent():
    # the rule's false alarms: 2 / (n_train + 1) outside each on average, never over half
    rng = np.random.default_rng(1)
    for seed in range(200):
        y = rng.standard_normal((60, 2))
        train, val = split_rows(60, 0.2, shuffle=True, seed=seed)
        assert validation_warnings("regression", y[train], y[val]) == []


@pytest.mark.parametrize("args, kwargs, match", [
    (("ranking", [0], [1]), {}, "ranking"),
    (("regression", [0.0], [1.0]), {"rule": "first"}, "first"),
    (("regression", np.zeros((3, 2)), np.zeros((2, 3))), {}, "2 target columns"),
])
def test_bad_warning_arguments_are_named(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        validation_warnings(*args, **kwargs)
