"""The generators behind ``nnfit.load_dataset``: the seed documents' problems and the
TensorFlow Playground's 2-D sets.

Each generator takes its parameters as keywords, with the seed document's values as defaults,
checks them, and returns the arrays of a :class:`nnfit.datasets.Dataset` as a dict (``X``, ``y``
and, where the problem has its own validation data, ``X_val``, ``y_val``). Randomness comes from a
generator made from ``seed`` inside the call: ``np.random.RandomState(seed)`` where the seed
document used NumPy's legacy API (so its numbers come out exactly), ``np.random.default_rng(seed)``
elsewhere.

Row order matters: Keras' ``validation_split`` (``nnfit.fit``'s default rule) validates on the
last rows. Generators that build their rows class by class (circle, gauss, spiral) end with a
permutation drawn from the same generator, after every other draw, so the points are those of
before in a seeded random order, as the Playground itself shuffles its points before splitting
them; the rows no longer end with one class. The seed documents' problems keep the seeds' order,
which their numbers depend on: make_regression's rows are already shuffled, the random draws of
"line", "gd_line" and "capacity" are in no order, and "cube_root" is seed 002's
``np.linspace(0, 1)``, sorted by x (its last rows, were they to validate, are the right end of
the curve: an extrapolation, which ``nnfit.fit`` warns about).
"""

from __future__ import annotations

import numpy as np

from nnfit._checks import check_number

REGISTRY = {}  # name -> (generator, task, description)


def _register(name, task, description):
    def add(generator):
        REGISTRY[name] = (generator, task, description)
        return generator
    return add


def _count(n_samples, low=2):
    return check_number("n_samples", n_samples, low=low, integer=True)


def _seeded(seed, noise, high=None, name="noise"):
    check_number("seed", seed, low=0, integer=True)
    check_number(name, noise, low=0, high=high)


def _make_regression(n_samples, noise, seed, bias):
    """scikit-learn's ``make_regression(n_features=1, ...)``, draw for draw, without importing it.

    The same calls on one ``RandomState`` in the same order (inputs, the coefficient, the noise,
    the row shuffle, the one-feature shuffle), so the arrays are bit-identical to scikit-learn's
    (a test compares them); importing scikit-learn would cost a short script over half a second.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    """
    _seeded(seed, noise)
    n = _count(n_samples)
    rng = np.random.RandomState(seed)
    X = rng.standard_normal(size=(n, 1))
    coef = 100 * rng.uniform(size=(1, 1))
    y = np.dot(X, coef) + bias
    if noise > 0.0:
        y += rng.normal(scale=noise, size=y.shape)
    rows = np.arange(n)
    rng.shuffle(rows)
    X, y = X[rows], y[rows]
    rng.shuffle(np.arange(1))  # the feature shuffle: one feature, but it still draws
    return X, np.squeeze(y)


@_register("linear", "regression", "Seed 000: sklearn make_regression(n_features=1, noise=30, "
           "random_state=42, bias=100), 100 samples; the closed-form fit with intercept is "
           "theta = [103.49534596, 49.82930935].")
def _linear(n_samples=100, noise=30.0, seed=42, bias=100.0):
    X, y = _make_regression(n_samples, noise, seed, bias)
    return dict(X=X, y=y)


@_register("cubic", "regression", "Seed 000: make_regression(n_features=1, noise=20, "
           "random_state=42, bias=100, n_samples=500), then the feature is cubed (x1 = X**3) and "
           "y is kept, so y is linear in the cube root of x1, plus noise.")
def _cubic(n_samples=500, noise=20.0, seed=42, bias=100.0):
    X, y = _make_regression(n_samples, noise, seed, bias)
    return dict(X=X**3, y=y)


@_register("sine", "regression", "Seed 000's 'sine wave': X, y = make_regression(n_features=1, "
           "noise=10, random_state=42, n_samples=500); the seed then takes make_regression's y "
           "as the feature x1 and sin(4 * X) as the target, and so does this set.")
def _sine(n_samples=500, noise=10.0, seed=42):
    X, y = _make_regression(n_samples, noise, seed, 0.0)
    return dict(X=y[:, None], y=np.sin(4.0 * X[:, 0]))


@_register("line", "regression", "Seed 001: N = 200, x ~ U(0, 1), y = 3x + normal noise of sd 0.1, "
           "drawn in that order from np.random.RandomState(seed); the seed document was "
           "unseeded, seed 0 is nnfit's choice.")
def _line(n_samples=200, slope=3.0, noise=0.1, seed=0):
    _seeded(seed, noise)
    check_number("slope", slope)
    rs = np.random.RandomState(seed)  # the seed's legacy API, locally
    x = rs.rand(_count(n_samples))
    return dict(X=x[:, None], y=slope * x + rs.normal(0.0, noise, x.shape[0]))


@_register("cube_root", "regression", "Seed 002: X = np.linspace(0, 1) (50 points), "
           "y = X ** (1/3), no noise; stop=10 gives the seed's extrapolation range.")
def _cube_root(n_samples=50, start=0.0, stop=1.0):
    check_number("start", start, low=0)
    check_number("stop", stop, low=start, low_open=True)
    x = np.linspace(start, stop, _count(n_samples))
    return dict(X=x[:, None], y=x ** (1.0 / 3.0))


@_register("gd_line", "regression", "Seed 003: np.random.seed(0); X = 2 * np.random.rand(100, 1); "
           "y = 4 + 3 * X + np.random.randn(100, 1), reproduced exactly with a local "
           "RandomState(0); the closed form is theta = [4.22215108, 2.96846751].")
def _gd_line(n_samples=100, noise=1.0, seed=0):
    _seeded(seed, noise)
    rs = np.random.RandomState(seed)
    X = 2 * rs.rand(_count(n_samples), 1)
    y = 4 + 3 * X + noise * rs.randn(X.shape[0], 1)
    return dict(X=X, y=y[:, 0])


def capacity_mean(x):
    """The noiseless curve of "capacity", for x of any shape: 0.6 u sin(4 pi u), u = (x + 3) / 6."""
    u = (np.asarray(x, dtype=np.float64) + 3.0) / 6.0
    return 0.6 * u * np.sin(4 * np.pi * u)


def capacity_boundary(x1):
    """The class boundary of "capacity_classification": the parabola x2 = x1**2 / 3 - 1.5."""
    return np.asarray(x1, dtype=np.float64) ** 2 / 3.0 - 1.5


def capacity_label(X):
    """The noiseless class of "capacity_classification" for X of shape (n, 2): (n,) int64,
    1 above :func:`capacity_boundary`."""
    return (X[:, 1] > capacity_boundary(X[:, 0])).astype(np.int64)


def _two_streams(seed):
    # Independent streams, so n_val never changes the training rows and n_samples never the
    # validation rows.
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]


# Seed 004's inputs span [-3, 3]: on [0, 1] the seed's RandomNormal(0.05) networks, whose biases
# are as large as their weights, bend almost nowhere inside the data and stall for tens of epochs
# before fitting (benchmarks/explore_seed004.py), and penalties shrink them to a constant meanwhile.
@_register("capacity", "regression", "Seed-004-like (the seed's data generation is not shown; "
           "this is not its data): x ~ U(-3, 3), y = 0.6 u sin(4 pi u) + N(0, 0.14^2) with "
           "u = (x + 3) / 6, 50 training and 1000 validation points as the seed's evaluate() "
           "counts show. The noise variance 0.0196 puts a well-fitted model's validation MSE near "
           "0.02-0.03, and an overfitting one's training MSE near 0.01, as in the seed's table.")
def _capacity(n_samples=50, n_val=1000, noise=0.14, seed=0):
    _seeded(seed, noise)
    parts = []
    for rng, n in zip(_two_streams(seed), [_count(n_samples), _count(n_val, low=1)]):
        x = rng.uniform(-3.0, 3.0, n)
        parts += [x[:, None], capacity_mean(x) + noise * rng.normal(size=n)]
    return dict(zip(["X", "y", "X_val", "y_val"], parts))


@_register("capacity_classification", "classification", "Seed-004-like binary problem (the "
           "seed's data are not shown): 2 features (the seed's first layer has 3072 = 1024 * "
           "(2 + 1) parameters) uniform on [-3, 3]^2, class 1 above the parabola "
           "x2 = x1^2 / 3 - 1.5, each label flipped with probability label_noise = 0.1, so the "
           "best achievable accuracy is 1 - label_noise = 0.90 (the seed reports 0.88-0.90); "
           "200 training and 10000 validation points.")
def _capacity_classification(n_samples=200, n_val=10000, label_noise=0.1, seed=0):
    _seeded(seed, label_noise, high=0.5, name="label_noise")
    parts = []
    for rng, n in zip(_two_streams(seed), [_count(n_samples), _count(n_val, low=1)]):
        X = rng.uniform(-3.0, 3.0, (n, 2))
        flip = rng.uniform(size=n) < label_noise
        parts += [X, np.where(flip, 1 - capacity_label(X), capacity_label(X))]
    return dict(zip(["X", "y", "X_val", "y_val"], parts))


# TensorFlow Playground (src/dataset.ts), vectorised; labels -1/+1 become 0/1. Each point's noise
# moves only the position used to label it, as there. Odd n: the positive class gets the extra
# point, so the set has exactly n_samples rows.
_PLAYGROUND = ("TensorFlow Playground's {} {} points by default (the playground's number), noise "
               "in [0, 0.5] (its slider / 100), drawn from np.random.default_rng(seed){}.")
_ORDER = ", in a random order from the same generator, as the playground shuffles them"


def _halves(n_samples):
    n = _count(n_samples)
    return n - n // 2, n // 2


def _shuffled(rng, X, y):
    """The rows in a random order from ``rng`` (its last draw): for sets built class by class."""
    order = rng.permutation(X.shape[0])
    return dict(X=X[order], y=y[order])


@_register("circle", "classification", _PLAYGROUND.format(
    "classifyCircleData: class 1 at radius < 2.5, class 0 at radius 3.5 to 5, each labelled by "
    "whether its noisy position lies within radius 2.5;", 500, _ORDER))
def _circle(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, (n_in, n_out) = np.random.default_rng(seed), _halves(n_samples)
    r = np.concatenate([rng.uniform(0.0, 2.5, n_in), rng.uniform(3.5, 5.0, n_out)])
    angle = rng.uniform(0.0, 2 * np.pi, r.shape[0])
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = X + noise * rng.uniform(-5.0, 5.0, X.shape)
    return _shuffled(rng, X, (np.hypot(noisy[:, 0], noisy[:, 1]) < 2.5).astype(np.int64))


@_register("xor", "classification", _PLAYGROUND.format(
    "classifyXORData: x1, x2 ~ U(-5, 5) pushed 0.3 away from the axes, class 1 where the noisy "
    "x1 * x2 >= 0;", 500, ""))
def _xor(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng = np.random.default_rng(seed)
    u = rng.uniform(-5.0, 5.0, (_count(n_samples), 2))
    X = u + np.where(u > 0, 0.3, -0.3)
    noisy = X + noise * rng.uniform(-5.0, 5.0, X.shape)
    return dict(X=X, y=(noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64))


@_register("gauss", "classification", _PLAYGROUND.format(
    "classifyTwoGaussData: class 1 around (2, 2), class 0 around (-2, -2), variance "
    "0.5 + 7 * noise;", 500, _ORDER))
def _gauss(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, (n_pos, n_neg) = np.random.default_rng(seed), _halves(n_samples)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])
    centre = np.where(y == 1, 2.0, -2.0)[:, None]
    return _shuffled(rng, rng.normal(centre, np.sqrt(0.5 + 7.0 * noise), (y.shape[0], 2)), y)


@_register("spiral", "classification", _PLAYGROUND.format(
    "classifySpiralData: two interleaved spirals, r = 5 i / n, t = 1.75 * 2 pi i / n (+ pi for "
    "class 0), positions jittered by U(-1, 1) * noise;", 500, _ORDER))
def _spiral(n_samples=500, noise=0.0, seed=0):
    _seeded(seed, noise, high=0.5)
    rng, parts = np.random.default_rng(seed), []
    for n, shift in zip(_halves(n_samples), [0.0, np.pi]):
        i = np.arange(n) / n
        r, t = 5 * i, 1.75 * i * 2 * np.pi + shift
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.concatenate(parts)
    y = np.repeat(np.array([1, 0], dtype=np.int64), [len(p) for p in parts])
    return _shuffled(rng, X + noise * rng.uniform(-1.0, 1.0, X.shape), y)


def _noisy_square(n_samples, noise, seed):
    _seeded(seed, noise, high=0.5)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6.0, 6.0, (_count(n_samples), 2))
    return X, X + noise * rng.uniform(-6.0, 6.0, X.shape)


@_register("plane", "regression", _PLAYGROUND.format(
    "regressPlane: x1, x2 ~ U(-6, 6), y = (x1 + x2) / 10 at the noisy position;", 1200, ""))
def _plane(n_samples=1200, noise=0.0, seed=0):
    X, noisy = _noisy_square(n_samples, noise, seed)
    return dict(X=X, y=noisy.sum(axis=1) / 10.0)


# the playground's regressGaussian bumps: centre x, centre y, sign
GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                      [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)


@_register("multi_gaussian", "regression", _PLAYGROUND.format(
    "regressGaussian: six signed bumps max(0, 1 - d / 2) at (+-4 or 0, +-2.5); y is the bump of "
    "largest magnitude at the noisy position;", 1200, ""))
def _multi_gaussian(n_samples=1200, noise=0.0, seed=0):
    X, noisy = _noisy_square(n_samples, noise, seed)
    d = np.hypot(noisy[:, None, 0] - GAUSSIANS[:, 0], noisy[:, None, 1] - GAUSSIANS[:, 1])
    bumps = GAUSSIANS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    # argmax takes the first of equal magnitudes, as the playground's strict '>' does
    return dict(X=X, y=bumps[np.arange(X.shape[0]), np.argmax(np.abs(bumps), axis=1)])
