"""nnfit.demos: the registry, run_demo and run_all, and seeds 000, 001 and 003 reproduced —
their reports' sections and figures, and their numbers against the seed documents."""

import copy
import html
import importlib
import re

import numpy as np
import pytest

import nnfit
from nnfit import demos

MINE = ("regression-intuition", "linear-from-scratch", "gradient-descent")
# figures per report; quick mode has the same figures as full mode
FIGURES = {"regression-intuition": 48, "linear-from-scratch": 5, "gradient-descent": 9}
HEADINGS = {
    "regression-intuition": [
        "Regression intuition: the data", "Fitting a linear regression model",
        "Let's try something with neural networks", "A neural net like perceptron",
        "A little bit deep neural net but no activation functions",
        "No matter how deep: the one linear map", "Now a neural net with sigmoid applied",
        "2 sigmoids applied in the net", "Let's try with a little bit complex pattern",
        "A completely linear model for complex data", "With a sigmoid introducing non linearity",
        "With a relu layer", "With two relu layers", "Sine wave with a neural network",
        "Trying out with linear model", "Now with 2 sigmoid layers",
        "6 layers neural network with sigmoid and tanh", "Summary: every model's final error",
        "Checks", "About this run"],
    "linear-from-scratch": [
        "The network, its error and its gradients", "Generating the data",
        "Initializing our weights", "Training our neural network",
        "Where the descent ends: the closed form", "The loss surface and the path", "Checks",
        "About this run"],
    "gradient-descent": [
        "Generate training datasets", "Gradient descent", "Loss surface", "Learning trajectory",
        "Mini-batch training", "Gradient descent to convergence", "The learning rate", "Checks",
        "About this run"],
}


def headings(page):
    return [html.unescape(h) for h in re.findall(r"<h[23][^>]*>([^<]*)</h[23]>", page)]


def images(page):
    return len(re.findall(r"<img\b", page))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each of the three demos run once, in quick mode, through run_demo: name -> (path, page,
    report as build() returned it, progress messages)."""
    out = tmp_path_factory.mktemp("demos")
    result = {}
    for name in MINE:
        module = importlib.import_module(f"nnfit.demos.{demos.DEMOS[name][0]}")
        original, seen = module.build, {}

        def spy(quick=False, progress=None, original=original, seen=seen):
            report = original(quick=quick, progress=progress)
            seen["report"] = copy.deepcopy(report)  # before run_demo adds its last section
            return report

        messages = []
        module.build = spy
        try:
            path = demos.run_demo(name, out, quick=True, progress=messages.append)
        finally:
            module.build = original
        result[name] = (path, open(path, encoding="utf-8").read(), seen["report"], messages)
    return result


def test_registry_lists_the_five_seeds_in_order():
    assert list(demos.list_demos()) == ["regression-intuition", "linear-from-scratch",
                                        "nonlinear-models", "gradient-descent", "capacity"]
    assert [m for m, _ in demos.DEMOS.values()] == ["seed000", "seed001", "seed002", "seed003",
                                                    "seed004"]
    assert nnfit.demos is demos
    for name in MINE:
        module = importlib.import_module(f"nnfit.demos.{demos.DEMOS[name][0]}")
        assert module.TITLE == demos.list_demos()[name]
        assert isinstance(module.SUMMARY, str) and "\n" not in module.SUMMARY
        assert callable(module.build)


def test_unknown_demo_names_the_demos(tmp_path):
    with pytest.raises(ValueError, match=r"unknown demo 'regresion'.*regression-intuition.*"
                                         r"capacity"):
        demos.run_demo("regresion", tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", MINE)
def test_report_has_the_seeds_sections_figures_and_passes_its_checks(built, tmp_path, name):
    path, page, report, messages = built[name]
    assert path.endswith(f"{name}.html")
    assert f"<h1>{html.escape(demos.list_demos()[name])}</h1>" in page
    found = headings(page)
    for heading in HEADINGS[name]:
        assert heading in found, heading
    assert images(page) == FIGURES[name] == report.n_figures
    assert report.quick and report.checks
    failed = [c for c in report.checks if not c["passed"]]
    assert failed == [] and report.warnings == []
    assert "callout warning summary-warnings" not in page   # no warnings listed on top
    assert messages and all(isinstance(m, str) for m in messages)
    assert "quick mode" in page and ">jax<" in page     # the run section: mode, environment
    assert page.count("<caption>Environment</caption>") == 1


def test_a_report_holds_one_environment_table():
    from nnfit.report import Report

    report = Report("t").add_environment().add_section("more").add_environment()
    page = report.to_html()
    assert page.count("<caption>Environment</caption>") == 1
    assert page.index("<caption>Environment</caption>") < page.index(">more</h2>")


def test_seed000_thetas_and_models_match_the_seed(built):
    numbers = built["regression-intuition"][2].numbers
    seed_theta = [103.49534596, 49.82930935]
    # the seed's three ways, nnfit's four solvers and its estimator
    assert len(numbers["thetas"]) == 8
    for method, theta in numbers["thetas"].items():
        np.testing.assert_allclose(theta, seed_theta, rtol=0, atol=1e-8, err_msg=method)
    counts = numbers["params"]
    assert counts["perceptron"] == [8, 3, 5]
    assert counts["line-linear-5-5"] == counts["cubic-2relu-5-5"] == [56, 51, 5]
    assert counts["sine-linear-5"] == [26, 21, 5]
    assert counts["sine-deep-100"] == [40806, 40801, 5]
    np.testing.assert_allclose(numbers["cubic_head"][0], [-0.528099, 57.401862], atol=5e-7)
    assert numbers["epochs"]["perceptron"] == 1000 and numbers["epochs"]["cubic-relu-5-5"] == 200
    assert numbers["epochs"]["sine-deep-100"] == 100    # quick mode; 1000 in full mode
    # the perceptron, trained 1000 epochs, is the least-squares line of its training rows
    per = numbers["collapse"]["perceptron"]
    np.testing.assert_allclose(per["members"], [per["least_squares"]] * 4, rtol=0.02)
    # a linear network is a line: it cannot beat least squares on its training rows
    for key in ("perceptron", "line-linear-5-5", "cubic-linear-5-5", "sine-linear-5"):
        lowest = min(numbers["mse"][key]["train_members"])
        assert lowest >= numbers["collapse"][key]["least_squares_train_mse"] * (1 - 1e-5)
    # and on the sine only non-linear networks fit
    assert numbers["mse"]["sine-2sigmoid-5-5"]["val"] < 0.7 * numbers["mse"]["sine-linear-5"]["val"]


def test_seed001_descends_to_slope_three_from_the_bad_start(built):
    numbers = built["linear-from-scratch"][2].numbers
    w0, w1 = numbers["initial"]
    assert -3 < w1 <= -2 and 0 <= w0 < 2
    assert abs(numbers["slope"] - 3) < 0.2
    path, sse = np.array(numbers["path"]), np.array(numbers["sse_curve"])
    assert path.shape == (301, 2) and sse.shape == (300,)
    assert np.all(np.diff(sse) < 0)                   # a small enough step: the SSE only falls
    # the first update by the seed's formulas
    data = nnfit.load_dataset("line")
    x, y = data.X[:, 0], data.y
    r = y - (w1 * x + w0)
    np.testing.assert_allclose(path[1], [w0 + 0.001 * r.sum(), w1 + 0.001 * (r * x).sum()],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(numbers["converged_theta"], numbers["closed_form"], atol=1e-6)


def test_seed003_matches_the_closed_form_and_the_hand_written_first_step(built):
    numbers = built["gradient-descent"][2].numbers
    np.testing.assert_allclose(numbers["closed_form"], [4.22215108, 2.96846751], rtol=0,
                               atol=1e-8)
    # the start is the notebook's np.random.randn(2, 1) after its data
    rs = np.random.RandomState(0)
    X = 2 * rs.rand(100, 1)
    y = (4 + 3 * X + rs.randn(100, 1))[:, 0]
    theta0 = rs.randn(2, 1)[:, 0]
    path = np.array(numbers["batch_path"])
    np.testing.assert_array_equal(path[0], theta0)
    Xb = np.c_[np.ones(100), X]
    hand = theta0 - 0.1 * (-2 / 100) * Xb.T @ (y - Xb @ theta0)
    np.testing.assert_allclose(path[1], hand, rtol=0, atol=1e-12)
    assert path.shape == (11, 2) and np.array(numbers["minibatch_path"]).shape == (11, 2)
    np.testing.assert_allclose(numbers["converged_theta"], numbers["closed_form"], atol=1e-9)
    outcomes = numbers["learning_rates"]
    assert outcomes[0.1] == "step_below_xtol" and outcomes[1.0] == "diverged"
    assert set(outcomes.values()) <= set(nnfit.diagnose.STOP_REASONS)
    assert 0.45 < numbers["stability_limit"] < 0.5


def _fake_registry(monkeypatch, built, fail=None):
    """The registry cut to the three demos, each build() returning its already built report."""
    monkeypatch.setattr(demos, "DEMOS", {k: demos.DEMOS[k] for k in MINE})
    for name in MINE:
        module = importlib.import_module(f"nnfit.demos.{demos.DEMOS[name][0]}")
        report = built[name][2]

        def build(quick=False, progress=None, report=report, name=name):
            if name == fail:
                raise RuntimeError("boom")
            if progress is not None:
                progress("a step")
            return copy.deepcopy(report)

        monkeypatch.setattr(module, "build", build)


def test_run_all_writes_an_index_linking_every_report(built, tmp_path, monkeypatch):
    _fake_registry(monkeypatch, built)
    messages = []
    index = demos.run_all(tmp_path / "all", quick=True, progress=messages.append)
    assert index == str(tmp_path / "all" / "index.html")
    page = open(index, encoding="utf-8").read()
    for k, name in enumerate(MINE, start=1):
        assert f'href="{name}.html"' in page
        assert (tmp_path / "all" / f"{name}.html").is_file()
        assert html.escape(demos.list_demos()[name]) in page
        assert f"[{k}/3] {name}: a step" in messages
    assert page.count("all checks passed") == 3
    assert page.count(" s</td>") == 3                 # a runtime per demo
    assert html.escape(importlib.import_module("nnfit.demos.seed001").SUMMARY) in page


def test_run_all_keeps_going_when_a_demo_fails(built, tmp_path, monkeypatch):
    _fake_registry(monkeypatch, built, fail="linear-from-scratch")
    with pytest.raises(demos.DemoFailed, match="1 of 3 demos failed") as caught:
        demos.run_all(tmp_path, quick=True)
    assert caught.value.failures == {"linear-from-scratch": "RuntimeError: boom"}
    assert "boom" in caught.value.tracebacks["linear-from-scratch"]
    page = open(caught.value.index, encoding="utf-8").read()
    assert "failed: RuntimeError: boom" in page and "2 of 3 reports written" in page
    assert 'href="gradient-descent.html"' in page and 'href="linear-from-scratch.html"' not in page
    assert (tmp_path / "gradient-descent.html").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", MINE)
def test_full_mode_passes_every_check(tmp_path, name):
    module = importlib.import_module(f"nnfit.demos.{demos.DEMOS[name][0]}")
    report = module.build(quick=False)
    assert report.warnings == [] and all(c["passed"] for c in report.checks)
    assert report.n_figures == FIGURES[name]
    if name == "regression-intuition":
        assert report.numbers["epochs"]["sine-deep-100"] == 1000
