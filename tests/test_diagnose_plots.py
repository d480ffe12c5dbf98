"""The figures of nnfit.diagnose's results: hidden units (unit_contributions), the loss along a
line (interpolate), a slice of a network's parameters (loss_surface) with axes that name its
directions, and many starts (multistart), each checked against the diagnose result it draws
and an independent reference."""

import functools

import numpy as np
import pytest

import _tiny_fits as tiny
from nnfit import diagnose, plots

RNG = np.random.default_rng(8)


def legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def by_gid(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


@functools.lru_cache(maxsize=None)
def slices():
    """A trained network's slices: random directions, the path's principal ones, given ones."""
    fit = tiny.regression()
    start = diagnose.initial_params(fit)
    middle = [(0.5 * (W0 + W1), 0.5 * (b0 + b1)) for (W0, b0), (W1, b1)
              in zip(start, fit.member_params(0))]
    path = [start, middle, fit.member_params(0)]
    random = diagnose.loss_surface(fit, tiny.X1, tiny.Y1, n_points=7, path=path)
    pca = diagnose.loss_surface(fit, tiny.X1, tiny.Y1, n_points=7, path=path, directions="pca")
    given = diagnose.loss_surface(fit, tiny.X1, tiny.Y1, n_points=7, directions=random.directions)
    return fit, random, pca, given


@pytest.mark.parametrize("which, words", [
    (1, "filter-normalised random direction"), (2, "principal direction of the path"),
    (3, "direction")])
@pytest.mark.parametrize("kind", ["contour", "3d"])
def test_a_network_slice_s_axes_name_its_directions_not_parameters(which, words, kind):
    s = slices()[which]
    fig = plots.plot_loss_surface(s, kind=kind)  # the diagnose result alone
    ax = fig.axes[0]
    assert ax.get_xlabel() == f"α along d₁ ({words} 1)"
    assert ax.get_ylabel() == f"β along d₂ ({words} 2)"
    assert "intercept" not in ax.get_xlabel() + ax.get_ylabel() and "θ₀" not in ax.get_xlabel()
    assert "θ* + α·d₁ + β·d₂" in ax.get_title()
    if kind == "3d":
        assert ax.get_zlabel() == "training loss"
    else:
        assert any(t.startswith("fitted parameters (loss") for t in legend_texts(ax))
    if s.path_coords is not None:
        line = next(l for l in ax.get_lines() if l.get_label().startswith("descent path"))
        np.testing.assert_allclose(line.get_xdata(), s.path_coords[:, 0])
        np.testing.assert_allclose(line.get_ydata(), s.path_coords[:, 1])
        assert "off the plane" in ax.get_title()


def test_loss_slice_from_plain_arrays_and_its_surface():
    _, s, _, _ = slices()
    fig = plots.plot_loss_slice(s.alphas, s.betas, s.loss, direction_kind="random",
                                kind="contour")
    ax = fig.axes[0]
    assert ax.get_xlabel() == plots.slice_labels("random")[0]
    # the surface drawn is the loss at theta* + a d1 + b d2: its centre is the fitted loss
    fit = slices()[0]
    assert s.loss[3, 3] == pytest.approx(s.center_loss, rel=1e-12)
    assert s.center_loss == pytest.approx(np.mean((fit.predict(tiny.X1) - tiny.Y1) ** 2),
                                          rel=1e-5)
    with pytest.raises(ValueError, match="direction_kind"):
        plots.slice_labels("sideways")


def test_interpolation_figure_draws_diagnose_s_line():
    fit = tiny.regression()
    line = diagnose.interpolate(fit, tiny.X1, tiny.Y1, "init", None, n_points=31, extend=0.25)
    fig = plots.plot_interpolation(line, start_label="initial parameters",
                                   end_label="fitted parameters")
    ax = fig.axes[0]
    drawn = by_gid(ax, "loss")[0]
    np.testing.assert_allclose(drawn.get_xdata(), line.alpha)
    np.testing.assert_allclose(drawn.get_ydata(), line.loss)
    texts = legend_texts(ax)
    assert "initial parameters (α = 0)" in texts and "fitted parameters (α = 1)" in texts
    end = next(c for c in ax.collections if c.get_label() == "fitted parameters (α = 1)")
    # the end is the fitted network: its loss is the MSE of its own predictions
    assert end.get_offsets()[0, 1] == pytest.approx(
        np.mean((fit.predict(tiny.X1) - tiny.Y1) ** 2), rel=1e-5)
    assert ax.get_xlabel() == "α: (1 − α)·initial parameters + α·fitted parameters"
    same = plots.plot_interpolation(line.alpha.to_numpy(), line.loss.to_numpy())
    np.testing.assert_allclose(by_gid(same.axes[0], "loss")[0].get_ydata(), line.loss)
    with pytest.raises(TypeError, match="interpolate"):
        plots.plot_interpolation(np.arange(3.0))


def test_interpolation_marks_a_barrier_between_the_ends():
    a = np.linspace(0, 1, 11)
    fig = plots.plot_interpolation(a, 1.0 + np.sin(np.pi * a))
    assert "barrier at α = 0.5" in legend_texts(fig.axes[0])
    fig = plots.plot_interpolation(a, 2.0 - a)
    assert not any(t.startswith("barrier") for t in legend_texts(fig.axes[0]))


def test_multistart_figure_draws_every_start_and_both_distances():
    fit = tiny.ensemble()
    ms = diagnose.compare_starts(fit, tiny.X1)
    fig = plots.plot_multistart(ms, X_train=tiny.X1[:, 0], y_train=tiny.Y1)
    ax, raw, canonical = fig.axes[:3]
    starts = by_gid(ax, "start")
    assert len(starts) == 3
    x = np.r_[ms.X_inside[:, 0], ms.X_outside[:, 0]]
    order = np.argsort(x, kind="stable")
    members = fit.predict_members(x[order][:, None])
    for k, line in enumerate(starts):
        np.testing.assert_allclose(line.get_xdata(), x[order])
        np.testing.assert_allclose(line.get_ydata(), members[k], rtol=1e-5, atol=1e-6)
    images = {im.get_gid(): im.get_array() for a in (raw, canonical) for im in a.get_images()}
    np.testing.assert_allclose(images["distance"], ms.distance)
    np.testing.assert_allclose(images["canonical_distance"], ms.canonical_distance)
    # distances are between the members' parameter vectors, computed here independently
    flat = [np.concatenate([np.r_[W.ravel(), b] for W, b in fit.member_params(m)])
            for m in range(3)]
    np.testing.assert_allclose(ms.distance[0, 1], np.linalg.norm(flat[0] - flat[1]), rtol=1e-6)
    assert ax.get_xlabel() == "x" and raw.get_xlabel() == "start"
    assert "largest std across starts" in ax.get_title()


def test_multistart_figure_of_several_inputs_and_of_plain_arrays():
    P = np.array([[1.0, 2.0, 3.0], [1.2, 2.1, 2.7]])
    fig = plots.plot_multistart(RNG.normal(size=(3, 2)), P)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and ax.get_xlabel() == "mean of the starts' y"
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 1], (P - P.mean(axis=0)).ravel())
    with pytest.raises(ValueError, match=r"\(n_starts, 3\)"):
        plots.plot_multistart(np.arange(3.0), P[:, :2])


def test_unit_contributions_of_diagnose_feed_the_plot_directly():
    fit = tiny.regression()
    grid = np.linspace(-1.5, 1.5, 41)
    u = diagnose.unit_contributions(fit, grid)
    assert u.contributions.shape == (41, 4)  # grid first
    for fig in (plots.plot_unit_contributions(u),
                plots.plot_unit_contributions(u.x, u.contributions, u.bias, u.prediction),
                plots.plot_unit_contributions(u.x, u.contributions.T, u.bias)):  # units first
        units_ax, out_ax = fig.axes
        units = by_gid(units_ax, "unit")
        assert len(units) == 4
        for j, line in enumerate(units):
            np.testing.assert_allclose(line.get_xdata(), grid)
            np.testing.assert_allclose(line.get_ydata(), u.contributions[:, j], rtol=1e-12)
        np.testing.assert_allclose(by_gid(out_ax, "prediction")[0].get_ydata(),
                                   fit.predict(grid[:, None]), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="UnitContributions alone"):
        plots.plot_unit_contributions(u, u.contributions, u.bias)


def test_a_square_array_of_contributions_is_read_the_way_it_adds_up():
    x = np.linspace(0, 1, 4)
    C = RNG.normal(size=(4, 4))  # 4 grid points and 4 units
    for grid_first in (C, C.T):  # given grid first, with the prediction it adds up to
        fig = plots.plot_unit_contributions(x, grid_first, 0.3, grid_first.sum(axis=1) + 0.3)
        lines = by_gid(fig.axes[0], "unit")
        np.testing.assert_allclose(np.array([l.get_ydata() for l in lines]).T, grid_first)
    fig = plots.plot_unit_contributions(x, C, 0.3)  # no prediction: diagnose's order
    np.testing.assert_allclose(by_gid(fig.axes[1], "prediction")[0].get_ydata(),
                               C.sum(axis=1) + 0.3)
