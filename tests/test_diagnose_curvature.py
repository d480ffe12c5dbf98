"""Curvature: closed-form Hessian of a linear model, finite differences, seed 002's singular
Hessian at the least-squares solution, the Lanczos fallback, and bad input."""

import warnings

import numpy as np
import pytest

import nnfit
from diagnose_helpers import drawn_fit
from nnfit import diagnose

RNG = np.random.default_rng(11)

NP_ACTIVATIONS = {
    "linear": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "sin": np.sin,
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def np_objective(fit, X, y, theta, l2=0.0):
    """An independent NumPy forward pass and MSE (plus L2) of a flat parameter vector."""
    sizes = fit.network.layer_sizes
    h = X
    if fit.network.mean is not None:
        h = (X - fit.network.mean[None, :]) / np.sqrt(fit.network.var)[None, :]
    at = 0
    acts = fit.network.spec.activation + ("linear",)
    pen = 0.0
    for (a, b), act in zip(zip(sizes[:-1], sizes[1:]), acts):
        W = theta[at:at + a * b].reshape(a, b)
        at += a * b
        bias = theta[at:at + b]
        at += b
        h = NP_ACTIVATIONS[act](h @ W + bias[None, :])
        pen += l2 * np.sum(W ** 2)
    return np.mean((h[:, 0] - y) ** 2) + pen


def fd_hessian(f, theta, h=1e-4):
    p = theta.size
    H = np.zeros((p, p))
    E = np.eye(p) * h
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (f(theta + E[i] + E[j]) - f(theta + E[i] - E[j])
                                 - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])) / (4 * h * h)
    return H


def fd_gradient(f, theta, h=1e-6):
    E = np.eye(theta.size) * h
    return np.array([(f(theta + e) - f(theta - e)) / (2 * h) for e in E])


def flat(fit):
    return np.concatenate([np.r_[W.ravel(), b] for W, b in fit.member_params(0)]).astype(np.float64)


@pytest.mark.parametrize("loss, l2, scale", [("mse", 0.0, 2.0), ("sse", 0.0, 1.0), ("mse", 0.3, 2.0)])
def test_linear_model_hessian_is_closed_form(loss, l2, scale):
    """MSE: H = 2 [X 1]^T [X 1] / n; SSE (half the sum): [X 1]^T [X 1]; L2 adds 2 l2 on W."""
    X = RNG.normal(size=(30, 3))
    y = X @ [1.0, -1.0, 0.5] + RNG.normal(size=30)
    fit = drawn_fit(nnfit.MLP(hidden=()), X, y, loss=loss, l2=l2)
    A = np.c_[X, np.ones(30)]
    expected = scale * A.T @ A / (30 if loss == "mse" else 1) + np.diag([2 * l2] * 3 + [0.0])
    np.testing.assert_allclose(diagnose.hessian(fit, X, y), expected, rtol=1e-12, atol=1e-12)
    c = diagnose.curvature(fit, X, y)
    np.testing.assert_allclose(c.eigenvalues, np.linalg.eigvalsh(expected), rtol=1e-10)
    assert c.method == "dense" and c.n_near_zero == 0
    assert c.parameter_names == ("W0[0,0]", "W0[1,0]", "W0[2,0]", "b0[0]")


@pytest.mark.parametrize("activation, hidden, normalize, l2", [
    ("tanh", (3,), False, 0.0),
    ("sigmoid", (3,), True, 0.01),
    ("sin", (2, 2), False, 0.0),
    ("softplus", (3,), False, 0.05),
])
def test_hessian_and_gradient_match_finite_differences(activation, hidden, normalize, l2):
    X = RNG.uniform(-1, 1, size=(25, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2
    fit = drawn_fit(nnfit.MLP(hidden=hidden, activation=activation, normalize=normalize,
                              bias_init="normal", init_scale=0.3), X, y, l2=l2)
    f = lambda t: np_objective(fit, X, y, t, l2)  # noqa: E731
    theta = flat(fit)
    np.testing.assert_allclose(diagnose.gradient(fit, X, y), fd_gradient(f, theta),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(diagnose.hessian(fit, X, y), fd_hessian(f, theta),
                               rtol=1e-5, atol=2e-6)
    c = diagnose.curvature(fit, X, y)
    assert c.loss == pytest.approx(f(theta), rel=1e-12)


def test_hessian_vector_product_agrees_with_the_dense_hessian():
    X = RNG.normal(size=(20, 1))
    fit = drawn_fit(nnfit.MLP(hidden=(4,), activation="tanh"), X, X[:, 0] ** 2, dtype="float32")
    H = diagnose.hessian(fit, X, X[:, 0] ** 2)
    v = RNG.normal(size=H.shape[0])
    hvp = diagnose.hessian_vector_product(fit, X, X[:, 0] ** 2)
    np.testing.assert_allclose(hvp(v), H @ v, rtol=1e-10, atol=1e-12)


def test_seed_002_least_squares_solution_has_a_singular_hessian():
    """Seed 002: at the least-squares fit the gradient is near zero and the Hessian has
    near-zero eigenvalues; the non-zero ones are positive ("more parameters than required")."""
    X, y, model = diagnose.seed_002_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # least squares reports its evaluation limit
        fit = nnfit.fit(model, X, y, optimizer="lm", epochs=400, dtype="float64", seed=0)
    c = diagnose.curvature(fit, X, y)
    assert c.gradient_norm < 1e-3
    assert c.n_near_zero >= 2
    assert c.condition_number > 1e8
    assert np.all(c.eigenvalues > -c.threshold)
    # a near-zero direction barely changes the loss: a step of 0.1 costs < threshold * 0.01
    d = c.null_directions[:, 0]
    change = c.eigenvalues[c.near_zero[0]] * 0.1 ** 2 / 2
    assert abs(change) <= c.threshold * 0.01
    frame = c.null_space_frame()
    assert frame.shape == (10, c.n_near_zero) and frame.index[0] == "W0[0,0]"
    np.testing.assert_allclose(np.linalg.norm(d), 1.0)


def test_large_networks_fall_back_to_lanczos_for_the_extreme_eigenvalues():
    X = RNG.normal(size=(40, 2))
    y = np.tanh(X[:, 0] - X[:, 1])
    fit = drawn_fit(nnfit.MLP(hidden=(12,), activation="tanh", bias_init="normal", init_scale=0.5),
                    X, y)
    dense = diagnose.curvature(fit, X, y)
    assert dense.n_params == 49
    with pytest.warns(UserWarning, match="Lanczos"):
        lanczos = diagnose.curvature(fit, X, y, max_dense=20, k=3)
    assert lanczos.method == "lanczos" and lanczos.hessian is None
    assert lanczos.eigenvalues.shape == (6,) and lanczos.eigenvectors.shape == (49, 6)
    np.testing.assert_allclose(lanczos.eigenvalues[3:], dense.eigenvalues[-3:], rtol=1e-7)
    np.testing.assert_allclose(lanczos.eigenvalues[:3], dense.eigenvalues[:3],
                               atol=1e-7 * dense.eigenvalues[-1])
    with pytest.raises(ValueError, match="max_params=20"):
        diagnose.hessian(fit, X, y, max_params=20)
    with pytest.raises(ValueError, match="Lanczos"):
        diagnose.curvature(fit, X, y, method="dense", max_dense=20)


def test_classifier_gradient_is_that_of_the_cross_entropy():
    X = RNG.normal(size=(30, 2))
    labels = (X[:, 0] > 0).astype(int)
    fit = drawn_fit(nnfit.MLP(hidden=(), output="sigmoid", bias_init="normal"), X, labels)
    theta = flat(fit)

    def bce(t):
        p = 1 / (1 + np.exp(-(X @ t[:2] + t[2])))
        return -np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))

    np.testing.assert_allclose(diagnose.gradient(fit, X, labels), fd_gradient(bce, theta), rtol=1e-6)


@pytest.mark.parametrize("call", [diagnose.gradient, diagnose.hessian, diagnose.curvature])
def test_an_unfitted_model_is_refused(call):
    X = np.zeros((5, 1))
    with pytest.raises(TypeError, match="nnfit.fit"):
        call(nnfit.MLP(hidden=(3,)), X, X[:, 0])


def test_bad_data_and_options_give_clear_errors():
    X = RNG.normal(size=(10, 2))
    fit = drawn_fit(nnfit.MLP(hidden=(2,)), X, X[:, 0], n_members=2)
    with pytest.raises(ValueError, match="2 features|fitted with 2"):
        diagnose.curvature(fit, X[:, :1], X[:, 0])
    with pytest.raises(ValueError, match="member 2 does not exist"):
        diagnose.curvature(fit, X, X[:, 0], member=2)
    with pytest.raises(ValueError, match="method"):
        diagnose.curvature(fit, X, X[:, 0], method="exact")
    with pytest.raises(ValueError, match="rows"):
        diagnose.gradient(fit, X, X[:3, 0])
    # another member's curvature is its own
    g0 = diagnose.gradient(fit, X, X[:, 0], member=0)
    g1 = diagnose.gradient(fit, X, X[:, 0], member=1)
    assert not np.allclose(g0, g1)


@pytest.mark.slow
def test_default_fallback_beyond_max_dense_agrees_with_the_dense_spectrum():
    X = np.linspace(-1, 1, 100)[:, None]
    y = np.sin(3 * X[:, 0])
    fit = drawn_fit(nnfit.MLP(hidden=(64, 48), activation="tanh", bias_init="normal"), X, y)
    with pytest.warns(UserWarning, match="3297 parameters, more than max_dense=3000"):
        lanczos = diagnose.curvature(fit, X, y)
    dense = diagnose.curvature(fit, X, y, max_dense=4000)
    np.testing.assert_allclose(lanczos.eigenvalues[-6:], dense.eigenvalues[-6:], rtol=1e-7)
    np.testing.assert_allclose(lanczos.eigenvalues[:6], dense.eigenvalues[:6],
                               atol=1e-7 * dense.eigenvalues[-1])
