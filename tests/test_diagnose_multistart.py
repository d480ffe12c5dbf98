"""Multi-start: symmetry removal keeps the function and is invariant; seed 002's starts differ in
parameters and agree inside the data, not outside it."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

RNG = np.random.default_rng(3)
X2 = RNG.normal(size=(30, 2))


def apply64(network, params, X):
    with jax.enable_x64(True):
        p = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)) for W, b in params]
        return np.asarray(network.apply(p, jnp.asarray(X)))


def scramble(network, params, rng):
    """Permute the hidden units of every layer, flip odd ones, rescale homogeneous ones."""
    params = [[np.array(W), np.array(b)] for W, b in params]
    for layer, act in enumerate(network.spec.activation):
        W, b = params[layer]
        W_next, b_next = params[layer + 1]
        u = W.shape[1]
        if act in ("tanh", "sin", "sigmoid"):
            flip = rng.random(u) < 0.5
            s = np.where(flip, -1.0, 1.0)
            if act == "sigmoid":  # w sigma(z) = w - w sigma(-z)
                b_next = b_next + (W_next * flip[:, None]).sum(axis=0)
            W, b, W_next = W * s[None, :], b * s, W_next * s[:, None]
        if act == "relu":
            c = rng.uniform(0.2, 5.0, size=u)
            W, b, W_next = W * c[None, :], b * c, W_next / c[:, None]
        perm = rng.permutation(u)
        params[layer] = [W[:, perm], b[perm]]
        params[layer + 1] = [W_next[perm, :], b_next]
    return [(W, b) for W, b in params]


@pytest.mark.parametrize("hidden, activation", [
    ((5,), "tanh"), ((4, 3), "sigmoid"), ((6,), "relu"), ((3, 4), "sin"), ((4,), "elu"),
    ((4, 4), ("relu", "tanh")),
])
def test_canonical_params_keep_the_function_and_undo_the_symmetries(hidden, activation):
    fit = drawn_fit(nnfit.MLP(hidden=hidden, activation=activation, bias_init="normal",
                              init_scale=0.5), X2, X2[:, 0])
    params = fit.member_params(0)
    canonical = diagnose.canonical_params(fit.network, params)
    np.testing.assert_allclose(apply64(fit.network, canonical, X2), apply64(fit.network, params, X2),
                               rtol=1e-10, atol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(3):
        other = scramble(fit.network, params, rng)
        np.testing.assert_allclose(apply64(fit.network, other, X2), apply64(fit.network, params, X2),
                                   rtol=1e-10, atol=1e-12)
        again = diagnose.canonical_params(fit.network, other)
        for (Wa, ba), (Wc, bc) in zip(again, canonical):
            np.testing.assert_allclose(Wa, Wc, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(ba, bc, rtol=1e-10, atol=1e-12)


def test_odd_units_get_positive_weights_and_sorted_change_points():
    X = np.linspace(0, 1, 20)[:, None]
    fit = drawn_fit(nnfit.MLP(hidden=(6,), activation="tanh", bias_init="normal"), X, X[:, 0])
    (W, b), _ = diagnose.canonical_params(fit.network, fit.member_params(0))
    assert np.all(W[0] > 0)
    assert np.all(np.diff(-b / W[0]) >= 0)


@pytest.fixture(scope="module")
def seed_002_starts():
    X, y, model = diagnose.seed_002_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # least squares reports its evaluation limit
        return diagnose.multistart(model, X, y, n_starts=6, optimizer="lm", epochs=200,
                                   dtype="float64", seed=1)


def test_seed_002_starts_differ_in_parameters_but_agree_inside_the_data(seed_002_starts):
    ms = seed_002_starts
    K = 6
    assert ms.params.shape == (K, 10) and ms.canonical.shape == (K, 10)
    off = ~np.eye(K, dtype=bool)
    np.testing.assert_allclose(ms.distance, ms.distance.T)
    # equally good fits ...
    X, y, _ = diagnose.seed_002_problem()
    mse = ((ms.predictions_inside - y[None, :]) ** 2).mean(axis=1)
    assert np.all(mse < 2e-5)
    # ... with different parameters; removing permutations and sign flips explains part of it
    assert np.all(ms.distance[off] > 1.0)
    assert np.median(ms.canonical_distance[off]) < 0.5 * np.median(ms.distance[off])
    assert ms.canonical_distance[off].min() < 1.0  # some starts are one solution relabelled
    assert ms.canonical_distance[off].max() > 10.0  # others are genuinely different solutions
    # ... and whose predictions agree inside the data and part outside it
    inside, outside = ms.summary.set_index("region").loc[["inside", "outside"], "max_std"]
    assert inside < 0.01
    assert outside > 10 * inside
    assert ms.X_outside.shape == (50, 1)
    assert (ms.X_outside[:, 0] < 0).sum() == 25 and (ms.X_outside[:, 0] > 1).sum() == 25


def test_compare_starts_needs_several_members():
    fit = drawn_fit(nnfit.MLP(hidden=(3,)), X2, X2[:, 0])
    with pytest.raises(ValueError, match="n_members"):
        diagnose.compare_starts(fit, X2)
    fit = drawn_fit(nnfit.MLP(hidden=(3,)), X2, X2[:, 0], n_members=3)
    ms = diagnose.compare_starts(fit, X2)  # two inputs: no default outside grid
    assert ms.X_outside is None and list(ms.summary.region) == ["inside"]
    ms = diagnose.compare_starts(fit, X2, X_outside=X2 * 10)
    assert ms.predictions_outside.shape == (3, 30)
