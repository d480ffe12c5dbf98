"""The user's targets, weights and validation rows as the arrays training takes.

Targets become a 2-D float array (class labels one-hot or 0/1), weights a checked (n,) array,
and the validation rows either the given ``validation_data`` or a fraction of the rows: the last
ones (Keras' rule, the default of ``nnfit.fit``) or, shuffled, seeded random ones stratified by
class. Either way the sizes are Keras': ``floor(n * (1 - fraction))`` training rows. A split can
lie without failing: rows sorted by class put classes in validation that training never saw, and
rows sorted by time or value make validation an extrapolation; :func:`validation_warnings` says
so in words.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import check_features, check_number, check_sample_weight, check_targets
from .errors import InvalidOptionError


def encode_targets(model, y, task, n_classes=None):
    """Targets as a 2-D float array (n, n_outputs); class labels become 0/1 or one-hot.

    ``n_classes`` (the training set's) fixes the one-hot width of validation labels.
    """
    y_shape = y.shape[1:]
    if task == "regression":
        return (y if y.ndim == 2 else y[:, None]), None, y_shape
    if y.ndim == 2 and (model.output == "sigmoid" or y.shape[1] > 1):
        return _indicator(model, y)
    labels = y.ravel() if (y.ndim == 1 or y.shape[1] == 1) else None
    if labels is None:
        raise InvalidOptionError(f"classification targets must be labels of shape (n,), got {y.shape}")
    if np.any(labels != np.round(labels)) or labels.min() < 0:
        bad = labels[(labels != np.round(labels)) | (labels < 0)][0]
        raise InvalidOptionError(f"class labels must be integers 0, 1, ..., got {bad!r}")
    classes = np.arange(int(labels.max()) + 1)
    if n_classes is None and np.unique(labels).size < 2:
        raise InvalidOptionError(
            f"y holds a single class ({labels[0]:g}); a classifier needs at least two classes "
            "in its training rows (check the target column, or fit a regression)")
    if n_classes is not None:
        if classes.size > n_classes:
            raise InvalidOptionError(f"validation labels go up to {classes[-1]} but the training labels "
                             f"only to {n_classes - 1}")
        classes = np.arange(n_classes)
    if model.output == "sigmoid":
        if classes.size > 2:
            raise InvalidOptionError(f"output='sigmoid' is binary but y has labels up to {classes[-1]}; "
                             "use output='softmax' for more than two classes")
        return labels[:, None], np.arange(2), ()
    return np.eye(max(2, classes.size))[labels.astype(int)], np.arange(max(2, classes.size)), ()


def _indicator(model, y):
    """Targets already as 0/1 columns (n, k): one-hot rows for a softmax output; for a sigmoid
    output, each column a label of its own (multilabel; one column is one binary label,
    which may hold a single value)."""
    if not np.isin(y, (0, 1)).all():
        raise InvalidOptionError(
            f"a 2-D classification target of shape {y.shape} must hold only 0 and 1 (an "
            "indicator matrix); give class labels as one column of shape (n,)")
    if model.output == "softmax" and not np.all(y.sum(axis=1) == 1):
        raise InvalidOptionError(
            "a softmax output needs one-hot rows (exactly one 1 each); several labels per "
            "sample need output='sigmoid' (multilabel)")
    k = y.shape[1]
    return y.astype(np.float64), np.arange(max(2, k) if model.output == "softmax" or k == 1
                                           else k), ()


def weights(sample_weight, n):
    """Weights (n,): ones, or the user's checked (finite, >= 0, a positive sum)."""
    w = check_sample_weight(sample_weight, n)
    return np.ones(n) if w is None else w


MAX_SPLIT_SEED = 2**32 - 1  # scikit-learn's random_state and a JAX key word take 32 bits


def split_point(n_rows, fraction):
    """The number of training rows, ``floor(n_rows * (1 - fraction))``: Keras' rule.

    Refuses a fraction outside (0, 1) and a split that leaves either part empty.
    """
    check_number("fraction", fraction, low=0, low_open=True)
    if fraction >= 1:
        raise InvalidOptionError(f"fraction must be < 1, got {fraction!r}; it is the validation share")
    split_at = int(math.floor(n_rows * (1.0 - fraction)))  # Keras' rule, float rounding included
    if split_at == 0 or split_at == n_rows:
        raise InvalidOptionError(f"fraction={fraction!r} of {n_rows} rows leaves "
                                 f"{'no training' if split_at == 0 else 'no validation'} rows; "
                                 "give more rows or another fraction")
    return split_at


def _first_seed(seed):
    # nnfit seeds may be one per member; the split uses the first, so member 0's seed decides it
    if isinstance(seed, np.ndarray) and seed.ndim == 0:
        seed = seed.item()
    if isinstance(seed, (tuple, list, np.ndarray)):
        if len(seed) == 0:
            raise InvalidOptionError("seed is an empty sequence; give an integer or one per member")
        seed = seed[0]
    if seed is None:
        # fresh entropy, drawn here: scikit-learn would otherwise use NumPy's global state
        return int(np.random.default_rng().integers(MAX_SPLIT_SEED + 1))
    return int(check_number("seed", seed, low=0, high=MAX_SPLIT_SEED, integer=True))


def _stratifiable(labels, n_rows, n_train):
    """Integer codes of ``labels`` (n_rows,), or None where scikit-learn cannot stratify them."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.shape[0] != n_rows:
        raise InvalidOptionError(f"labels must have shape ({n_rows},), one class label per row, "
                                 f"got shape {labels.shape}")
    try:
        _, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    except TypeError:
        raise InvalidOptionError(f"labels mix types that cannot be compared (e.g. {labels[0]!r}); "
                                 "give one kind of label, all strings or all numbers") from None
    # scikit-learn's conditions: every class twice at least, and room for each class in each part
    if counts.min() < 2 or min(n_train, n_rows - n_train) < counts.size:
        return None
    return codes.ravel()


def split_rows(n_rows, fraction, *, shuffle=False, seed=0, labels=None):
    """Which rows train and which validate: the last ``fraction`` (Keras), or seeded random rows.

    The sizes are always Keras' (``validation_split`` of ``keras.Model.fit``):
    ``n_train = floor(n_rows * (1 - fraction))`` training rows, the other ``n_rows - n_train``
    validate. Unshuffled, the validation rows are the last ones. Shuffled, they are drawn from the
    seed: stratified by ``labels`` when given (scikit-learn's
    ``train_test_split(..., stratify=labels, random_state=seed)``, whose rows these are), else a
    permutation from ``np.random.default_rng(seed)``. Stratification needs at least two rows of
    every class and room for every class in both parts; where it is impossible (scikit-learn
    raises) the rows are a plain seeded shuffle instead, and :func:`validation_warnings` tells of
    any class that then validates without having trained.

    Each part keeps the rows' own order (sorted indices), so that shuffling the training rows each
    epoch stays the only other source of randomness.

    Parameters
    ----------
    n_rows : int
        The number of rows, at least 2.
    fraction : float in (0, 1)
        The validation share.
    shuffle : bool
        Random rows instead of the last ones.
    seed : int, sequence of int or None
        A 32-bit seed, or one per member (the first is used); ``None`` draws fresh entropy (not
        reproducible). Unused unless ``shuffle``.
    labels : array-like of shape (n_rows,), optional
        Class labels (numbers or strings) to stratify by; unused unless ``shuffle``.

    Returns
    -------
    train_index : ndarray of shape (n_train,), int64, increasing
    validation_index : ndarray of shape (n_rows - n_train,), int64, increasing

    Examples
    --------
    >>> train, val = split_rows(10, 0.2)
    >>> val
    array([8, 9])
    >>> labels = np.repeat([0, 1], 5)  # sorted by class: the last rows would be all 1
    >>> train, val = split_rows(10, 0.2, shuffle=True, seed=0, labels=labels)
    >>> len(train), labels[val]
    (8, array([0, 1]))
    """
    n_rows = check_number("n_rows", n_rows, low=1, integer=True)
    at = split_point(n_rows, fraction)
    if not shuffle:
        return np.arange(at, dtype=np.int64), np.arange(at, n_rows, dtype=np.int64)
    seed = _first_seed(seed)
    codes = None if labels is None else _stratifiable(labels, n_rows, at)
    if codes is None:
        order = np.random.default_rng(seed).permutation(n_rows)
        train, val = order[:at], order[at:]
    else:
        from sklearn.model_selection import train_test_split

        train, val = train_test_split(np.arange(n_rows), train_size=at, test_size=n_rows - at,
                                      stratify=codes, random_state=seed)
    return np.sort(train).astype(np.int64), np.sort(val).astype(np.int64)


def class_labels(Y):
    """Integer labels (n,) of training's encoded classes: one-hot (n, k) or 0/1 (n, 1)."""
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[1] > 1:
        return Y.argmax(axis=1)
    return Y.reshape(Y.shape[0])


def _rows(a, index):
    # a contiguous run (Keras' rule) is a view, as before; random rows a copy
    if index.size and index[-1] - index[0] + 1 == index.size:
        return a[index[0]:index[-1] + 1]
    return a[index]


def split_validation(model, X, Y, w, task, n_classes, split, validation_data, *, shuffle=False,
                     seed=0, rows=None):
    """Split off the validation rows: given data, else ``split`` of the rows (:func:`split_rows`).

    ``shuffle=False`` takes the last rows (Keras); ``shuffle=True`` seeded random ones,
    stratified by class for classification. ``rows``, a ``(train_index, validation_index)``
    pair from :func:`split_rows`, fixes the rows instead (a caller that split the raw table
    first). Returns ``X_tr, Y_tr, w_tr, X_val, Y_val, w_val``; the last three are None without
    validation.
    """
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise InvalidOptionError("validation_data must be (X_val, y_val) or (X_val, y_val, weights)")
        X_val = check_features(validation_data[0], name="X_val")
        if X_val.shape[1] != X.shape[1]:
            raise InvalidOptionError(f"X_val has {X_val.shape[1]} features but X has {X.shape[1]}")
        Y_val, _, _ = encode_targets(model, check_targets(validation_data[1], len(X_val),
                                                           name="y_val"), task, n_classes)
        if Y_val.shape[1] != Y.shape[1]:
            raise InvalidOptionError(f"y_val has {Y_val.shape[1]} outputs but y has {Y.shape[1]}")
        w_val = (np.ones(len(X_val)) if len(validation_data) == 2
                 else weights(validation_data[2], len(X_val)))
        return X, Y, w, X_val, Y_val, w_val
    if rows is None:
        if split == 0:
            return X, Y, w, None, None, None
        labels = class_labels(Y) if shuffle and task == "classification" else None
        rows = split_rows(len(X), split, shuffle=shuffle, seed=seed, labels=labels)
    train, val = (np.asarray(r, dtype=np.int64) for r in rows)
    return (_rows(X, train), _rows(Y, train), _rows(w, train),
            _rows(X, val), _rows(Y, val), _rows(w, val))


# ---- what a split can hide ----

_RULES = ("last", "shuffled", "given")
# a split this far outside the training range is called "mostly outside"
OUTSIDE_SHARE = 0.5
OUTSIDE_MIN_ROWS = 3


def _label_text(label, label_names):
    label = label.item() if isinstance(label, np.generic) else label
    # codes may come as floats: a sigmoid output's 0/1 column
    if (label_names is not None and isinstance(label, numbers.Real) and not isinstance(label, bool)
            and float(label).is_integer() and 0 <= label < len(label_names)):
        label = label_names[int(label)]
        label = label.item() if isinstance(label, np.generic) else label
    if isinstance(label, (str, np.str_)):
        return repr(str(label))
    if isinstance(label, bool):
        return str(label)
    if isinstance(label, numbers.Real) and float(label).is_integer():
        return str(int(label))
    return str(label)


def _class_warnings(y_train, y_val, label_names, rule):
    train, val = np.asarray(y_train), np.asarray(y_val)
    train = class_labels(train) if train.ndim == 2 else train
    val = class_labels(val) if val.ndim == 2 else val
    unseen = ~np.isin(val, train)
    if not unseen.any():
        return []
    classes, counts = np.unique(val[unseen], return_counts=True)
    names = ", ".join(f"{_label_text(c, label_names)} ({n} row{'' if n == 1 else 's'})"
                      for c, n in zip(classes, counts.tolist()))
    plural = "es" if classes.size > 1 else ""
    advice = {
        "last": "The validation rows are the last ones (validation_split's rule, as Keras takes "
                "them) and the rows look sorted by class: set validation_shuffle=True (the command "
                "line's default) for seeded validation rows stratified by class, or shuffle the "
                "rows first.",
        "shuffled": "The rows were drawn at random, stratified by class where possible; a class "
                    "with a single row cannot be in both parts: drop such classes or collect more "
                    "rows of them.",
        "given": "Check that validation_data holds the classes the training rows hold.",
    }[rule]
    return [f"validation holds {classes.size} class{plural} the training rows never contain: "
            f"{names}, {int(counts.sum())} of {val.size} validation rows. A model cannot predict "
            f"a class it never trained on, so the validation loss and accuracy measure that gap, "
            f"not the fit. {advice}"]


def _range_warnings(y_train, y_val, target_names, rule):
    train = np.asarray(y_train, dtype=np.float64)
    val = np.asarray(y_val, dtype=np.float64)
    train = train.reshape(train.shape[0], -1)
    val = val.reshape(val.shape[0], -1)
    if train.shape[1] != val.shape[1]:
        raise InvalidOptionError(f"y_train has {train.shape[1]} target columns but y_val "
                                 f"{val.shape[1]}")
    messages = []
    for j in range(train.shape[1]):
        t, v = train[:, j][np.isfinite(train[:, j])], val[:, j][np.isfinite(val[:, j])]
        if t.size == 0 or v.size == 0:
            continue
        low, high = t.min(), t.max()
        below, above = int(np.sum(v < low)), int(np.sum(v > high))
        outside = below + above
        if outside <= OUTSIDE_SHARE * v.size or outside < OUTSIDE_MIN_ROWS:
            continue
        name = "" if target_names is None else f" of {target_names[j]!r}"
        if target_names is None and train.shape[1] > 1:
            name = f" of column {j}"
        advice = {
            "last": "The validation rows are the last ones (validation_split's rule, as Keras "
                    "takes them): the rows may be sorted, by time or by value. Set "
                    "validation_shuffle=True (the command line's default) for seeded random "
                    "validation rows, or shuffle the rows first.",
            "shuffled": f"The validation rows were drawn at random: {t.size} training rows are "
                        "too few for this spread; use a smaller validation fraction or more rows.",
            "given": "validation_data lies outside the training range: the model is asked to "
                     "extrapolate.",
        }[rule]
        messages.append(
            f"{outside} of {v.size} validation targets{name} ({outside / v.size:.0%}) lie outside "
            f"the training targets' range [{low:.4g}, {high:.4g}] ({below} below, {above} above), "
            f"where a random split puts about {2 / (t.size + 1):.0%}: validation measures "
            f"extrapolation, not the fit. {advice}")
    return messages


def validation_warnings(task, y_train, y_val, *, label_names=None, target_names=None,
                        rule="last"):
    """Why the validation rows may not measure the fit, in words; an empty list when none.

    Two checks, whatever chose the validation rows:

    - classification: validation holds classes the training rows never contain (the last rows of
      a table sorted by class). A model cannot predict an unseen class.
    - regression, per target column: more than half of the validation targets, and at least 3,
      lie outside the training targets' [min, max]. Were training and validation rows
      exchangeable (a random split), a validation target would lie outside the range of
      ``n_train`` training targets with probability ``2 / (n_train + 1)`` (it would be the
      smallest or largest of ``n_train + 1`` values): under 10% from 20 training rows. More than
      half outside is what a table sorted by its target, or by time with a trend, gives when the
      last rows validate: validation then measures extrapolation. The 3 rows keep one or two
      validation rows from warning by chance.

    Parameters
    ----------
    task : {"regression", "classification"}
    y_train : array-like of shape (n_train,) or (n_train, k)
        Raw targets: numbers for regression; class labels (integers or strings) for
        classification, or training's encoded labels (one-hot (n, k) or 0/1 (n, 1)).
    y_val : array-like of shape (n_val,) or (n_val, k)
        The same for the validation rows.
    label_names : sequence, optional
        The class of each integer code, to name classes given as codes.
    target_names : sequence of str, optional
        The name of each regression target column.
    rule : {"last", "shuffled", "given"}
        What chose the validation rows (the last ones, seeded random ones, or validation_data);
        it decides the advice.

    Returns
    -------
    list of str
        One message per problem, each naming the classes or the column, the counts and the fix.

    Examples
    --------
    >>> validation_warnings("classification", ["a", "a", "b"], ["c", "c"])[0][:60]
    "validation holds 1 class the training rows never contain: 'c"
    >>> y = np.arange(10.0)  # sorted by value; the last 3 validate
    >>> validation_warnings("regression", y[:7], y[7:])[0][:40]
    '3 of 3 validation targets (100%) lie out'
    >>> validation_warnings("regression", y[::2], y[1::2])
    []
    """
    if task not in ("regression", "classification"):
        raise InvalidOptionError(f"unknown task {task!r}; choose classification or regression")
    if rule not in _RULES:
        raise InvalidOptionError(f"unknown rule {rule!r}; choose one of {', '.join(_RULES)}")
    if len(y_train) == 0 or len(y_val) == 0:
        return []
    if task == "classification":
        return _class_warnings(y_train, y_val, label_names, rule)
    return _range_warnings(y_train, y_val, target_names, rule)
