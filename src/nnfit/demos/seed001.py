"""Seed 001, "Linear Regression from Scratch using Numpy" (MLDawn), reproduced.

A line fitted by a one-neuron linear "network" with the sum-squared error and hand-derived
gradients: batch gradient descent, eta = 0.001, 300 epochs, from a deliberately bad start. nnfit
runs the same loop (``nnfit.linear.gradient_descent(solver="gd", loss="sse")`` and
``nnfit.LinearRegression(solver="gd", loss="sse")``), checks it step for step against the seed's
own numpy loop, and adds what the post leaves out: where the descent ends against the exact
least-squares line, how long it takes to converge, and the loss surface it walks over.

The seed is unseeded. nnfit draws everything from ``np.random.RandomState(0)`` in the seed's
order: the data (``x = rand(200)``, then the noise ``normal(0, 0.1, 200)``: dataset ``line``),
then the start ``w1 = uniform(-2, -3)``, ``w0 = uniform(0, 2)`` exactly as the seed calls them.
"""

from __future__ import annotations

import numpy as np

from ._common import DemoReport, Steps

TITLE = "Linear regression from scratch"
SUMMARY = ("Seed 001: a line fitted by hand-written batch gradient descent on the sum-squared "
           "error (eta 0.001, 300 epochs) from a bad start; the fit every 20 epochs, the SSE "
           "curve, the end point against the closed form, and the loss surface with the path.")

N, SLOPE, NOISE, SEED = 200, 3.0, 0.1, 0
EPOCHS, ETA, EVERY = 300, 0.001, 20


def initial_weights(seed=SEED, n=N):
    """The seed's bad start, ``(w0, w1)``: drawn after the data from the same RandomState.

    ``w1 = uniform(-2, -3)`` lies in (-3, -2] (NumPy allows low > high), ``w0 = uniform(0, 2)``.
    """
    rs = np.random.RandomState(seed)
    rs.rand(n)
    rs.normal(0.0, NOISE, n)
    w1 = rs.uniform(-2, -3, 1)[0]
    w0 = rs.uniform(0, 2, 1)[0]
    return float(w0), float(w1)


def seed_loop(x_1, y, w_1, w_0, epoch=EPOCHS, eta=ETA):
    """The seed's training loop, verbatim but for the plots: returns (E, w_0s, w_1s).

    ``E[ep]`` is the SSE before update ``ep``; ``w_0s[ep]``, ``w_1s[ep]`` the weights after it.
    """
    def SSE(y, y_hat):
        return 0.50 * np.sum((y - y_hat) ** 2)

    def dEdW_1(y, y_hat, x_1):
        return np.sum(-(y - y_hat) * x_1)

    def dEdW_0(y, y_hat):
        return np.sum(-(y - y_hat))

    x_0 = 1
    E, w_0s, w_1s = [], [], []
    for _ in range(epoch):
        Z = w_1 * x_1 + w_0 * x_0
        y_hat = Z
        E.append(SSE(y, y_hat))
        dEdw_1 = dEdW_1(y, y_hat, x_1)
        dEdw_0 = dEdW_0(y, y_hat)
        w_1 = w_1 - eta * dEdw_1
        w_0 = w_0 - eta * dEdw_0
        w_0s.append(w_0)
        w_1s.append(w_1)
    return np.array(E), np.array(w_0s), np.array(w_1s)


def build(quick=False, progress=None):
    """Reproduce seed 001 and return its report (``.numbers``, ``.checks``).

    ``quick`` changes nothing here but the figures' resolution: the whole demo is NumPy and
    takes a second or two.
    """
    import warnings

    from .. import plots
    from ..datasets import load_dataset
    from ..linear import gradient_descent, loss_surface, solve
    from ..linear_regression import LinearRegression

    step = Steps(progress)
    r = DemoReport(TITLE, "Seed 001 (MLDawn, “Linear Regression from Scratch using Numpy”), "
                   "reproduced with nnfit.linear", quick=quick)
    num = r.numbers

    r.add_section("The network, its error and its gradients")
    r.add_text(
        "The “network” is one linear neuron: Z = w1·x1 + w0·x0 with the bias input x0 = 1, and "
        "the output ŷ = Linear(Z) = Z. Its error over the whole batch is the sum-squared error "
        "E = ½ Σ (y − ŷ)², and the chain rule gives dE/dw1 = −Σ (y − ŷ)·x1 and "
        "dE/dw0 = −Σ (y − ŷ). nnfit writes exactly these derivatives by hand "
        "(nnfit.linear.gradient_descent with loss=\"sse\"): no automatic differentiation.")

    step("generating the data")
    data = load_dataset("line", n_samples=N, slope=SLOPE, noise=NOISE, seed=SEED)
    x, y = data.X[:, 0], data.y
    r.add_section("Generating the data")
    r.add_text(
        f"N = {N} points: x1 uniform on [0, 1) and y = {SLOPE:g}·x1 + Gaussian noise of standard "
        f"deviation {NOISE:g} (nnfit.load_dataset(\"line\")). The post does not seed NumPy; "
        f"nnfit draws from np.random.RandomState({SEED}) in the post's order, so every number "
        "below is reproducible.")
    r.add_figure(_scatter(x, y, "Data points"),
                 "The data, as the post plots it (y limits −3 to 5).")

    step("the initial line")
    w0, w1 = initial_weights()
    num["initial"] = [w0, w1]
    r.add_section("Initializing our weights")
    r.add_text(
        f"The post draws w1 = uniform(−2, −3) and w0 = uniform(0, 2) — a line sloping the wrong "
        f"way, on purpose. Drawn from the same RandomState right after the data: w0 = {w0:.6f}, "
        f"w1 = {w1:.6f}.")
    sse0 = 0.5 * float(np.sum((y - (w1 * x + w0)) ** 2))
    num["initial_sse"] = sse0
    r.add_figure(_scatter(x, y, "Initial line", (w0, w1), f"SSE = {sse0:.2f}"),
                 "The deliberately bad initial line and its SSE.")
    r.check_true("start drawn as the post draws it: w1 in (-3, -2], w0 in [0, 2)",
                 -3 < w1 <= -2 and 0 <= w0 < 2, f"w0 = {w0:.6f}, w1 = {w1:.6f}")

    step("gradient descent: 300 epochs, eta 0.001, SSE")
    res = gradient_descent(data.X, y, "gd", loss="sse", learning_rate=ETA, max_iter=EPOCHS,
                           tol=None, initial=[w0, w1])
    path, losses = res.path, res.losses          # (301, 2) intercept first, (301,)
    E = losses[:-1]                              # the post's E: the SSE before each update
    est = LinearRegression(solver="gd", loss="sse", learning_rate=ETA, max_iter=EPOCHS, tol=None,
                           initial_coef=[w0, w1]).fit(data.X, y)
    E_seed, w0_seed, w1_seed = seed_loop(x, y, w1, w0)
    num.update(final=[float(res.intercept), float(res.coef[0])], slope=float(res.coef[0]),
               intercept=float(res.intercept), final_sse=float(losses[-1]),
               sse_curve=E.tolist(), path=path.tolist())

    r.add_section("Training our neural network")
    r.add_text(
        f"{EPOCHS} epochs of batch gradient descent with η = {ETA:g}: each epoch computes "
        "ŷ for all 200 points, the SSE, the two summed gradients, and one update "
        "w ← w − η·dE/dw. The fit is drawn every 20 epochs, as in the post, with the SSE "
        "before that epoch's update; the last panel is the line after the 300th update.")
    r.add_figure(plots.plot_gd_snapshots(x, y, path, every=EVERY, losses=losses, max_panels=16,
                                         loss_label="SSE", step_label="epoch",
                                         x_label="x (our data)", y_label="ŷ (network output)"),
                 "The line every 20 epochs: from the wrong slope to the data's.")
    r.add_figure(plots.plot_learning_curves(E, loss_label="SSE", x_label="epoch",
                                            title="Error"),
                 "The sum-squared error per epoch (before each update, as the post records it).")
    r.add_text(
        f"The SSE falls from {E[0]:.2f} to {E[-1]:.4f} (and {losses[-1]:.4f} after the last "
        f"update). nnfit's trajectory is the post's own loop to rounding: the largest difference "
        f"in the weights over all 300 epochs is "
        f"{max(np.max(np.abs(path[1:, 0] - w0_seed)), np.max(np.abs(path[1:, 1] - w1_seed))):.2g}.")
    r.check("nnfit's weights after every epoch equal the post's loop",
            np.c_[path[1:, 0], path[1:, 1]].ravel(), np.c_[w0_seed, w1_seed].ravel(), atol=1e-12)
    r.check("nnfit's SSE per epoch equals the post's E", E, E_seed, rtol=1e-12)
    r.check("LinearRegression(solver='gd', loss='sse') ends where gradient_descent does",
            [est.intercept_, est.coef_[0]], [res.intercept, res.coef[0]], atol=1e-12)

    step("the end point against the closed form")
    exact = solve(data.X, y)
    theta_exact = np.array([exact.intercept, exact.coef[0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        long = gradient_descent(data.X, y, "gd", loss="sse", learning_rate=ETA, max_iter=100_000,
                                tol=1e-10, initial=[w0, w1])
    num.update(closed_form=theta_exact.tolist(), epochs_to_converge=int(long.n_iter),
               converged_theta=[float(long.intercept), float(long.coef[0])])
    r.add_section("Where the descent ends: the closed form")
    r.add_text(
        "The post stops after 300 epochs. The exact least-squares line (nnfit.linear.solve, a "
        "centred QR/SVD solve) tells how close that is; continuing the same descent until no "
        "weight moves by more than 1e-10 tells how long convergence really takes.")
    import pandas as pd

    r.add_table(pd.DataFrame({
        "": ["start", f"after {EPOCHS} epochs (the post)",
             f"until no weight moves by 1e-10 ({long.n_iter:,} epochs)",
             "closed form (least squares)",
             "true line of the data"],
        "w0 (intercept)": [w0, res.intercept, long.intercept, theta_exact[0], 0.0],
        "w1 (slope)": [w1, res.coef[0], long.coef[0], theta_exact[1], SLOPE],
        "SSE": [losses[0], losses[-1], long.losses[-1],
                0.5 * float(np.sum((y - theta_exact[0] - theta_exact[1] * x) ** 2)),
                0.5 * float(np.sum((y - SLOPE * x) ** 2))],
    }), "Weights and error", digits=6)
    gap = np.abs(np.array([res.intercept, res.coef[0]]) - theta_exact)
    r.add_text(
        f"After 300 epochs the slope is {res.coef[0]:.4f} (the data's is {SLOPE:g}, the "
        f"least-squares slope {theta_exact[1]:.4f}): {gap[1]:.3g} short of the optimum. The "
        f"slowest direction of the SSE's bowl contracts by only a factor (1 − η·λmin) = "
        f"{1 - ETA * _lambda_min(data.X):.4f} per epoch, so the last digits take "
        f"{long.n_iter:,} epochs.")
    r.check("slope after 300 epochs near the data's slope 3", res.coef[0], SLOPE, atol=0.2)
    r.check("gradient descent run to convergence reaches the closed form",
            [long.intercept, long.coef[0]], theta_exact, atol=1e-6)

    step("the loss surface")
    pts = np.vstack([path, theta_exact[None]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.25 * (hi - lo) + 0.5
    gi = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 81)
    gj = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 81)
    Ti, Tj, Z = loss_surface(data.X, y, grid_i=gi, grid_j=gj, loss="sse")
    r.add_section("The loss surface and the path")
    r.add_text(
        "The SSE over a grid of (w0, w1) — a quadratic bowl, computed exactly by "
        "nnfit.linear.loss_surface — with the 301 points of the descent on it. The path first "
        "drops steeply down the walls, then creeps along the flat valley floor: the slow "
        "direction that the end point has not finished.")
    r.add_figure(plots.plot_loss_surface(Ti, Tj, Z, path, losses, kind="both",
                                         labels=("w0 (intercept)", "w1 (slope)"),
                                         loss_label="SSE"),
                 "The SSE surface with the descent path (left, 3-D; right, contours).")

    r.add_section("Checks")
    r.add_checks_table()
    return r


def _lambda_min(X):
    Xb = np.c_[np.ones(len(X)), X]
    return float(np.linalg.eigvalsh(Xb.T @ Xb)[0])


def _scatter(x, y, title, line=None, label=None):
    """The post's scatter (red, alpha 0.5, y from -3 to 5), with an optional line (w0, w1)."""
    from ..plots.style import COLORS, new_figure, styled

    @styled
    def draw():
        fig, ax = new_figure(size=(5.4, 3.8))
        ax.scatter(x, y, s=31, color="r", alpha=0.5, label="data")
        if line is not None:
            grid = np.array([0.0, 1.0])
            ax.plot(grid, line[0] + line[1] * grid, color=COLORS["fit"], label=label)
            ax.legend()
        ax.set(ylim=(-3, 5), title=title, xlabel="x (our data)", ylabel="y (ground truth)")
        return fig

    return draw()
