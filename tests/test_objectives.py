"""Losses and penalties: values against NumPy references, gradients against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nnfit import objectives

RNG = np.random.default_rng(1)


def _reference(name, y, z):
    """NumPy definitions (Keras' for the mean losses, seed 001's for sse)."""
    if name == "mse":
        return np.mean((y - z) ** 2)
    if name == "sse":
        return 0.5 * np.sum((y - z) ** 2)
    if name == "mae":
        return np.mean(np.abs(y - z))
    if name == "huber":
        r = np.abs(y - z)
        return np.mean(np.where(r <= 1, 0.5 * r ** 2, r - 0.5))
    if name == "poisson":  # half the deviance, through the exp output's log link
        from scipy.special import xlogy

        return np.mean(xlogy(y, y) - y * z - y + np.exp(z))
    if name == "binary_crossentropy":
        p = 1 / (1 + np.exp(-z))
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.sum(y * np.log(p), axis=1))


def _targets(name, n, k):
    if name == "binary_crossentropy":
        return RNG.integers(0, 2, size=(n, 1)).astype(float)
    if name == "categorical_crossentropy":
        return np.eye(k)[RNG.integers(0, k, size=n)]
    if name == "poisson":  # counts
        return RNG.poisson(2.0, size=(n, k)).astype(float)
    return RNG.normal(size=(n, k))


@pytest.mark.parametrize("name", sorted(objectives.LOSSES))
def test_loss_values_match_numpy(name):
    k = 1 if name == "binary_crossentropy" else 3
    y, z = _targets(name, 11, k), RNG.normal(scale=2.0, size=(11, k))
    with jax.enable_x64(True):
        value = objectives.LOSSES[name](jnp.asarray(y), jnp.asarray(z), jnp.ones(11))
    assert float(value) == pytest.approx(_reference(name, y, z), rel=1e-10)


@pytest.mark.parametrize("name", sorted(objectives.LOSSES))
def test_masked_rows_do_not_count(name):
    """The padded short last batch: a zero weight removes a row exactly."""
    k = 1 if name == "binary_crossentropy" else 2
    y, z = _targets(name, 8, k), RNG.normal(size=(8, k))
    mask = np.r_[np.ones(5), np.zeros(3)]
    with jax.enable_x64(True):
        masked = objectives.LOSSES[name](jnp.asarray(y), jnp.asarray(z), jnp.asarray(mask))
        subset = objectives.LOSSES[name](jnp.asarray(y[:5]), jnp.asarray(z[:5]), jnp.ones(5))
    assert float(masked) == pytest.approx(float(subset), rel=1e-12)


@pytest.mark.parametrize("name", sorted(objectives.LOSSES))
def test_loss_gradients_match_finite_differences(name):
    k = 1 if name == "binary_crossentropy" else 3
    y, z0 = _targets(name, 6, k), RNG.normal(size=(6, k))
    w = RNG.uniform(0.5, 2.0, size=6)
    with jax.enable_x64(True):
        f = lambda z: objectives.LOSSES[name](jnp.asarray(y), z, jnp.asarray(w))  # noqa: E731
        grad = np.asarray(jax.grad(f)(jnp.asarray(z0)))
        fd = np.zeros_like(z0)
        h = 1e-6
        for idx in np.ndindex(z0.shape):
            e = np.zeros_like(z0)
            e[idx] = h
            fd[idx] = (float(f(jnp.asarray(z0 + e))) - float(f(jnp.asarray(z0 - e)))) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_penalty_is_per_layer_on_weights_only():
    params = [(RNG.normal(size=(2, 3)), RNG.normal(size=3)), (RNG.normal(size=(3, 1)), RNG.normal(size=1))]
    l1, l2 = np.array([0.1, 0.0]), np.array([0.0, 0.01])
    expected = 0.1 * np.abs(params[0][0]).sum() + 0.01 * (params[1][0] ** 2).sum()
    with jax.enable_x64(True):
        jparams = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
        value = objectives.penalty(jparams, jnp.asarray(l1), jnp.asarray(l2))
        assert float(value) == pytest.approx(expected, rel=1e-12)
        grads = jax.grad(objectives.penalty)(jparams, jnp.asarray(l1), jnp.asarray(l2))
    np.testing.assert_allclose(np.asarray(grads[0][0]), 0.1 * np.sign(params[0][0]))
    np.testing.assert_allclose(np.asarray(grads[1][0]), 0.02 * params[1][0])
    assert np.all(np.asarray(grads[0][1]) == 0) and np.all(np.asarray(grads[1][1]) == 0)


def test_unknown_loss_names_the_value():
    with pytest.raises(ValueError, match="'hinge'"):
        objectives.canonical_loss("hinge", "regression")
    with pytest.raises(ValueError, match="'mse'"):
        objectives.canonical_loss("mse", "classification")
    assert objectives.canonical_loss("squared_error", "regression") == "mse"
