"""Loss landscape: interpolation end points, filter normalisation, slices evaluated directly,
path projection, training snapshots."""

import numpy as np
import pytest

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

X1 = np.linspace(0, 1, 30)[:, None]
Y1 = X1[:, 0] ** (1 / 3)


def mse_at(fit, flat):
    """The MSE of a flat parameter vector through a new Fit (set_weights), independent of
    the landscape code's own evaluation."""
    edited, at = fit, 0
    for layer, (W, b) in enumerate(fit.member_params(0)):
        Wn = flat[at:at + W.size].reshape(W.shape)
        at += W.size
        edited = diagnose.set_weights(edited, layer, W=Wn, b=flat[at:at + b.size], member=0)
        at += b.size
    return np.mean((edited.predict(X1) - Y1) ** 2)


def flat(params):
    return np.concatenate([np.r_[np.ravel(W), b] for W, b in params]).astype(np.float64)


@pytest.fixture(scope="module")
def trained():
    return nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X1, Y1, learning_rate=0.05,
                     epochs=60, batch_size=None, dtype="float64", seed=2)


def test_initial_params_are_where_training_started():
    fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X1, Y1, optimizer="sgd",
                    learning_rate=1e-12, epochs=1, batch_size=None, dtype="float64", seed=4)
    for (Wi, bi), (W, b) in zip(diagnose.initial_params(fit), fit.params):
        np.testing.assert_allclose(Wi, W, atol=1e-10)
        np.testing.assert_allclose(bi, b, atol=1e-10)


def test_interpolation_ends_at_the_two_parameter_sets(trained):
    line = diagnose.interpolate(trained, X1, Y1, "init", None, n_points=9, extend=0.5)
    assert line.shape == (9, 2) and line.alpha.iloc[0] == -0.5 and line.alpha.iloc[-1] == 1.5
    at = dict(zip(line.alpha.round(6), line.loss))
    assert at[1.0] == pytest.approx(np.mean((trained.predict(X1) - Y1) ** 2), rel=1e-10)
    init = flat(diagnose.initial_params(trained))
    assert at[0.0] == pytest.approx(mse_at(trained, init), rel=1e-10)
    assert at[1.0] < at[0.0]


def test_filter_normalised_directions_have_the_norms_of_the_weights():
    fit = drawn_fit(nnfit.MLP(hidden=(4, 3), bias_init="normal"), X1, Y1)
    params = fit.member_params(0)
    for biases in ("zero", "normalize"):
        D = diagnose.filter_normalized_directions(params, seed=1, biases=biases)
        assert D.shape == (2, flat(params).size)
        at = 0
        for W, b in params:
            Dw = D[0, at:at + W.size].reshape(W.shape)
            at += W.size
            np.testing.assert_allclose(np.linalg.norm(Dw, axis=0), np.linalg.norm(W, axis=0))
            expected = np.zeros_like(b) if biases == "zero" else np.abs(b)
            np.testing.assert_allclose(np.abs(D[0, at:at + b.size]), expected)
            at += b.size
    assert not np.allclose(D[0], D[1])


def test_loss_surface_is_the_objective_on_the_plane_and_recovers_a_planar_path(trained):
    s = diagnose.loss_surface(trained, X1, Y1, n_points=5, span=0.5, seed=3)
    assert s.loss.shape == (5, 5) and s.directions.shape == (2, 10)
    assert s.loss[2, 2] == pytest.approx(s.center_loss, rel=1e-12)
    theta = s.center + s.alphas[4] * s.directions[0] + s.betas[1] * s.directions[1]
    assert s.loss[1, 4] == pytest.approx(mse_at(trained, theta), rel=1e-10)
    # snapshots on the plane come back at their coordinates, with nothing off the plane
    coords = np.array([[0.3, -0.2], [0.1, 0.0], [0.0, 0.0]])
    path = [s.center + a * s.directions[0] + b * s.directions[1] for a, b in coords]
    again = diagnose.loss_surface(trained, X1, Y1, directions=s.directions, path=path, n_points=3)
    np.testing.assert_allclose(again.path_coords, coords, atol=1e-12)
    np.testing.assert_allclose(again.path_offplane, 0, atol=1e-12)
    assert again.path_loss[-1] == pytest.approx(s.center_loss, rel=1e-12)


def test_training_path_and_its_pca_plane(trained):
    model = nnfit.MLP(hidden=(3,), activation="tanh")
    options = dict(learning_rate=0.05, batch_size=None, dtype="float64", seed=2)
    path = diagnose.training_path(model, X1, Y1, [0, 30, 60], **options)
    assert len(path) == 3
    np.testing.assert_allclose(flat(path[0]), flat(diagnose.initial_params(trained)))
    np.testing.assert_allclose(flat(path[-1]), flat(trained.params), rtol=1e-10)
    s = diagnose.loss_surface(trained, X1, Y1, directions="pca", path=path, n_points=7)
    assert s.path_coords.shape == (3, 2)
    np.testing.assert_allclose(s.path_coords[-1], 0, atol=1e-12)
    assert np.all(np.diff(s.path_loss) < 0)
    # the two principal directions hold most of a short path
    travelled = np.linalg.norm(flat(path[0]) - s.center)
    assert s.path_offplane.max() < 0.2 * travelled


def test_bad_landscape_requests_are_refused(trained):
    with pytest.raises(ValueError, match="needs a path"):
        diagnose.loss_surface(trained, X1, Y1, directions="pca")
    with pytest.raises(ValueError, match=r"shape \(2, 10\)"):
        diagnose.loss_surface(trained, X1, Y1, directions=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="10"):
        diagnose.interpolate(trained, X1, Y1, np.zeros(4))
    with pytest.raises(ValueError, match="constant schedule"):
        diagnose.training_path(nnfit.MLP(), X1, Y1, [1, 2], schedule="cosine")
    with pytest.raises(TypeError, match="unfitted"):
        diagnose.loss_surface(nnfit.MLP(), X1, Y1)
