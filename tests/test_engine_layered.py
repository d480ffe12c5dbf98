"""The layered parameter layout of wide networks against the flat one, and its step guard.

Networks of at least ``_static.LAYERS_FROM`` parameters train with per-layer (W, b) pairs,
members one after another and a guard in every step (``nnfit._steps``); smaller ones with one
flat vector under ``vmap``. The tests lower the threshold so that small networks take the
layered path, and compare it with the flat one on the same fits (float64: the two layouts round
differently, so they agree to rounding, not bit for bit).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from nnfit import _flatnet, _static

RNG = np.random.default_rng(15)
X = RNG.normal(size=(50, 2))
Y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 + RNG.normal(scale=0.1, size=50)


def _fit(monkeypatch, layered, **options):
    monkeypatch.setattr(_static, "LAYERS_FROM", 1 if layered else 1 << 16)
    options = {"epochs": 40, "dtype": "float64", "seed": 3, **options}
    return nnfit.fit(nnfit.MLP(hidden=(8, 8), activation=options.pop("activation", "relu")),
                     X, options.pop("y", Y), **options)


CASES = {
    # shuffled batches of 16 with a short last batch of 2 rows (computed at its own size)
    "minibatches": dict(batch_size=16, learning_rate=0.01),
    "validation, early stopping, best weights": dict(
        batch_size=8, learning_rate=0.05, validation_split=0.2, early_stopping=True,
        n_iter_no_change=3, tol=0.0, epochs=200),
    "members with penalties": dict(n_members=3, batch_size=16, learning_rate=0.01,
                                   l1=[[0.0], [0.01], [0.0]], l2=[[0.0], [0.0], [0.001]]),
    "full batch to a target": dict(batch_size=None, learning_rate=0.01, epochs=3000,
                                   target_loss=0.2, activation="tanh"),
    "sgd, tanh": dict(optimizer="sgd", learning_rate=0.05, batch_size=10, activation="tanh"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_layered_layout_trains_as_the_flat_one(monkeypatch, case):
    flat = _fit(monkeypatch, False, **CASES[case])
    layered = _fit(monkeypatch, True, **CASES[case])
    assert layered.stop_reasons == flat.stop_reasons
    np.testing.assert_array_equal(layered.epochs_run, flat.epochs_run)
    for name in ("loss", "mse"):
        np.testing.assert_allclose(layered.histories[name], flat.histories[name], rtol=1e-9)
    for (W1, b1), (W2, b2) in zip(layered.params, flat.params):
        np.testing.assert_allclose(W1, W2, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(b1, b2, rtol=1e-8, atol=1e-12)


def test_layered_divergence_keeps_the_last_good_parameters(monkeypatch):
    monkeypatch.setattr(_static, "LAYERS_FROM", 1)
    X1 = RNG.normal(size=(50, 1)) * 100
    with pytest.raises(nnfit.TrainingDiverged) as err:
        nnfit.fit(nnfit.MLP(hidden=(8,), activation="relu"), X1, X1[:, 0] * 1000,
                  optimizer="sgd", learning_rate=10.0, epochs=50, batch_size=None)
    partial = err.value.fit
    assert partial.stop_reasons == ["diverged"] and len(partial.history) < 50
    assert np.all(np.isfinite(partial.history.loss))
    assert all(np.all(np.isfinite(W)) and np.all(np.isfinite(b)) for W, b in partial.params)


def _layer_terms(params, X, y, probes, l1, l2):
    net = nnfit.MLP(hidden=(6, 5), activation="tanh").build(3, 1, X)
    logits, peaks = _flatnet._forward(net, params, X, probes)
    pen = _flatnet.penalty(params, l1, l2)
    return jnp.mean((logits - y) ** 2) + pen, (pen, peaks)


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_gradient_bound_bounds_every_gradient_and_flags_non_finite_ones(scale):
    X = jnp.asarray(RNG.normal(size=(7, 3)) * scale)
    y = jnp.asarray(RNG.normal(size=(7, 1)))
    sizes = (3, 6, 5, 1)
    params = [(jnp.asarray(RNG.normal(size=(a, b)) * scale), jnp.asarray(RNG.normal(size=b)))
              for a, b in zip(sizes[:-1], sizes[1:])]
    probes = [jnp.zeros((7, b)) for b in sizes[1:]]
    l1, l2 = jnp.asarray([0.0, 0.1, 0.0]), jnp.asarray([0.01, 0.0, 0.2])
    (loss, (pen, peaks)), (grads, deltas) = jax.value_and_grad(
        _layer_terms, argnums=(0, 3), has_aux=True)(params, X, y, probes, l1, l2)
    bound = float(_flatnet.gradient_bound(peaks, deltas, pen, l1, l2))
    largest = max(float(jnp.max(jnp.abs(g))) for g in jax.tree.leaves(grads))
    assert np.isfinite(bound) and largest <= bound
    # the probes' gradients are the layers' output gradients: the bias gradients are their sums
    for (_, db), delta in zip(grads, deltas):
        np.testing.assert_allclose(db, delta.sum(axis=0), rtol=1e-12)
    for bad in (np.nan, np.inf):
        broken = [d.at[2, 0].set(bad) if i == 1 else d for i, d in enumerate(deltas)]
        assert not np.isfinite(float(_flatnet.gradient_bound(peaks, broken, pen, l1, l2)))
        assert not np.isfinite(float(_flatnet.gradient_bound(
            [p if i != 2 else jnp.asarray(bad) for i, p in enumerate(peaks)], deltas, pen,
            l1, l2)))
