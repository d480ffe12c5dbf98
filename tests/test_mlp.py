"""The MLP core: shapes, activations, initialisers, summary counts, linear collapse."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from nnfit.mlp import ACTIVATIONS

RNG = np.random.default_rng(0)


def test_param_shapes_and_apply_shape():
    net = nnfit.MLP(hidden=(3, 4), activation="tanh").build(n_inputs=2, n_outputs=3)
    params = net.init(jax.random.key(0))
    assert [(W.shape, b.shape) for W, b in params] == [((2, 3), (3,)), ((3, 4), (4,)), ((4, 3), (3,))]
    assert net.apply(params, jnp.ones((7, 2))).shape == (7, 3)
    outs = net.layer_outputs(params, jnp.ones((7, 2)))
    assert [o.shape for o in outs] == [(7, 2), (7, 3), (7, 4), (7, 3)]


def test_summary_counts_match_seed_000_keras_tables():
    X = np.c_[np.ones(10), RNG.normal(size=10)]
    linear = nnfit.MLP(hidden=(), normalize=True).build(2, 1, X=X)
    assert linear.parameter_counts() == (8, 3, 5)
    deep = nnfit.MLP(hidden=(5, 5), activation="linear", normalize=True).build(2, 1, X=X)
    assert deep.parameter_counts() == (56, 51, 5)
    text = deep.summary()
    assert "Total params: 56" in text and "Trainable params: 51" in text
    assert "Non-trainable params: 5" in text
    wide = nnfit.MLP(hidden=(100,) * 5, activation="sigmoid", normalize=True).build(2, 1, X=X)
    assert wide.parameter_counts() == (40806, 40801, 5)  # seed 000's six-layer table


def test_normalisation_uses_training_mean_and_variance():
    X = RNG.normal(3.0, 2.0, size=(50, 2))
    net = nnfit.MLP(hidden=(), normalize=True).build(2, 1, X=X)
    Z = np.asarray(net.normalized(jnp.asarray(X, jnp.float32)))
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-5)
    # a constant column (seed 000's x0 = 1) maps to 0 instead of dividing by zero
    net = nnfit.MLP(hidden=(), normalize=True).build(2, 1, X=np.c_[np.ones(5), np.arange(5.0)])
    assert np.all(np.asarray(net.normalized(jnp.ones((3, 2)))[:, 0]) == 0)


def test_stack_of_linear_layers_equals_the_product_map():
    net = nnfit.MLP(hidden=(5, 4, 3), activation="linear").build(2, 2)
    params = net.init(jax.random.key(3))
    W, b = np.eye(2), np.zeros(2)
    for Wl, bl in params:
        W, b = W @ np.asarray(Wl), b @ np.asarray(Wl) + np.asarray(bl)
    X = RNG.normal(size=(20, 2)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(net.apply(params, jnp.asarray(X))), X @ W + b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("init", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "normal", "uniform"])
def test_initialisers_have_their_documented_scale(init):
    net = nnfit.MLP(hidden=(400,), init=init, init_scale=0.3).build(300, 1)
    W = np.asarray(net.init(jax.random.key(0))[0][0])
    expected = {"glorot_uniform": np.sqrt(2 / 700), "glorot_normal": np.sqrt(2 / 700),
                "he_uniform": np.sqrt(2 / 300), "he_normal": np.sqrt(2 / 300),
                "normal": 0.3, "uniform": 0.3 / np.sqrt(3)}[init]
    assert W.std() == pytest.approx(expected, rel=0.05)


def test_per_layer_seeding_keeps_other_layers_when_one_widens():
    a = nnfit.MLP(hidden=(4, 6), bias_init="normal").build(1, 1).init(jax.random.key(0))
    b = nnfit.MLP(hidden=(4, 9), bias_init="normal").build(1, 1).init(jax.random.key(0))
    np.testing.assert_array_equal(a[0][0], b[0][0])
    np.testing.assert_array_equal(a[0][1], b[0][1])


def test_same_key_same_params_and_different_key_different_params():
    net = nnfit.MLP(hidden=(3,)).build(1, 1)
    p0, p1 = net.init(jax.random.key(0)), net.init(jax.random.key(0))
    q = net.init(jax.random.key(1))
    np.testing.assert_array_equal(p0[0][0], p1[0][0])
    assert not np.allclose(p0[0][0], q[0][0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients_match_finite_differences(name):
    with jax.enable_x64(True):
        f = ACTIVATIONS[name]
        x = jnp.asarray(np.linspace(-2.3, 2.1, 9), jnp.float64)
        grad = jax.vmap(jax.grad(lambda z: f(z)))(x)
        h = 1e-6
        fd = (f(x + h) - f(x - h)) / (2 * h)
        np.testing.assert_allclose(np.asarray(grad), np.asarray(fd), rtol=1e-6, atol=1e-8)


def test_gelu_is_exact_by_default_and_tanh_form_on_request():
    from scipy.special import erf

    z = np.linspace(-6.0, 6.0, 241)
    exact = 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))
    tanh_form = 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z ** 3)))
    assert np.max(np.abs(exact - tanh_form)) > 1e-4  # the two forms are told apart below
    with jax.enable_x64(True):
        zj = jnp.asarray(z, jnp.float64)
        np.testing.assert_allclose(np.asarray(ACTIVATIONS["gelu"](zj)), exact, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(ACTIVATIONS["gelu_tanh"](zj)), tanh_form,
                                   rtol=1e-12, atol=1e-14)
    # and through a built network: one unit with weight 1, bias 0, output weight 1
    net = nnfit.MLP(hidden=(1,), activation="gelu").build(1, 1)
    params = [(jnp.ones((1, 1)), jnp.zeros(1)), (jnp.ones((1, 1)), jnp.zeros(1))]
    out = np.asarray(net.apply(params, jnp.asarray(z[:, None], jnp.float32)))[:, 0]
    np.testing.assert_allclose(out, exact, rtol=1e-5, atol=1e-6)
    assert nnfit.MLP(hidden=(2,), activation="gelu_tanh").activation == ("gelu_tanh",)


def test_sklearn_and_keras_activation_names_are_accepted():
    spec = nnfit.MLP(hidden=(2, 2), activation=("identity", "logistic"))
    assert spec.activation == ("linear", "sigmoid")


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="bogus"), "bogus"),
    (dict(hidden=(5, 0)), "0"),
    (dict(hidden=(-3,)), "-3"),
    (dict(hidden=(5, 5), activation=("relu",)), "one per hidden layer"),
    (dict(output="softplus"), "softplus"),
    (dict(init="xavier"), "xavier"),
])
def test_bad_specs_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nnfit.MLP(**kwargs)


def test_flatten_and_unflatten_are_inverse_for_numpy_and_jax():
    from nnfit.mlp import flatten_params, unflatten_params
    net = nnfit.MLP(hidden=(3, 2)).build(2, 1)
    params = net.init(jax.random.key(0))
    flat = flatten_params(params)
    assert flat.shape == (2 * 3 + 3 + 3 * 2 + 2 + 2 + 1,) and isinstance(flat, jax.Array)
    back = unflatten_params(flat, net.layer_sizes)
    for (W, b), (W2, b2) in zip(params, back):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    host = flatten_params([(np.asarray(W), np.asarray(b)) for W, b in params])
    assert isinstance(host, np.ndarray)
    np.testing.assert_array_equal(host, np.asarray(flat))


def test_import_stays_light():
    import subprocess
    import sys
    code = ("import sys, nnfit; nnfit.MLP; nnfit.fit; nnfit.Fit; "
            "print(*(m in sys.modules for m in ('matplotlib', 'pandas', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.split() == ["False", "False", "False"]
