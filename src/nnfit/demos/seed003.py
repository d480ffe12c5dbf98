"""Seed 003, "Gradient descent and mini-batches" (Rina Buoy), reproduced.

``y = 4 + 3x + noise`` fitted by batch gradient descent (learning rate 0.1, 10 iterations) and by
mini-batches of 20 (2 epochs), with the mean squared error and its hand-written gradient
``-2/n Xᵀ(y - Xθ)``; the loss surface over [-10, 10]² with both trajectories. nnfit runs the same
updates (``nnfit.linear.gradient_descent``), checks them against the seed's own loops, and adds
what the notebook does not show: the exact least-squares answer, descent run to convergence, and
what the learning rate does.

The notebook seeds NumPy once (``np.random.seed(0)``) and then draws the data, the batch start
``np.random.randn(2, 1)``, the mini-batch start and the mini-batch shuffles from that one stream,
in that order. nnfit draws the same numbers in the same order from a local
``np.random.RandomState(0)``, so its trajectories are the notebook's, number for number.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._common import DemoReport, Steps

TITLE = "Gradient descent and mini-batches"
SUMMARY = ("Seed 003: batch gradient descent (rate 0.1, 10 iterations) and mini-batches of 20 "
           "on y = 4 + 3x + noise, the loss surface over [-10, 10]² with both paths; plus the "
           "closed form, descent to convergence and a table of learning rates.")

THETA_SEED = np.array([4.22215108, 2.96846751])  # the closed form, as the seed's source prints it
LEARNING_RATE, N_ITERATIONS, BATCH_SIZE, N_EPOCHS = 0.1, 10, 20, 2
RATES = (0.001, 0.01, 0.05, 0.1, 0.2, 0.4, 0.45, 0.5, 1.0)


def seed_stream(seed=0):
    """The notebook's random stream after its data: ``(X, y, rs)`` with ``rs`` ready to draw the
    batch start; ``X`` (100, 1) and ``y`` (100, 1) exactly as the notebook makes them."""
    rs = np.random.RandomState(seed)
    X = 2 * rs.rand(100, 1)
    y = 4 + 3 * X + rs.randn(100, 1)
    return X, y, rs


def compute_loss(theta, X, y):
    """The notebook's loss: mean squared error, theta (2, 1), X (n, 2), y (n, 1)."""
    error = y - X.dot(theta)
    return np.mean(error ** 2)


def seed_batch_gd(X_b, y, learning_rate, n_iterations, rs):
    """The notebook's ``gradient_descent`` (plots left out), drawing its start from ``rs``."""
    theta = rs.randn(2, 1)
    start = theta
    theta_trajectory, losses = [], []
    for _ in range(n_iterations):
        gradients = -2 / X_b.shape[0] * X_b.T.dot(y - X_b.dot(theta))
        theta = theta - learning_rate * gradients
        theta_trajectory.append(theta)
        losses.append(compute_loss(theta, X_b, y))
    return start, theta, np.array(theta_trajectory)[..., 0], np.array(losses)


def seed_minibatch(X, y, learning_rate, n_iterations, batch_size, rs):
    """The notebook's mini-batch ``gradient_descent`` (plots left out), RNG ``rs``."""
    theta = rs.randn(2, 1)
    theta_trajectory = [theta]
    losses = [compute_loss(theta, X, y)]
    m = len(X)
    for _ in range(n_iterations):
        shuffled_indices = rs.permutation(m)
        X_shuffled, y_shuffled = X[shuffled_indices], y[shuffled_indices]
        for i in range(0, m, batch_size):
            X_batch, y_batch = X_shuffled[i:i + batch_size], y_shuffled[i:i + batch_size]
            gradients = -2 / X_batch.shape[0] * X_batch.T.dot(y_batch - X_batch.dot(theta))
            theta = theta - learning_rate * gradients
            theta_trajectory.append(theta)
            losses.append(compute_loss(theta, X, y))
    return np.array(theta_trajectory)[..., 0], np.array(losses)


def seed_surface(X_b, y, theta0_vals, theta1_vals):
    """The notebook's double loop over the grid (meshgrid 'xy': row i is theta1_vals[i])."""
    theta0_mesh, theta1_mesh = np.meshgrid(theta0_vals, theta1_vals)
    loss_surface = np.zeros_like(theta0_mesh)
    for i in range(len(theta0_vals)):
        for j in range(len(theta1_vals)):
            theta_ij = np.array([[theta0_mesh[i, j]], [theta1_mesh[i, j]]])
            loss_surface[i, j] = compute_loss(theta_ij, X_b, y)
    return loss_surface


def build(quick=False, progress=None):
    """Reproduce seed 003 and return its report (``.numbers``, ``.checks``).

    ``quick`` only lowers the figures' resolution: everything here is NumPy and takes seconds.
    """
    import pandas as pd

    from .. import plots
    from ..datasets import load_dataset
    from ..linear import GradientDescentDiverged, gradient_descent, loss_surface, solve
    from ..linear_regression import LinearRegression

    step = Steps(progress)
    r = DemoReport(TITLE, "Seed 003 (Rina Buoy, gradient descent and mini-batch training), "
                   "reproduced with nnfit.linear", quick=quick)
    num = r.numbers

    step("generating the data")
    data = load_dataset("gd_line")
    X, y = data.X, data.y
    x = X[:, 0]
    X_seed, y_seed, rs_seed = seed_stream()
    X_b = np.c_[np.ones((100, 1)), X_seed]
    r.add_section("Generate training datasets")
    r.add_text(
        "ŷ = θ0 + θ1·x1 + ε with θ0 = 4 and θ1 = 3: np.random.seed(0); X = 2·rand(100, 1); "
        "y = 4 + 3X + randn(100, 1). nnfit.load_dataset(\"gd_line\") draws the same numbers "
        "from a local RandomState(0).")
    r.check("nnfit's gd_line data equal the notebook's draws",
            np.r_[x, y], np.r_[X_seed[:, 0], y_seed[:, 0]])
    r.add_figure(_scatter(x, y), "The data.")

    step("the closed form")
    rows = {"nnfit.linear.solve (svd)": solve(X, y, solver="svd"),
            "nnfit.linear.solve (qr)": solve(X, y, solver="qr"),
            "nnfit.linear.solve (pinv)": solve(X, y, solver="pinv"),
            "nnfit.linear.solve (normal equations)": solve(X, y, solver="normal")}
    thetas = {k: np.array([s.intercept, s.coef[0]]) for k, s in rows.items()}
    est = LinearRegression().fit(X, y)
    thetas["nnfit.LinearRegression()"] = np.array([est.intercept_, est.coef_[0]])
    thetas["np.linalg.pinv(X_b) @ y"] = (np.linalg.pinv(X_b) @ y_seed)[:, 0]
    theta_exact = thetas["nnfit.linear.solve (svd)"]
    num["closed_form"] = theta_exact.tolist()
    r.add_text(
        "The notebook never computes where the descent should end. The least-squares answer is "
        f"θ = [{theta_exact[0]:.8f}, {theta_exact[1]:.8f}] — not [4, 3]: with 100 noisy points "
        "the best line differs from the true one. Every exact solver agrees to the last digit.")
    r.add_table(pd.DataFrame({"solver": list(thetas),
                              "θ0": [t[0] for t in thetas.values()],
                              "θ1": [t[1] for t in thetas.values()],
                              "max |θ − seed's θ|": [float(np.max(np.abs(t - THETA_SEED)))
                                                     for t in thetas.values()]}),
                "The closed form, every way", digits=10)
    for name, theta in thetas.items():
        r.check(f"closed form by {name} equals [4.22215108, 2.96846751]", theta, THETA_SEED,
                atol=1e-8)

    step("batch gradient descent: rate 0.1, 10 iterations")
    start, theta_seed, traj_seed, losses_seed = seed_batch_gd(X_b, y_seed, LEARNING_RATE,
                                                              N_ITERATIONS, rs_seed)
    rs = seed_stream()[2]
    res = gradient_descent(X, y, "gd", loss="mse", learning_rate=LEARNING_RATE,
                           max_iter=N_ITERATIONS, tol=None, seed=rs)
    theta0 = res.path[0]
    hand = theta0 + LEARNING_RATE * 2 / 100 * np.c_[np.ones(100), x].T @ (
        y - theta0[0] - theta0[1] * x)
    num.update(batch_start=theta0.tolist(), batch_path=res.path.tolist(),
               batch_losses=res.losses.tolist(), batch_theta=res.path[-1].tolist(),
               batch_first_step_by_hand=hand.tolist())
    r.add_section("Gradient descent")
    r.add_text(
        f"Learning rate {LEARNING_RATE:g}, {N_ITERATIONS} iterations, a random start "
        "θ = randn(2, 1) — here the notebook's own draw, "
        f"[{theta0[0]:.6f}, {theta0[1]:.6f}]. Each iteration computes the gradient of the mean "
        "squared error, −2/n·X_bᵀ(y − X_b·θ), and steps against it.")
    r.add_text(
        f"By hand, the first step goes to θ0 + 0.1·(2/100)·X_bᵀ(y − X_b·θ0) = "
        f"[{hand[0]:.8f}, {hand[1]:.8f}]; nnfit's first update is "
        f"[{res.path[1, 0]:.8f}, {res.path[1, 1]:.8f}].")
    r.add_preformatted(f"Parameters obtained by gradient descent: {theta_seed}",
                       "What the notebook prints (computed here with its own loop)")
    r.check("nnfit's start is the notebook's randn(2, 1)", theta0, start[:, 0])
    r.check("the first update equals the hand formula", res.path[1], hand, atol=1e-12)
    r.check("nnfit's 10 iterations equal the notebook's trajectory", res.path[1:], traj_seed,
            atol=1e-12)
    r.check("nnfit's losses equal the notebook's", res.losses[1:], losses_seed, rtol=1e-12)
    r.add_figure(plots.plot_gd_snapshots(x, y, res.path, every=1, losses=res.losses,
                                         max_panels=12, loss_label="MSE", step_label="iteration",
                                         x_label="X", y_label="y"),
                 "Gradient descent linear regression: the fit at the start and after each of "
                 "the 10 iterations.")
    r.add_text(
        f"After 10 iterations θ = [{res.path[-1, 0]:.4f}, {res.path[-1, 1]:.4f}] and the MSE is "
        f"{res.losses[-1]:.4f}; the least-squares line has MSE "
        f"{compute_loss(theta_exact[:, None], X_b, y_seed):.4f}. Ten steps get most of the way, "
        "not all of it.")

    step("the loss surface over [-10, 10]²")
    vals = np.linspace(-10, 10, 100)
    Ti, Tj, Z = loss_surface(X, y, grid_i=vals, grid_j=vals, loss="mse")
    Z_seed = seed_surface(X_b, y_seed, vals, vals)
    num["surface_min"] = float(Z.min())
    r.add_section("Loss surface")
    r.add_text(
        "The MSE over a 100 × 100 grid of θ0, θ1 in [−10, 10]. The notebook evaluates the "
        "loss 10,000 times in a double loop; nnfit.linear.loss_surface expands the quadratic "
        "once and evaluates it on the grid exactly.")
    r.check("nnfit's loss surface equals the notebook's double loop", Z, Z_seed, rtol=1e-10)
    r.add_figure(plots.plot_loss_surface(Ti, Tj, Z, kind="3d", labels=("θ0", "θ1"),
                                         loss_label="MSE", title="Loss surface"),
                 "The loss surface: a long, narrow valley (x is never negative, so θ0 and θ1 "
                 "trade off against each other).")

    r.add_section("Learning trajectory")
    r.add_text(
        "The 10 iterations on the surface (the start included), in 3-D as the notebook draws "
        "them, and from above, where the contours show what the 3-D view hides: the steps "
        "cross the narrow valley quickly and then crawl along its floor.")
    r.add_figure(plots.plot_loss_surface(Ti, Tj, Z, res.path, res.losses, kind="both",
                                         labels=("θ0", "θ1"), loss_label="MSE",
                                         title="Gradient descent trajectory"),
                 "Batch gradient descent on the loss surface: 3-D (left) and contours (right).")

    step("mini-batch training: batches of 20, 2 epochs")
    mb_traj_seed, mb_losses_seed = seed_minibatch(X_b, y_seed, LEARNING_RATE, N_EPOCHS,
                                                  BATCH_SIZE, rs_seed)
    mb = gradient_descent(X, y, "minibatch", loss="mse", learning_rate=LEARNING_RATE,
                          max_iter=N_EPOCHS, batch_size=BATCH_SIZE, tol=None, seed=rs)
    num.update(minibatch_path=mb.path.tolist(), minibatch_losses=mb.losses.tolist(),
               minibatch_theta=mb.path[-1].tolist())
    r.add_section("Mini-batch training")
    r.add_text(
        f"The same rate, {N_EPOCHS} epochs of shuffled batches of {BATCH_SIZE}: 5 updates per "
        "epoch, 10 in all, each from the gradient of one batch's MSE, with the loss recorded on "
        "all the data after every update. The start and the shuffles continue the notebook's "
        "random stream.")
    r.check("nnfit's mini-batch trajectory equals the notebook's", mb.path, mb_traj_seed,
            atol=1e-12)
    r.check("nnfit's mini-batch losses equal the notebook's", mb.losses, mb_losses_seed,
            rtol=1e-10)
    r.add_figure(plots.plot_gd_snapshots(x, y, mb.path, every=1, losses=mb.losses,
                                         max_panels=12, loss_label="MSE", step_label="update",
                                         x_label="X", y_label="y"),
                 "Mini-batch training: the fit at the start and after each of the 10 updates.")
    r.add_figure(plots.plot_loss_surface(Ti, Tj, Z, mb.path, mb.losses, kind="both",
                                         labels=("θ0", "θ1"), loss_label="MSE",
                                         title="Gradient descent trajectory with mini-batch "
                                               "training"),
                 "Mini-batch training on the loss surface, as the notebook draws it.")
    r.add_figure(_zoom(X, y, res.path, mb.path, loss_surface, plots),
                 "Closer, both paths (from the notebook's two different random starts): each "
                 "mini-batch step follows one batch's gradient, so its path bends where batch "
                 "descent's runs straight down the steepest slope.")
    dist = lambda theta: float(np.linalg.norm(np.asarray(theta) - theta_exact))  # noqa: E731
    r.add_table(pd.DataFrame({
        "": ["batch gradient descent (10 iterations)", "mini-batches of 20 (2 epochs)"],
        "updates": [N_ITERATIONS, len(mb.path) - 1],
        "rows read": [N_ITERATIONS * 100, N_EPOCHS * 100],
        "θ0": [res.path[-1, 0], mb.path[-1, 0]], "θ1": [res.path[-1, 1], mb.path[-1, 1]],
        "MSE": [res.losses[-1], mb.losses[-1]],
        "distance to the closed form": [dist(res.path[-1]), dist(mb.path[-1])],
    }), "Ten updates each: mini-batches read a fifth of the data for the same number of steps")

    step("gradient descent to convergence")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        long = gradient_descent(X, y, "gd", loss="mse", learning_rate=LEARNING_RATE,
                                max_iter=100_000, tol=1e-12, initial=theta0)
    num.update(iterations_to_converge=int(long.n_iter),
               converged_theta=[float(long.intercept), float(long.coef[0])])
    r.add_section("Gradient descent to convergence")
    r.add_text(
        f"Not in the notebook: the same descent from the same start, run until no parameter "
        f"moves by more than 1e-12 (relative). It takes {long.n_iter:,} iterations and ends at "
        f"θ = [{long.intercept:.8f}, {long.coef[0]:.8f}], the closed form to "
        f"{np.max(np.abs([long.intercept, long.coef[0]] - theta_exact)):.1e}.")
    r.check("gradient descent run to convergence reaches the closed form",
            [long.intercept, long.coef[0]], theta_exact, atol=1e-9)
    best = compute_loss(theta_exact[:, None], X_b, y_seed)
    r.add_figure(plots.plot_learning_curves(np.maximum(long.losses - best, 1e-16 * best),
                                            loss_label="MSE − minimum MSE", x_label="iteration",
                                            log=True, title="Distance to the optimum"),
                 "The excess loss falls geometrically: a straight line on a log scale, its slope "
                 "set by the valley's narrowness (the Hessian's condition number).")

    step("the learning rate")
    H = 2 / 100 * X_b.T @ X_b                       # the MSE's Hessian
    lam = np.linalg.eigvalsh(H)
    limit = 2 / lam[-1]
    table, curves = [], {}
    for rate in RATES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run = gradient_descent(X, y, "gd", loss="mse", learning_rate=rate,
                                       max_iter=20_000, tol=1e-10, initial=theta0)
                # the stop reasons of nnfit's fits: the step test met, or the budget spent
                reason = "step_below_xtol" if run.converged else "completed"
                steps, losses = run.n_iter, run.losses
            except GradientDescentDiverged as err:
                reason, steps, losses = "diverged", len(err.result.losses), err.result.losses
        curves[rate] = losses
        table.append({"learning rate": rate, "rate × λmax / 2": rate * lam[-1] / 2,
                      "stop reason": reason, "iterations": int(steps),
                      "final MSE": "–" if reason == "diverged" else f"{losses[-1]:.6g}"})
    num["learning_rates"] = {row["learning rate"]: row["stop reason"] for row in table}
    num["stability_limit"] = float(limit)
    r.add_section("The learning rate")
    r.add_text(
        f"Also not in the notebook. The MSE's Hessian 2/n·X_bᵀX_b has eigenvalues "
        f"{lam[0]:.4f} and {lam[1]:.4f}; batch descent with a constant rate is stable only "
        f"below 2/λmax = {limit:.4f}; its slowest direction contracts fastest near "
        f"2/(λmin + λmax) = {2 / lam.sum():.4f}, where the fast direction starts to "
        "oscillate. The table runs every rate from the same start for up to 20,000 "
        "iterations, stopping when no parameter moves by more than 1e-10 (relative; stop reason "
        "step_below_xtol), after all 20,000 (completed), or when the loss blows up (diverged).")
    r.add_table(pd.DataFrame(table), "Learning rate against convergence", digits=4)
    r.add_figure(_rate_curves(curves, compute_loss(theta_exact[:, None], X_b, y_seed)),
                 "MSE per iteration for each learning rate: too small crawls, the notebook's "
                 "0.1 is sound, above 2/λmax the loss explodes.")
    r.check_true("the notebook's rate 0.1 is below the stability limit 2/λmax",
                 LEARNING_RATE < limit, f"2/λmax = {limit:.4f}")

    r.add_section("Checks")
    r.add_checks_table()
    return r


def _scatter(x, y):
    from ..plots.style import COLORS, new_figure, styled

    @styled
    def draw():
        fig, ax = new_figure(size=(5.0, 3.6))
        ax.scatter(x, y, s=16, color=COLORS["data"], alpha=0.8, label="data")
        ax.set(xlabel="X", ylabel="y", title="y = 4 + 3X + noise")
        ax.legend()
        return fig

    return draw()


def _zoom(X, y, batch_path, minibatch_path, loss_surface, plots):
    """Contours around both paths: the mini-batch path drawn, the batch path added."""
    from ..plots.style import COLORS

    pts = np.vstack([batch_path, minibatch_path])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.15 * (hi - lo).max() + 0.2
    gi = np.linspace(lo[0] - pad, hi[0] + pad, 120)
    gj = np.linspace(lo[1] - pad, hi[1] + pad, 120)
    Ti, Tj, Z = loss_surface(X, y, grid_i=gi, grid_j=gj, loss="mse")
    fig = plots.plot_loss_surface(Ti, Tj, Z, minibatch_path, kind="contour", labels=("θ0", "θ1"),
                                  loss_label="MSE", title="Both paths on one map")
    ax = fig.axes[0]
    ax.plot(batch_path[:, 0], batch_path[:, 1], color=COLORS["fit"], marker="s", ms=3, lw=1.2,
            label="batch descent path")
    ax.set(xlim=(gi[0], gi[-1]), ylim=(gj[0], gj[-1]))
    handles, labels = ax.get_legend_handles_labels()
    labels = [lb.replace("descent path", "mini-batch path") if lb.startswith("descent") else lb
              for lb in labels]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)
    return fig


def _rate_curves(curves, minimum):
    from matplotlib import colormaps

    from ..plots.style import new_figure, styled

    @styled
    def draw():
        fig, ax = new_figure(size=(6.4, 4.0))
        cmap = colormaps["viridis"]
        shown = 300
        for k, (rate, losses) in enumerate(curves.items()):
            L = np.asarray(losses[:shown + 1], dtype=np.float64)
            ax.plot(np.arange(len(L)), L, color=cmap(k / max(1, len(curves) - 1)),
                    label=f"rate {rate:g}")
        ax.axhline(minimum, color="k", ls=":", lw=1, label="least-squares minimum")
        ax.set_yscale("log")
        ax.set_ylim(minimum * 0.8, 1e4)
        ax.set(xlabel="iteration", ylabel="MSE (log scale)",
               title=f"The first {shown} iterations at each learning rate")
        ax.legend(ncols=2, fontsize=7.5)
        return fig

    return draw()
