"""The training program's own forms of the network and its state, against the public ones."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from nnfit import _flatnet, engine, objectives, optim
from nnfit.mlp import flatten_params, unflatten_params

RNG = np.random.default_rng(3)


def _static(spec, n_inputs, n_outputs):
    return engine.Static(spec=spec, n_inputs=n_inputs, n_outputs=n_outputs, loss="mse",
                         task="regression", optimizer=optim.Adam(),
                         schedule="constant", schedule_options=(), batch_size=8, n_batches=1,
                         shuffle=False, chunk=4, has_validation=False, early_stopping=False,
                         patience=1)


@pytest.mark.parametrize("activation", ["relu", "tanh", ("sigmoid", "elu")])
@pytest.mark.parametrize("normalize", [False, True])
def test_augmented_layers_compute_network_apply(activation, normalize):
    """[h, 1] @ [W; b] on normalised, augmented inputs is Network.apply's function."""
    hidden = (5, 4) if isinstance(activation, tuple) else (6,)
    spec = nnfit.MLP(hidden=hidden, activation=activation, normalize=normalize)
    X = RNG.normal(3.0, 2.0, size=(13, 3))
    net = spec.build(3, 2, X)
    params = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64))
              for W, b in net.init(jax.random.key(0), jnp.float64)]
    static = _static(spec, 3, 2)
    flat = flatten_params(params)
    got = _flatnet.forward(net, _flatnet.matrices(static, flat), _flatnet.inputs(net, jnp.asarray(X)))
    want = net.apply(params, jnp.asarray(X), logits=True)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=1e-12)
    # the penalty of the [W; b] matrices is the penalty of the W's alone
    l1, l2 = jnp.asarray([0.1, 0.2, 0.3][:len(params)]), jnp.asarray([0.3, 0.4, 0.5][:len(params)])
    assert float(_flatnet.penalty(_flatnet.matrices(static, flat), l1, l2)) == pytest.approx(
        float(objectives.penalty(params, l1, l2)), rel=1e-12)


def test_unflatten_keeps_a_leading_member_axis():
    sizes = (3, 4, 2)
    members = [[(RNG.normal(size=(a, b)), RNG.normal(size=b)) for a, b in zip(sizes[:-1], sizes[1:])]
               for _ in range(3)]
    stacked = np.stack([flatten_params(p) for p in members])
    for (W, b), *per_member in zip(unflatten_params(stacked, sizes),
                                   *[unflatten_params(flatten_params(p), sizes) for p in members]):
        np.testing.assert_array_equal(W, np.stack([m[0] for m in per_member]))
        np.testing.assert_array_equal(b, np.stack([m[1] for m in per_member]))


def test_penalty_left_out_equals_a_zero_penalty():
    params = [(jnp.asarray(RNG.normal(size=(3, 4))), jnp.zeros(4))]
    l2 = jnp.asarray([0.3])
    assert float(objectives.penalty(params, None, l2)) == float(
        objectives.penalty(params, jnp.zeros(1), l2))
    assert float(objectives.penalty(params, None, None)) == 0.0


def test_curve_is_the_history_column_without_the_table():
    X = RNG.normal(size=(40, 2))
    y = X[:, 0] - X[:, 1] ** 2
    # three members stopping at different epochs: the curve averages the members still running
    fit = nnfit.fit(nnfit.MLP(hidden=(4,)), X, y, epochs=60, learning_rate=[0.3, 0.01, 0.001],
                    validation_split=0.25, early_stopping=True, n_iter_no_change=3, tol=1e-3,
                    dtype="float64")
    assert len(set(fit.epochs_run)) > 1
    for name in ("loss", "val_mse"):
        curve = fit.curve(name)  # before the table is built
        np.testing.assert_allclose(curve, fit.mean_history[name].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(fit.curve(name), curve, rtol=0)  # and after
    one = nnfit.fit(nnfit.MLP(hidden=(4,)), X, y, epochs=5)
    np.testing.assert_array_equal(one.curve("mae"), one.history["mae"].to_numpy())
