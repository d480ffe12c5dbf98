"""nnfit.plots: every figure renders headless from plain data (and from tiny real fits), and
shows what it claims: labels, legends, lines, and numbers that can be checked."""

import functools
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import _tiny_fits as tiny
import nnfit
from nnfit import diagnose, plots
from nnfit.plots import COLORS, FitPlots

RNG = np.random.default_rng(3)


def legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def by_gid(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def linear_path(n_updates=100, lr=0.1):
    """Seed 003's batch gradient descent on y = 4 + 3x + noise, intercept first."""
    x = 2 * RNG.random(50)
    y = 4 + 3 * x + 0.5 * RNG.normal(size=50)
    theta, path = np.array([-5.0, 8.0]), []
    for _ in range(n_updates + 1):
        path.append(theta)
        r = y - theta[0] - theta[1] * x
        theta = theta + lr * np.array([2 * r.mean(), 2 * (r * x).mean()])
    path = np.array(path)
    losses = np.array([np.mean((y - p[0] - p[1] * x) ** 2) for p in path])
    return x, y, path, losses


def surface(x, y, gi, gj):
    return np.mean((y - gi[None, :, None] - gj[:, None, None] * x) ** 2, axis=-1)


# ----------------------------------------------------------------------------- headless
def test_import_nnfit_loads_no_matplotlib_and_figures_render_without_display(tmp_path):
    code = (
        "import sys, nnfit, nnfit.report\n"
        "assert 'matplotlib' not in sys.modules, 'import nnfit loaded matplotlib'\n"
        "import numpy as np\n"
        "from nnfit import plots\n"
        "fig = plots.plot_fit(np.arange(5.0), np.arange(5.0), np.arange(5.0))\n"
        f"plots.save_figure(fig, {str(tmp_path / 'f.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'plots used pyplot'\n"
        "print('ok')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(os.path.dirname(__file__), "..", "src"),
                                         env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------- data and fit
def test_plot_fit_has_scatter_prediction_and_series_view():
    x = RNG.uniform(-1, 1, 25)
    y = 2 * x + RNG.normal(size=25) * 0.1
    fig = plots.plot_fit(x, y, 2 * x, x_label="x1")
    scatter_ax, series_ax = fig.axes
    assert legend_texts(scatter_ax) == ["data", "prediction"]
    assert legend_texts(series_ax) == ["data", "prediction"]
    assert scatter_ax.get_xlabel() == "x1" and scatter_ax.get_ylabel() == "y"
    assert series_ax.get_xlabel() == "sample index"
    np.testing.assert_allclose(scatter_ax.collections[0].get_offsets()[:, 1], y)
    line = scatter_ax.get_lines()[0]
    assert np.all(np.diff(line.get_xdata()) >= 0)  # drawn in order of x
    np.testing.assert_allclose(series_ax.get_lines()[1].get_ydata(), 2 * x)
    assert len(plots.plot_fit(x, y, 2 * x, series=False).axes) == 1


def test_plot_fit_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        plots.plot_fit(np.arange(3.0), np.arange(3.0), np.arange(4.0))


def test_residuals_are_y_minus_prediction():
    y, y_hat, x = RNG.normal(size=20), RNG.normal(size=20), np.arange(20.0)
    fig = plots.plot_residuals(y, y_hat, x)
    ax, hist = fig.axes
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], y - y_hat)
    assert ax.get_ylabel() == "residual y − ŷ" and hist.get_ylabel() == "count"
    assert sum(p.get_height() for p in hist.patches) == 20


def test_predicted_vs_true_has_identity_line():
    fig = plots.plot_predicted_vs_true(np.arange(5.0), np.arange(5.0) + 0.1)
    assert legend_texts(fig.axes[0]) == ["samples", "y = ŷ"]
    assert fig.axes[0].get_xlabel() == "observed y"


def test_ensemble_band_from_a_real_ensemble():
    fit = tiny.ensemble()
    fig = FitPlots(fit, tiny.X1, tiny.Y1).band()
    ax = fig.axes[0]
    assert legend_texts(ax) == ["training data", "members (3)", "mean ± 2 std", "ensemble mean"]
    member_lines = [l for l in ax.get_lines() if l.get_linewidth() < 1]
    assert len(member_lines) == 3
    mean_line = ax.get_lines()[-1]
    x = mean_line.get_xdata()
    np.testing.assert_allclose(mean_line.get_ydata(), fit.predict(x[:, None]), rtol=1e-5, atol=1e-6)


def test_extrapolation_shades_the_training_range():
    x = np.linspace(0, 10, 50)
    fig = plots.plot_extrapolation(x, x ** (1 / 3), np.tanh(x), 0.1 * x, X_train=np.linspace(0, 1, 9),
                                   y_train=np.linspace(0, 1, 9) ** (1 / 3))
    ax = fig.axes[0]
    assert legend_texts(ax) == ["training range", "training data", "true function",
                                "mean ± 2 std", "model"]
    span = ax.patches[0]  # a Rectangle (matplotlib >= 3.9) or a Polygon
    xs = ([span.get_x(), span.get_x() + span.get_width()] if hasattr(span, "get_width")
          else np.asarray(span.get_xy())[:, 0])
    assert min(xs) == pytest.approx(0.0) and max(xs) == pytest.approx(1.0)


def test_decision_boundary_from_a_fit_and_from_a_function():
    fit, X, y = tiny.classification()
    fig = plots.plot_decision_boundary(fit, X, y, grid=40)
    ax = fig.axes[0]
    assert legend_texts(ax) == ["class 0", "class 1", "decision boundary"]
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    assert len(fig.axes) == 2  # the colour bar of P(class 1)

    def three_classes(Z):
        logits = np.column_stack([Z[:, 0], Z[:, 1], -Z[:, 0] - Z[:, 1]])
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    labels = three_classes(X).argmax(axis=1)
    fig = plots.plot_decision_boundary(three_classes, X, labels, grid=30)
    assert legend_texts(fig.axes[0])[-1] == "decision boundary"
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plots.plot_decision_boundary(fit, np.c_[X, X[:, :1]], y)


# ---------------------------------------------------------------------------------- curves
def test_learning_curves_of_a_fit_pair_train_and_validation():
    fit = tiny.regression()
    fig = FitPlots(fit).learning_curves()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles[0] == "loss" and "mse" in titles and "mae" in titles
    loss_ax = fig.axes[0]
    assert legend_texts(loss_ax) == ["train", "validation"]
    assert loss_ax.get_xlabel() == "epoch"
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), fit.history["val_loss"])


def test_learning_curves_of_an_ensemble_draw_every_member_and_the_mean():
    fit = tiny.ensemble()
    fig = plots.plot_learning_curves(fit.histories, metrics=["mse"])
    loss_ax = fig.axes[0]
    assert legend_texts(loss_ax) == ["train (mean of 3)", "validation (mean of 3)"]
    assert len(loss_ax.get_lines()) == 2 * (3 + 1)


def test_learning_curves_of_a_plain_loss_array_count_from_zero():
    fig = plots.plot_learning_curves(np.exp(-np.arange(30) / 20.0), loss_label="SSE")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "SSE" and ax.get_xlabel() == "epoch"
    assert ax.get_lines()[0].get_xdata()[0] == 0
    assert ax.get_yscale() == "linear"
    fig = plots.plot_learning_curves(np.geomspace(1e3, 1e-3, 30))
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="not in the history"):
        plots.plot_learning_curves(tiny.regression().history, metrics=["accuracy"])


def test_hessian_spectrum_counts_negative_and_near_zero_eigenvalues():
    lam = np.r_[10.0, 1.0, 0.1, 1e-14, -1e-13, -0.5]
    fig = plots.plot_hessian_spectrum(lam)
    ax = fig.axes[0]
    assert legend_texts(ax)[:3] == ["positive (3)", "negative (1)", "near zero (2)"]
    assert ax.get_yscale() == "log"
    assert "singular" in ax.get_title()


# ----------------------------------------------------------------------- gradient descent
@pytest.mark.parametrize("kind", ["3d", "contour", "both"])
def test_loss_surface_with_the_descent_path(kind):
    x, y, path, losses = linear_path(40)
    gi, gj = np.linspace(-10, 10, 21), np.linspace(-10, 10, 17)
    Z = surface(x, y, gi, gj)
    fig = plots.plot_loss_surface(gi, gj, Z, path, losses, kind=kind)
    assert len(fig.axes) >= (2 if kind == "both" else 1)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "θ₀ (intercept)" and ax.get_ylabel() == "θ₁ (slope)"
    assert legend_texts(ax)[-3:] == ["descent path (41 points)", "start", "end"]
    line = next(l for l in ax.get_lines() if l.get_label().startswith("descent path"))
    np.testing.assert_allclose(line.get_xdata(), path[:, 0])
    np.testing.assert_allclose(line.get_ydata(), path[:, 1])
    if kind != "contour":
        assert ax.get_zlabel() == "loss"
        np.testing.assert_allclose(line.get_data_3d()[2], losses)


def test_loss_surface_reads_the_path_height_off_the_surface_and_accepts_meshgrids():
    x, y, path, _ = linear_path(5)
    gi, gj = np.linspace(-10, 10, 41), np.linspace(-10, 10, 41)
    Z = surface(x, y, gi, gj)
    Ti, Tj = np.meshgrid(gi, gj)
    on_grid = np.array([[-5.0, 8.0], [0.0, 0.0], [5.0, 2.5]])
    fig = plots.plot_loss_surface(Ti, Tj, Z, on_grid)
    line = fig.axes[0].get_lines()[0]
    expected = [Z[np.searchsorted(gj, b), np.searchsorted(gi, a)] for a, b in on_grid]
    np.testing.assert_allclose(line.get_data_3d()[2], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="len\\(grid_j\\), len\\(grid_i\\)"):
        plots.plot_loss_surface(gi, gj[:-1], Z)
    with pytest.raises(ValueError, match="losses must have"):
        plots.plot_loss_surface(gi, gj, Z, path, np.ones(3))


def test_loss_surface_labels_follow_the_columns_drawn():
    x, y, path, losses = linear_path(5)
    gi, gj = np.linspace(-10, 10, 9), np.linspace(-10, 10, 7)
    P3 = np.c_[path, path[:, 1]]  # three columns: intercept and two coefficients
    fig = plots.plot_loss_surface(gj, gi, surface(x, y, gi, gj).T, path, kind="contour", i=1, j=0)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("θ₁ (slope)", "θ₀ (intercept)")
    fig = plots.plot_loss_surface(gi, gj, surface(x, y, gi, gj), P3, kind="contour", i=2, j=0)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("θ₂", "θ₀ (intercept)")


def test_gd_snapshots_every_20_steps_draw_the_line_of_that_step():
    x, y, path, losses = linear_path(100)
    fig = plots.plot_gd_snapshots(x, y, path, every=20, losses=losses, loss_label="MSE")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(",")[0] for ax in shown] == [f"step {t}" for t in range(0, 101, 20)]
    assert f"MSE {losses[40]:.4g}" in shown[2].get_title()
    line = shown[2].get_lines()[0]
    xs = line.get_xdata()
    np.testing.assert_allclose(line.get_ydata(), path[40, 0] + path[40, 1] * xs)
    assert legend_texts(shown[0]) == ["data", "fit"]
    assert all(ax.get_xlabel() == "x" for ax in shown[-4:])


def test_gd_snapshots_overlay_and_thinning():
    x, y, path, _ = linear_path(100)
    fig = plots.plot_gd_snapshots(x, y, path, every=1, layout="overlay", max_panels=12)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 12
    assert fig.axes[1].get_ylabel() == "step"  # colour bar
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        plots.plot_gd_snapshots(x, y, np.c_[path, path])


# ------------------------------------------------------------------------ inside the network
def test_unit_contributions_of_a_fit_sum_to_its_prediction():
    fit = tiny.regression()
    grid = np.linspace(-1.5, 1.5, 41)
    C, bias, pred = plots.unit_contributions(fit, grid)
    assert C.shape == (4, 41)
    np.testing.assert_allclose(C.sum(axis=0) + bias, fit.predict(grid[:, None]), rtol=1e-5, atol=1e-5)
    fig = FitPlots(fit, tiny.X1, tiny.Y1).units(grid)
    units_ax, out_ax = fig.axes
    units = by_gid(units_ax, "unit")
    assert len(units) == 4
    assert legend_texts(units_ax) == ["unit 1", "unit 2", "unit 3", "unit 4",
                                      f"output bias {bias:.3g}"]
    plotted = sum(l.get_ydata() for l in units) + by_gid(units_ax, "bias")[0].get_ydata()[0]
    np.testing.assert_allclose(plotted, by_gid(out_ax, "prediction")[0].get_ydata(), atol=1e-5)
    assert out_ax.get_ylabel() == "y" and units_ax.get_ylabel() == "contribution to output"


def test_unit_contributions_many_units_and_a_wrong_sum():
    x = np.linspace(0, 1, 30)
    C = RNG.normal(size=(80, 30))
    fig = plots.plot_unit_contributions(x, C, 0.5)
    coll = [c for c in fig.axes[0].collections if c.get_gid() == "unit"]
    assert len(coll) == 1 and len(coll[0].get_segments()) == 80
    assert legend_texts(fig.axes[0])[0] == "80 units (h_j·w_j)"
    total = np.sum([s[:, 1] for s in coll[0].get_segments()], axis=0) + 0.5
    np.testing.assert_allclose(total, by_gid(fig.axes[1], "prediction")[0].get_ydata())
    with pytest.raises(ValueError, match="differs from contributions"):
        plots.plot_unit_contributions(x, C, 0.5, prediction=C.sum(axis=0))
    # very wide layers: the largest 500 are drawn, the prediction still sums every unit
    wide = np.outer(np.r_[np.full(599, 0.01), 5.0], np.sin(x))
    fig = plots.plot_unit_contributions(x, wide, 0.0)
    coll = next(c for c in fig.axes[0].collections if c.get_gid() == "unit")
    assert len(coll.get_segments()) == 500
    assert legend_texts(fig.axes[0])[0] == "500 of 600 units (largest) (h_j·w_j)"
    assert np.max(np.array(coll.get_segments())[:, :, 1]) == pytest.approx(5 * np.sin(1.0))  # the big one
    np.testing.assert_allclose(by_gid(fig.axes[1], "prediction")[0].get_ydata(), wide.sum(axis=0))


def test_unit_contributions_need_a_hidden_layer_and_one_input():
    fit, _, _ = tiny.classification()
    with pytest.raises(ValueError, match="regression"):
        plots.unit_contributions(fit, np.linspace(0, 1, 5))


X2 = np.random.default_rng(4).normal(size=(40, 2)) * [1.0, 3.0] + [0.5, -1.0]
Y2 = np.sin(X2[:, 0]) + 0.3 * X2[:, 1]


@functools.lru_cache(maxsize=None)
def two_input_ensemble():
    return nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh", normalize=True), X2, Y2,
                     n_members=3, **tiny.KW)


def held_grid(x, feature, at):
    X = np.repeat(np.asarray(at, dtype=np.float64)[None, :], len(x), axis=0)
    X[:, feature] = x
    return X


@pytest.mark.parametrize("feature, index", [(0, 0), (1, 1), ("x2", 1)])
def test_band_of_two_inputs_runs_along_one_with_the_other_at_its_median(feature, index):
    fit = two_input_ensemble()
    fig = FitPlots(fit, X2, Y2).band(feature=feature)
    ax = fig.axes[0]
    mean_line = ax.get_lines()[-1]
    x = mean_line.get_xdata()
    lo, hi = X2[:, index].min(), X2[:, index].max()
    assert x.min() < lo and x.max() > hi  # the data's range of that input, padded
    grid = held_grid(x, index, np.median(X2, axis=0))
    np.testing.assert_allclose(mean_line.get_ydata(), fit.predict(grid), rtol=1e-5, atol=1e-6)
    members = [l for l in ax.get_lines() if l.get_linewidth() < 1]
    np.testing.assert_allclose([l.get_ydata() for l in members], fit.predict_members(grid),
                               rtol=1e-5, atol=1e-6)
    other = 1 - index
    assert fig.get_suptitle() == (f"other inputs at their median: x{other + 1} = "
                                  f"{np.median(X2[:, other]):.4g}")
    assert ax.get_xlabel() == f"x{index + 1}"
    data = next(c for c in ax.collections if c.get_label() == "training data")
    np.testing.assert_allclose(data.get_offsets()[:, 0], X2[:, index])


def test_units_of_two_inputs_run_along_one_with_the_other_at_its_median():
    fit = two_input_ensemble()
    grid = np.linspace(-4, 2, 31)
    fig = FitPlots(fit, X2, Y2).units(grid, member=2, feature=1)
    units_ax, out_ax = fig.axes
    inputs = held_grid(grid, 1, np.median(X2, axis=0))
    np.testing.assert_allclose(by_gid(out_ax, "prediction")[0].get_ydata(),
                               fit.predict_members(inputs)[2], rtol=1e-5, atol=1e-6)
    # each unit's line: h_j(x) * w_j of member 2, from an independent NumPy forward pass
    (W0, b0), (W1, b1) = fit.member_params(2)
    H = np.tanh((inputs - fit.network.mean) / np.sqrt(fit.network.var) @ W0 + b0)
    for j, line in enumerate(by_gid(units_ax, "unit")):
        np.testing.assert_allclose(line.get_ydata(), H[:, j] * W1[j, 0], rtol=1e-4, atol=1e-6)
    assert "other inputs at their median: x1 = " in fig.get_suptitle()
    assert units_ax.get_xlabel() == "x2"


def test_without_data_the_other_inputs_are_held_at_the_training_mean():
    fit = two_input_ensemble()
    figs = FitPlots(fit)
    at, note = figs.held_values(0)
    mean = fit.input_stats["mean"] if fit.input_stats is not None else fit.network.mean
    assert np.isnan(at[0]) and at[1] == pytest.approx(mean[1])
    assert note == f"other inputs at their training mean: x2 = {mean[1]:.4g}"
    fig = figs.band()
    line = fig.axes[0].get_lines()[-1]
    grid = held_grid(line.get_xdata(), 0, [0.0, mean[1]])
    np.testing.assert_allclose(line.get_ydata(), fit.predict(grid), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="'x9' is not one of the inputs x1, x2"):
        figs.band(feature="x9")
    with pytest.raises(ValueError, match="feature must be"):
        figs.units(feature=2)


def test_a_one_input_fit_says_nothing_about_other_inputs():
    fig = FitPlots(tiny.ensemble(), tiny.X1, tiny.Y1).band()
    assert fig.get_suptitle() == ""


def test_layer_activations_per_layer_and_per_unit():
    x = np.linspace(-1, 1, 25)
    acts = [np.tanh(np.outer(x, [1, -2, 3])), np.maximum(0, np.outer(x, np.arange(1, 11)))]
    fig = plots.plot_layer_activations(x, acts)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["hidden 1 (3 units)", "hidden 2 (10 units)"]
    assert legend_texts(visible[0]) == ["unit 1", "unit 2", "unit 3"]
    assert visible[1].get_legend() is None  # too many to name
    np.testing.assert_allclose(visible[0].get_lines()[1].get_ydata(), np.tanh(-2 * x))
    fig = plots.plot_layer_activations(x, acts, facet="units", layer=1, max_units=6)
    assert sum(ax.get_visible() for ax in fig.axes) == 6
    assert "first 6 of 10" in fig._suptitle.get_text()
    fig = FitPlots(tiny.regression(), tiny.X1, tiny.Y1).activations()
    assert fig.axes[0].get_title() == "hidden 1 (tanh) (4 units)"


def test_network_diagram_colours_weights_by_sign_and_widths_by_size():
    params = [(np.array([[1.0, -2.0]]), np.zeros(2)), (np.array([[0.5], [-0.1]]), np.zeros(1))]
    fig = plots.plot_network((1, 2, 1), ("tanh", "linear"), params)
    ax = fig.axes[0]
    edges = next(c for c in ax.collections if c.get_label() == "weights")
    colors = edges.get_colors()
    widths = edges.get_linewidths()
    assert len(colors) == 4  # W0[0,0], W0[0,1], W1[0,0], W1[1,0]
    assert not np.allclose(colors[0], colors[1])
    np.testing.assert_allclose(colors[0][:3], np.array([int(COLORS["positive"][i:i + 2], 16)
                                                        for i in (1, 3, 5)]) / 255)
    np.testing.assert_allclose(colors[1], colors[3])  # both negative
    assert widths[1] > widths[0] > widths[2] > widths[3]  # |-2| > |1| > |0.5| > |-0.1|
    assert legend_texts(ax) == ["positive weight", "negative weight"]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "hidden 1\n2 units\ntanh" in texts and "output\n1 unit\nlinear" in texts
    assert "(7 parameters)" in ax.get_title()


def test_network_diagram_of_wide_layers_and_of_a_fit():
    fig = plots.plot_network((3, 100, 1), max_units=10)
    ax = fig.axes[0]
    assert any("91 more" in t.get_text() for t in ax.texts)
    edges = next(c for c in ax.collections if c.get_label() == "weights")
    assert len(edges.get_segments()) == 3 * 9 + 9 * 1  # 9 units drawn and the gap
    assert ax.get_legend() is None  # no weights, no colour key
    fit = tiny.ensemble()
    fig = FitPlots(fit).network(member=2)
    assert "1-4-1" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="member_params"):
        plots.plot_network(fit.network.layer_sizes, None, fit.params)  # member axis left on


# ---------------------------------------------------------------------------------- tables
def sweep_table():
    rows = []
    for width in (2, 8, 128):
        for l2 in (0.0, 0.01):
            for seed in range(3):
                rows.append(dict(width=width, l2=l2, seed=seed, n_params=3 * width + 1,
                                 train_mse=1 / width + l2 + 0.01 * seed,
                                 val_mse=1.5 / width + l2 + 0.01 * seed))
    return pd.DataFrame(rows)


def test_heatmap_of_a_tidy_table_averages_seeds_and_marks_the_best():
    table = sweep_table()
    fig = plots.plot_heatmap(table, "l2", "width", "val_mse")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 6
    expected = table.groupby(["l2", "width"])["val_mse"].mean()
    assert f"{expected[(0.0, 128)]:.3g}" in texts
    assert ax.get_xlabel() == "width" and ax.get_ylabel() == "l2"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "8", "128"]
    best = ax.patches[0]
    assert best.get_xy() == (2 - 0.5, 0 - 0.5)  # l2 = 0 (row 0), width 128 (column 2)
    assert fig.axes[1].get_ylabel() == "val_mse"


def test_heatmap_of_a_wide_capacity_table_marks_each_columns_best():
    table = pd.DataFrame({"train_mse": [0.044, 0.0096, 0.0061], "val_mse": [0.057, 0.0246, 0.0297]},
                         index=["2 units", "1024 units", "5 x 1024"])
    fig = plots.plot_heatmap(table)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table.index)
    assert sorted(p.get_xy() for p in ax.patches) == [(-0.5, 1.5), (0.5, 0.5)]


def test_capacity_curves_are_means_over_seeds():
    table = sweep_table()
    fig = plots.plot_capacity(table[table.l2 == 0], "width")
    ax = fig.axes[0]
    assert legend_texts(ax) == ["train_mse", "val_mse"]
    assert ax.get_xscale() == "linear"  # 2..128 spans less than two decades
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(),
                               table[table.l2 == 0].groupby("width")["val_mse"].mean())
    fig = plots.plot_capacity(table, "n_params", ["val_mse"], hue="l2")
    assert legend_texts(fig.axes[0]) == ["val_mse, l2=0.0", "val_mse, l2=0.01"]
    with pytest.raises(ValueError, match="not in the table"):
        plots.plot_capacity(table, "depth")


# ------------------------------------------------------------------- every kind renders
def all_figures():
    x, y, path, losses = linear_path(40)
    gi, gj = np.linspace(-10, 10, 15), np.linspace(-10, 10, 15)
    fit = tiny.ensemble()
    cfit, cX, cy = tiny.classification()
    figs = FitPlots(fit, tiny.X1, tiny.Y1)
    return {
        "fit": lambda: figs.data(),
        "learning_curves": lambda: figs.learning_curves(),
        "residuals": lambda: figs.residuals(),
        "band": lambda: figs.band(),
        "extrapolation": lambda: figs.extrapolation(np.linspace(-2, 3, 50), np.sin(2.5 * np.linspace(-2, 3, 50))),
        "units": lambda: figs.units(),
        "activations": lambda: figs.activations(),
        "network": lambda: figs.network(),
        "decision_boundary": lambda: FitPlots(cfit, cX, cy).data(),
        "loss_surface": lambda: plots.plot_loss_surface(gi, gj, surface(x, y, gi, gj), path, losses, kind="both"),
        "gd_snapshots": lambda: plots.plot_gd_snapshots(x, y, path, every=10),
        "hessian": lambda: plots.plot_hessian_spectrum([3.0, 1.0, 1e-12]),
        "heatmap": lambda: plots.plot_heatmap(sweep_table(), "l2", "width", "train_mse"),
        "capacity": lambda: plots.plot_capacity(sweep_table(), "width"),
        "predicted_vs_true": lambda: plots.plot_predicted_vs_true([1.0, 2.0], [1.1, 1.9]),
        "interpolation": lambda: plots.plot_interpolation(np.linspace(0, 1, 5), [3.0, 2, 2.5, 1, 0.5]),
        "loss_slice": lambda: plots.plot_loss_slice(gi, gj, surface(x, y, gi, gj), kind="both"),
        "multistart": lambda: plots.plot_multistart(diagnose.compare_starts(fit, tiny.X1)),
    }


@pytest.mark.parametrize("kind", sorted(all_figures()))
def test_every_figure_kind_renders_to_png(kind):
    fig = all_figures()[kind]()
    assert isinstance(fig, Figure)
    png = plots.figure_to_png(fig, dpi=40)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    for ax in fig.axes:  # every visible 2-D panel is labelled
        if ax.get_visible() and ax.axison and ax.name == "rectangular" and ax.get_label() != "<colorbar>":
            assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title(), f"{kind}: unlabelled axes"
