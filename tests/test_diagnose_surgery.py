"""Weight surgery (new Fits, exactly the chosen entries) and the linear collapse (vs apply)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

RNG = np.random.default_rng(8)
X1 = np.linspace(0, 1.5, 40)[:, None]
Y1 = np.sin(4 * X1[:, 0])


@pytest.fixture(scope="module")
def wide():
    """A relu layer wide enough that some change points fall in [0.5, 1]; two members."""
    return drawn_fit(nnfit.MLP(hidden=(64, 8), activation="relu", init="normal",
                               bias_init="normal", init_scale=0.5), X1, Y1, n_members=2,
                     dtype="float32")


def params_of(fit):
    return [[(np.array(W), np.array(b)) for W, b in fit.member_params(m)] for m in range(fit.n_members)]


def assert_only_changed(before, after, where):
    """``where``: {(member, layer, 'W' or 'b'): boolean mask of entries allowed to differ}."""
    for m, (pb, pa) in enumerate(zip(before, after)):
        for layer, ((Wb, bb), (Wa, ba)) in enumerate(zip(pb, pa)):
            for name, old, new in (("W", Wb, Wa), ("b", bb, ba)):
                mask = where.get((m, layer, name), np.zeros(old.shape, bool))
                np.testing.assert_array_equal(new[~mask], old[~mask])
                assert np.all(new[mask] != old[mask])


def numpy_predict(fit, params, X):
    h = X
    for (W, b), act in zip(params, fit.network.activations):
        h = h @ W + b[None, :]
        h = np.maximum(h, 0) if act == "relu" else h
    return h[:, 0]


def test_scale_change_points_scales_exactly_the_chosen_weights(wide):
    before = params_of(wide)
    fixed = diagnose.scale_change_points(wide, (0.5, 1.0), 0.1)
    after = params_of(fixed)
    where = {}
    for m in range(2):
        W, b = before[m][0]
        cp = -b[None, :] / W  # seed 004: change_pt = -b / orig_w
        where[(m, 0, "W")] = (cp >= 0.5) & (cp <= 1.0)
        assert 0 < where[(m, 0, "W")].sum() < 64
        np.testing.assert_allclose(after[m][0][0][where[(m, 0, "W")]],
                                   0.1 * W[where[(m, 0, "W")]], rtol=1e-6)
    assert_only_changed(before, after, where)
    assert_only_changed(before, params_of(wide), {})  # the input Fit is untouched
    assert "weights scaled" in fixed.config["edits"][-1]
    # the new Fit predicts with the edited weights
    for m in range(2):
        np.testing.assert_allclose(fixed.predict_members(X1)[m], numpy_predict(fixed, after[m], X1),
                                   rtol=1e-5, atol=1e-5)
    assert not np.allclose(fixed.predict(X1), wide.predict(X1))


def test_change_points_are_in_input_units_with_normalisation():
    fit = drawn_fit(nnfit.MLP(hidden=(16,), activation="relu", normalize=True, bias_init="normal",
                              init_scale=0.5), X1, Y1)
    points = diagnose.change_points(fit)
    W, b = fit.params[0]
    z = (X1 - fit.network.mean) / np.sqrt(fit.network.var)
    for j in range(16):  # the pre-activation crosses zero at the reported x
        x = points[0, j]
        zx = (x - fit.network.mean[0]) / np.sqrt(fit.network.var[0])
        assert zx * W[0, j] + b[j] == pytest.approx(0, abs=1e-5)
    assert z.shape == X1.shape
    one = diagnose.scale_change_points(fit, (0.5, 1.0), 0.0, member=0)
    chosen = (points >= 0.5) & (points <= 1.0)
    np.testing.assert_array_equal(one.params[0][0] == 0, chosen | (fit.params[0][0] == 0))


def test_set_weights_and_set_unit_change_exactly_those_entries(wide):
    before = params_of(wide)
    W_new = RNG.normal(size=(64, 8))
    edited = diagnose.set_weights(wide, 1, W=W_new, member=1)
    assert_only_changed(before, params_of(edited), {(1, 1, "W"): np.ones((64, 8), bool)})
    np.testing.assert_allclose(edited.member_params(1)[1][0], W_new, rtol=1e-6)

    unit = diagnose.set_unit(wide, 1, 3, incoming=np.full(64, 0.25), bias=-1.0,
                             outgoing=np.array([2.0]))
    where = {}
    for m in range(2):
        col = np.zeros((64, 8), bool)
        col[:, 3] = True
        where[(m, 1, "W")] = col & (before[m][1][0] != 0.25)
        where[(m, 1, "b")] = np.arange(8) == 3
        where[(m, 2, "W")] = np.arange(8)[:, None] == 3
    assert_only_changed(before, params_of(unit), where)
    got = diagnose.get_unit(unit, 1, 3, member=1)
    np.testing.assert_array_equal(got.incoming, np.full(64, 0.25))
    assert got.bias == -1.0 and got.outgoing.tolist() == [2.0]
    assert diagnose.get_unit(unit, -1, 0).outgoing is None


def test_edits_are_copies_and_predictions_follow(wide):
    W, b = diagnose.get_weights(wide, -1)
    W[:] = 0.0  # editing the copy leaves the fit alone
    assert not np.all(wide.params[-1][0] == 0)
    zeroed = diagnose.set_weights(wide, -1, W=np.zeros((8, 1)), b=[0.5])
    np.testing.assert_allclose(zeroed.predict(X1), 0.5)
    assert zeroed.solver_info is None and zeroed.n_members == 2


def test_an_edited_fit_saves_and_loads(tmp_path, wide):
    edited = diagnose.scale_change_points(wide)
    edited.save(tmp_path / "edited")
    back = nnfit.load_fit(tmp_path / "edited")
    np.testing.assert_array_equal(back.predict(X1), edited.predict(X1))
    assert back.config["edits"] == edited.config["edits"]


def test_bad_edits_name_the_problem(wide):
    with pytest.raises(ValueError, match="layer 3 does not exist"):
        diagnose.get_weights(wide, 3)
    with pytest.raises(ValueError, match="unit 64 does not exist"):
        diagnose.set_unit(wide, 0, 64, bias=0.0)
    with pytest.raises(ValueError, match=r"W must have shape \(64, 8\)"):
        diagnose.set_weights(wide, 1, W=np.zeros((8, 64)))
    with pytest.raises(ValueError, match="no outgoing"):
        diagnose.set_unit(wide, 2, 0, outgoing=[1.0])
    with pytest.raises(ValueError, match="low <= high"):
        diagnose.scale_change_points(wide, (1.0, 0.5))
    with pytest.raises(TypeError, match="unfitted"):
        diagnose.set_weights(nnfit.MLP(), 0, b=[0.0])


# ------------------------------------------------------------------------------ linear collapse
@pytest.mark.parametrize("hidden, normalize, n_outputs", [
    ((5,), False, 1), ((4, 6, 3), True, 1), ((3, 3), True, 2), ((), False, 1),
])
def test_linear_network_collapses_to_the_map_it_equals(hidden, normalize, n_outputs):
    X = RNG.normal(size=(50, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -1.0]
    Y = X @ RNG.normal(size=(3, n_outputs)) + 1.0
    y = Y[:, 0] if n_outputs == 1 else Y
    fit = drawn_fit(nnfit.MLP(hidden=hidden, activation="linear", normalize=normalize,
                              bias_init="normal"), X, y)
    lin = diagnose.collapse_linear(fit)
    assert lin.W.shape == (3, n_outputs) and lin.b.shape == (n_outputs,)
    with jax.enable_x64(True):
        params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in fit.params]
        applied = np.asarray(fit.network.apply(params, jnp.asarray(X)))
    np.testing.assert_allclose(X @ lin.W + lin.b[None, :], applied, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(lin.predict(X), fit.predict(X), rtol=1e-10, atol=1e-10)
    assert lin.coef.shape == ((3,) if n_outputs == 1 else (3, n_outputs))


@pytest.mark.parametrize("value, column", [(1.0, 0), (2.5, 1), (0.0, 2)])
def test_a_constant_input_column_is_folded_into_the_intercept(value, column):
    # seed 000's design matrix: x0 = 1 beside the data; normalising it divides by 1e-7
    X = RNG.normal(size=(60, 3)) * [1.0, 3.0, 0.5] + [0.5, -2.0, 4.0]
    X[:, column] = value
    fit = drawn_fit(nnfit.MLP(hidden=(5, 4), activation="linear", normalize=True,
                              bias_init="normal"), X, X @ [1.0, -2.0, 0.5] + 3.0)
    lin = diagnose.collapse_linear(fit)
    assert lin.constant_columns == (column,) and lin.constant_values.tolist() == [value]
    assert lin.coef[column] == 0.0
    assert np.max(np.abs(lin.W)) < 1e3 and np.max(np.abs(lin.b)) < 1e3  # not 1e7 - 1e7
    np.testing.assert_allclose(lin.predict(X), fit.predict(X), rtol=1e-10, atol=1e-10)
    # the same map as least squares of the network's own predictions on the varying columns
    varying = [j for j in range(3) if j != column]
    design = np.c_[np.ones(len(X)), X[:, varying]]
    theta, *_ = np.linalg.lstsq(design, fit.predict(X), rcond=None)
    np.testing.assert_allclose(theta, np.r_[lin.intercept, lin.coef[varying]], rtol=1e-9,
                               atol=1e-9)
    # the literal composition: a 1e7 coefficient cancelled by the intercept, the same map
    literal = diagnose.collapse_linear(fit, constant_columns="keep")
    assert literal.constant_columns == ()
    if value != 0.0:
        assert abs(literal.coef[column]) > 1e4
    np.testing.assert_allclose(literal.coef[varying], lin.coef[varying], rtol=1e-12)
    np.testing.assert_allclose(literal.intercept + value * literal.coef[column], lin.intercept,
                               rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="'fold' or 'keep'"):
        diagnose.collapse_linear(fit, constant_columns="drop")


def test_collapse_of_a_logistic_network_gives_its_probabilities():
    X = RNG.normal(size=(40, 2))
    labels = (X[:, 0] - X[:, 1] > 0).astype(int)
    fit = drawn_fit(nnfit.MLP(hidden=(4,), activation="linear", output="sigmoid"), X, labels,
                    dtype="float32")
    lin = diagnose.collapse_linear(fit)
    np.testing.assert_allclose(lin.predict(X), fit.predict_proba(X)[:, 1], rtol=1e-5, atol=1e-6)


def test_a_non_linear_network_does_not_collapse():
    fit = drawn_fit(nnfit.MLP(hidden=(3, 3), activation=("linear", "tanh")), X1, Y1)
    with pytest.raises(ValueError, match=r"dense_1 \(tanh\) is not linear"):
        diagnose.collapse_linear(fit)
