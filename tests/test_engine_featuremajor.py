"""The feature-major dense layer of narrow flat programs (nnfit._featuremajor), against the
plain product: its gradients, the network it builds, and whole fits of either form."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from nnfit import _featuremajor, _flatnet, _programs, engine, optim

RNG = np.random.default_rng(11)
SHAPES = [(1, 1, 1), (2, 5, 32), (5, 5, 16), (5, 1, 7), (3, 4, 1), (16, 16, 9)]  # (k, j, rows)


def _layer(k, j, rows, dtype=np.float64):
    Wb = jnp.asarray(RNG.normal(size=(k + 1, j)), dtype)
    h = jnp.asarray(RNG.normal(size=(k, rows)), dtype)
    c = jnp.asarray(RNG.normal(size=(j, rows)), dtype)  # the weights of a scalar loss
    return Wb, h, c


DENSE = [_featuremajor.dense, _featuremajor.dense_members]  # the sums' and the product's VJP


def _loss_fm(Wb, h, c, dense=_featuremajor.dense):  # non-linear: dz differs element to element
    return jnp.sum(c * jnp.tanh(dense(Wb, h)))


def _loss_plain(Wb, h, c):
    return jnp.sum(c * jnp.tanh((h.T @ Wb[:-1] + Wb[-1][None]).T))


@pytest.mark.parametrize("dense", DENSE)
@pytest.mark.parametrize("k, j, rows", SHAPES)
def test_dense_and_its_gradients_equal_the_plain_product(k, j, rows, dense):
    with jax.enable_x64(True):
        Wb, h, c = _layer(k, j, rows)
        np.testing.assert_allclose(dense(Wb, h), (h.T @ Wb[:-1] + Wb[-1][None]).T,
                                   rtol=1e-13, atol=1e-13)
        got = jax.grad(partial(_loss_fm, dense=dense), argnums=(0, 1))(Wb, h, c)
        want = jax.grad(_loss_plain, argnums=(0, 1))(Wb, h, c)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dense", DENSE)
@pytest.mark.parametrize("k, j, rows", SHAPES)
def test_dense_gradients_equal_finite_differences(k, j, rows, dense):
    with jax.enable_x64(True):
        Wb, h, c = _layer(k, j, rows)
        gWb, gh = jax.grad(partial(_loss_fm, dense=dense), argnums=(0, 1))(Wb, h, c)
        step = 1e-6
        for grad, arg in ((gWb, 0), (gh, 1)):
            args = [np.asarray(Wb), np.asarray(h)]
            for index in np.ndindex(args[arg].shape):
                up, down = [a.copy() for a in args], [a.copy() for a in args]
                up[arg][index] += step
                down[arg][index] -= step
                fd = (_loss_fm(*map(jnp.asarray, up), c, dense)
                      - _loss_fm(*map(jnp.asarray, down), c, dense)) / (2 * step)
                assert float(grad[index]) == pytest.approx(float(fd), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("dense", DENSE)
def test_dense_vmaps_over_members_and_keeps_float32(dense):
    Wb = jnp.asarray(RNG.normal(size=(4, 3, 5)), jnp.float32)  # 4 members: k = 2, j = 5
    h = jnp.asarray(RNG.normal(size=(4, 2, 8)), jnp.float32)
    c = jnp.asarray(RNG.normal(size=(5, 8)), jnp.float32)
    got = jax.vmap(jax.grad(partial(_loss_fm, dense=dense)), in_axes=(0, 0, None))(Wb, h, c)
    want = jax.vmap(jax.grad(_loss_plain), in_axes=(0, 0, None))(Wb, h, c)
    assert got.dtype == jnp.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _static(hidden, n_inputs, n_outputs, layout="flat"):
    return engine.Static(spec=nnfit.MLP(hidden=hidden), n_inputs=n_inputs, n_outputs=n_outputs,
                         loss="mse", task="regression", optimizer=optim.Adam(),
                         schedule="constant", schedule_options=(), batch_size=8, n_batches=1,
                         shuffle=False, chunk=4, has_validation=False, early_stopping=False,
                         patience=1, layout=layout)


def test_only_narrow_flat_programs_are_feature_major():
    narrow = _featuremajor.NARROW
    assert _flatnet.feature_major(_static((5, 5), 2, 1))
    assert _flatnet.feature_major(_static((narrow,), narrow, narrow))
    assert not _flatnet.feature_major(_static((narrow + 1,), 2, 1))
    assert not _flatnet.feature_major(_static((5,), narrow + 1, 1))
    assert not _flatnet.feature_major(_static((5, 5), 2, 1, layout="layers"))
    assert not _flatnet.augmented(_static((5, 5), 2, 1))
    assert _flatnet.augmented(_static((narrow + 1,), 2, 1))


@pytest.mark.parametrize("activation", ["relu", "tanh", ("sigmoid", "elu")])
def test_feature_major_network_computes_network_apply(activation):
    hidden = (5, 4) if isinstance(activation, tuple) else (6,)
    spec = nnfit.MLP(hidden=hidden, activation=activation)
    X = RNG.normal(3.0, 2.0, size=(13, 3))
    net = spec.build(3, 2, X)
    with jax.enable_x64(True):
        params = net.init(jax.random.key(0), jnp.float64)
        mats = _flatnet.matrices(_static(hidden, 3, 2), nnfit.mlp.flatten_params(params))
        got = _flatnet.forward(net, mats, _flatnet.inputs(net, jnp.asarray(X), False), True)
        want = net.apply(params, jnp.asarray(X), logits=True)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _fit_in(form, monkeypatch, **kw):
    """A fit whose narrow flat program runs feature-major (``form="columns"``) or as products."""
    monkeypatch.setattr(_featuremajor, "NARROW", 1000 if form == "columns" else 0)
    _programs.PROGRAMS.clear()
    jax.clear_caches()  # the traced program of an equal Static would come back otherwise
    return nnfit.fit(**kw)


X3 = RNG.normal(size=(45, 3))
CASES = {
    # shuffled mini-batches with a short last one, sample weights, both penalties, validation
    "relu regression": dict(model=nnfit.MLP(hidden=(5, 5), activation="relu"), X=X3,
                            y=X3 @ [1.0, -2.0, 0.5] + np.sin(X3[:, 0]),
                            sample_weight=RNG.uniform(0.5, 2.0, 45), l1=1e-3, l2=1e-2,
                            batch_size=8, validation_split=0.2),
    "tanh members": dict(model=nnfit.MLP(hidden=(4,), activation="tanh"), X=X3,
                         y=np.c_[X3[:, 0] ** 2, X3[:, 1]], n_members=3, batch_size=16),
    "softmax classifier": dict(model=nnfit.MLP(hidden=(6,), activation="sigmoid",
                                               output="softmax"),
                               X=X3, y=(X3[:, 0] > 0).astype(int) + (X3[:, 1] > 0.5),
                               batch_size=10),
    "sigmoid classifier": dict(model=nnfit.MLP(hidden=(3,), activation="elu",
                                               output="sigmoid"),
                               X=X3, y=(X3[:, 2] > 0).astype(int), batch_size=None,
                               optimizer="lbfgs"),
}


@pytest.mark.parametrize("case", CASES)
def test_feature_major_fits_equal_product_fits(case, monkeypatch):
    kw = dict(epochs=12, dtype="float64", seed=4, learning_rate=0.05, **CASES[case])
    kw.setdefault("optimizer", "adam")
    columns, rows = (_fit_in(form, monkeypatch, **kw) for form in ("columns", "rows"))
    for (Wc, bc), (Wr, br) in zip(columns.params, rows.params):
        np.testing.assert_allclose(Wc, Wr, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bc, br, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(columns.histories.to_numpy(float), rows.histories.to_numpy(float),
                               rtol=1e-9, atol=1e-12)


def test_only_a_program_of_several_members_takes_the_product_gradient(monkeypatch):
    traced = []
    for name in ("dense", "dense_members"):
        real = getattr(_featuremajor, name)
        monkeypatch.setattr(_featuremajor, name,
                            lambda Wb, h, real=real, name=name: traced.append(name) or real(Wb, h))
    X = RNG.normal(size=(20, 2))
    y = X[:, 0] - X[:, 1] ** 2
    for n_members in (1, 3):
        _programs.PROGRAMS.clear()
        jax.clear_caches()
        traced.clear()
        nnfit.fit(nnfit.MLP(hidden=(4,)), X, y, epochs=2, batch_size=8, n_members=n_members)
        # the training program's layers; validation and prediction have no gradient to take
        assert "dense_members" in traced if n_members > 1 else "dense_members" not in traced
