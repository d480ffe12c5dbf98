"""Hidden-unit contributions and layer activations: exact sums, agreement with predict, errors."""

import numpy as np
import pytest

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

RNG = np.random.default_rng(5)
X1 = np.linspace(0, 1, 30)[:, None]
Y1 = np.sqrt(X1[:, 0])
GRID = np.linspace(-1, 2, 61)


@pytest.mark.parametrize("hidden, activation, normalize", [
    ((4,), "tanh", False),
    ((3, 5), "relu", True),
    ((2,), "sigmoid", False),
    ((), "linear", True),
])
def test_contributions_sum_to_the_prediction(hidden, activation, normalize):
    fit = drawn_fit(nnfit.MLP(hidden=hidden, activation=activation, normalize=normalize,
                              bias_init="normal", init_scale=0.5), X1, Y1, seed=1, dtype="float32")
    u = diagnose.unit_contributions(fit, GRID)
    width = (hidden or (1,))[-1]
    assert u.contributions.shape == (61, width) and u.hidden.shape == (61, width)
    assert u.weights.shape == (width,) and u.bias.shape == () and u.prediction.shape == (61,)
    np.testing.assert_allclose(u.contributions.sum(axis=1) + u.bias, u.prediction, rtol=1e-13,
                               atol=1e-14)
    np.testing.assert_allclose(u.prediction, fit.predict(GRID[:, None]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(u.contributions, u.hidden * u.weights[None, :], rtol=1e-15)
    frame = u.to_frame()
    assert list(frame.columns) == ["x", "unit", "contribution"] and len(frame) == 61 * width
    np.testing.assert_allclose(frame.groupby("x").contribution.sum().to_numpy() + u.bias,
                               u.prediction, rtol=1e-12)


def test_column_grid_and_member_choice():
    fit = drawn_fit(nnfit.MLP(hidden=(3,), activation="tanh"), X1, Y1, n_members=2)
    a = diagnose.unit_contributions(fit, GRID[:, None], member=1)
    members = fit.predict_members(GRID[:, None])
    np.testing.assert_allclose(a.prediction, members[1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(a.prediction, members[0])


def test_two_dimensional_targets_keep_an_output_axis():
    Y = np.c_[Y1, -Y1]
    fit = drawn_fit(nnfit.MLP(hidden=(3,), activation="tanh"), X1, Y)
    u = diagnose.unit_contributions(fit, GRID)
    assert u.contributions.shape == (61, 3, 2) and u.bias.shape == (2,)
    np.testing.assert_allclose(u.contributions.sum(axis=1) + u.bias[None, :], u.prediction, rtol=1e-13)
    np.testing.assert_allclose(u.prediction, fit.predict(GRID[:, None]), rtol=1e-5, atol=1e-6)
    assert list(u.to_frame().columns) == ["x", "unit", "output", "contribution"]


def test_a_classifier_s_units_add_up_to_its_logit():
    labels = (X1[:, 0] > 0.5).astype(int)
    fit = drawn_fit(nnfit.MLP(hidden=(3,), output="sigmoid"), X1, labels)
    u = diagnose.unit_contributions(fit, GRID)
    proba = fit.predict_proba(GRID[:, None])[:, 1]
    np.testing.assert_allclose(1 / (1 + np.exp(-u.prediction)), proba, rtol=1e-5)


def test_layer_activations_are_every_layer_over_the_grid():
    fit = drawn_fit(nnfit.MLP(hidden=(4, 3), activation=("relu", "tanh"), normalize=True), X1, Y1)
    acts = diagnose.layer_activations(fit, GRID)
    assert [h.shape for h in acts.layers] == [(61, 4), (61, 3), (61, 1)]
    assert acts.names == ("dense_0 (relu)", "dense_1 (tanh)", "dense_2 (linear)")
    reference = fit.layer_outputs(GRID[:, None])
    for mine, theirs in zip(acts.layers, reference[1:]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    assert np.all(acts.layers[0] >= 0) and np.all(np.abs(acts.layers[1]) <= 1)
    frame = acts.to_frame()
    assert len(frame) == 61 * (4 + 3 + 1)
    assert set(frame.columns) == {"layer", "name", "unit", "x", "activation"}


def test_layer_activations_take_several_inputs():
    X = RNG.normal(size=(20, 3))
    fit = drawn_fit(nnfit.MLP(hidden=(5,)), X, X.sum(axis=1))
    acts = diagnose.layer_activations(fit, X)
    assert acts.layers[0].shape == (20, 5) and acts.X.shape == (20, 3)
    with pytest.raises(ValueError, match="3 inputs"):
        diagnose.unit_contributions(fit, GRID)
    with pytest.raises(ValueError, match="features"):
        diagnose.layer_activations(fit, X[:, :2])


@pytest.mark.parametrize("feature", [0, 2])
def test_units_along_one_input_of_several_with_the_others_held(feature):
    X = RNG.normal(size=(25, 3)) * [1.0, 2.0, 0.5]
    fit = drawn_fit(nnfit.MLP(hidden=(4,), activation="tanh", normalize=True), X,
                    np.sin(X).sum(axis=1))
    at = np.median(X, axis=0)
    u = diagnose.unit_contributions(fit, GRID, feature=feature, at=at)
    assert u.feature == feature and np.isnan(u.at[feature])
    held = np.delete(np.arange(3), feature)
    np.testing.assert_array_equal(u.at[held], at[held])
    inputs = np.repeat(at[None, :], GRID.size, axis=0)
    inputs[:, feature] = GRID
    np.testing.assert_array_equal(u.X, inputs)
    # an independent forward pass in NumPy: tanh units of the normalised inputs
    (W0, b0), (W1, b1) = fit.member_params(0)
    Z = (inputs - fit.network.mean) / np.sqrt(fit.network.var)
    H = np.tanh(Z @ W0 + b0)
    np.testing.assert_allclose(u.contributions, H * W1[:, 0][None, :], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(u.contributions.sum(axis=1) + u.bias, fit.predict(inputs),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="feature must be"):
        diagnose.unit_contributions(fit, GRID, feature=3, at=at)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        diagnose.unit_contributions(fit, GRID, feature=0, at=at[:2])


def test_bad_input_is_refused():
    fit = drawn_fit(nnfit.MLP(hidden=(3,)), X1, Y1)
    with pytest.raises(TypeError, match="unfitted MLP"):
        diagnose.unit_contributions(nnfit.MLP(hidden=(3,)), GRID)
    with pytest.raises(ValueError, match="1-D grid"):
        diagnose.unit_contributions(fit, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        diagnose.unit_contributions(fit, np.r_[0.0, np.nan])
    with pytest.raises(ValueError, match="member 1 does not exist"):
        diagnose.unit_contributions(fit, GRID, member=1)
