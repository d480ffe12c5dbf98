"""Seed demos 002 (flexible nonlinear models) and 004 (capacity and regularisation).

Each demo is built once per module in quick mode (the same sections, smaller models); the full
builds are marked slow. The checks are the seeds' findings, not exact numbers.
"""

import re

import numpy as np
import pytest

from nnfit import demos, diagnose
from nnfit.demos import seed002, seed004

SEED002_SECTIONS = [
    "Flexible nonlinear models for regression", "Least squares fit",
    "Gradient and Hessian at the end point", "The fit and its parameters",
    "Exercise: new initializations", "Extrapolation",
    "Another interpretation: a basis expansion", "Modern machine learning: Adam",
    "Least squares against Adam", "Summary"]
SEED004_SECTIONS = [
    "Data generation", "1 hidden layer, varying number of units",
    "Models with multiple hidden layers, 16 units per layer",
    "Model with so many hidden layers and units",
    "How are these models doing in terms of training and validation set performance?",
    "How can we fix up that last model?", "Regularizing the model from the start",
    "L1 Regularization", "Classification Example", "Summary"]


def headings(report, level=2):
    return [re.sub(r"<[^>]+>", "", h).replace("&#x27;", "'").replace("&amp;", "&")
            for h in re.findall(rf"<h{level} id=\"[^\"]*\">(.*?)</h{level}>", report.to_html())]


@pytest.fixture(scope="module")
def report002():
    """Built as run_demo builds it: with the 'About this run' section."""
    steps = []
    report, _ = demos._build("nonlinear-models", True, steps.append)
    report.steps = steps
    return report


@pytest.fixture(scope="module")
def report004():
    steps = []
    report, _ = demos._build("capacity", True, steps.append)
    report.steps = steps
    return report


def seed_sections(report):
    """The report's sections, less the one run_demo adds."""
    found = headings(report)
    return found[:-1] if found and found[-1] == "About this run" else found


@pytest.mark.parametrize("module", [seed002, seed004])
def test_module_interface(module):
    assert isinstance(module.TITLE, str) and module.TITLE
    assert isinstance(module.SUMMARY, str) and "\n" not in module.SUMMARY
    assert callable(module.build)


def check_seed002(report, n_starts):
    n = report.numbers
    assert seed_sections(report) == SEED002_SECTIONS
    assert report.n_figures >= 11
    assert report.steps and all(isinstance(s, str) for s in report.steps)
    # the seed's least-squares call: tiny cost, scipy's 'not converged' status
    assert n["ls_mse"] < 1e-5 and n["ls_status"] == 0
    # gradient near zero, singular Hessian with near-zero eigenvalues, none clearly negative
    assert n["gradient_norm"] < 1e-2
    assert n["n_near_zero"] >= 1 and n["n_negative"] == 0
    assert n["condition_number"] > 1e8 and abs(n["determinant"]) < 1e-20
    assert len(n["hessian_eigenvalues"]) == 10
    # equally good fits, different parameters even without the unit symmetries
    assert n["n_starts"] == n_starts and n["n_good_starts"] >= 2
    assert n["multistart_canonical_distance_min"] > 1e-3
    assert n["inside_max_range"] < 1e-3
    assert n["outside_max_range"] > 100 * n["inside_max_range"]
    # saturating extrapolation: below x^(1/3) at 10, and flagged
    assert n["extrapolation_outside"] == 45 and n["extrapolation_error_at_10"] < -0.3
    assert any(w.startswith("Extrapolation") for w in report.warnings)
    # the basis expansion adds up
    assert n["basis_max_abs_error"] < 1e-9
    # Levenberg-Marquardt below Adam below the seed's tolerance
    assert n["lm_mse"] < n["adam_mse"] < 2e-5
    assert n["adam_fit_reason"] == "target_reached"
    # the text's claims follow the table's times, whichever way they went on this machine
    import html as escapes

    html = escapes.unescape(report.to_html())
    summary = html[html.index(">Summary</h2>"):]
    summary = summary[:summary.index("</p>")]
    faster = n["lm_time_s"] < n["adam_time_s"]
    assert ("% of Adam's time" in summary) == faster
    assert ("but takes longer" in summary) == (not faster)
    assert f"{100 * n['lm_time_s'] / n['adam_time_s']:.0f}% of the time" in html
    assert any(w.startswith("Levenberg-Marquardt took longer") for w in report.warnings) == (
        not faster)
    assert not [w for w in report.warnings if w.startswith("Not reproduced")]


def test_seed002_quick(report002, tmp_path):
    check_seed002(report002, seed002.QUICK["n_starts"])
    page = (tmp_path / "seed002.html")
    report002.write(page)
    page = page.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert page.count("<caption>Environment</caption>") == 1
    # optimality is least squares' number: Adam's cell is empty, never NaN
    table = page[page.index("<caption>Least squares against Adam"):]
    table = table[:table.index("</table>")]
    assert ">NaN<" not in page and table.count("<td class=\"num\">–</td>") == 1
    # one vocabulary of stop reasons: the engine's words, scipy's statuses mapped onto them
    n = report002.numbers
    assert n["ls_stop_reason"] == diagnose.least_squares_stop_reason(n["ls_status"])
    assert n["compare_stop_reasons"]["adam"] == n["adam_fit_reason"] == "target_reached"
    reasons = {n["ls_stop_reason"], *n["compare_stop_reasons"].values()}
    assert reasons <= set(diagnose.STOP_REASONS)
    for reason in reasons:
        assert f">{reason}" in page


def test_seed002_parameter_names():
    params = [(np.array([[1.0, 2.0, 3.0]]), np.array([4.0, 5.0, 6.0])),
              (np.array([[7.0], [8.0], [9.0]]), np.array([10.0]))]
    values = seed002.seed_parameters(params)
    assert list(values) == list(seed002.SEED_NAMES)
    assert values == {"b1": 10.0, "w10": 7.0, "w00": 1.0, "b00": 4.0, "w11": 8.0, "w01": 2.0,
                      "b01": 5.0, "w12": 9.0, "w02": 3.0, "b02": 6.0}


def check_seed004(report, cfg):
    n = report.numbers
    assert seed_sections(report) == SEED004_SECTIONS
    sub = headings(report, level=3)
    assert "2 units" in sub and f"{max(cfg['widths'])} units" in sub
    assert "Penalty 0.01 on all layers" in sub and "Unpenalized Model" in sub
    # 3 starts of 2 units, one per other width and depth, the 5-layer model and its 5
    # facetted layers, the table's 3, surgery, curves, 3 penalties, data, 3 classifiers...
    expected = (1 + 3 + (len(cfg["widths"]) - 1) + len(cfg["depths"]) + 1 + 5 + 3 + 1 + 1 + 3
                + 1 + 3)
    assert report.n_figures == expected
    widths = n["width_train_mse"]
    assert widths[max(cfg["widths"])] < widths[2]
    assert n["depth_train_mse"][max(cfg["depths"])] < n["depth_train_mse"][1]
    norms = n["weight_norms"]
    # L2 shrinks the weights, the stronger penalty more (to well under half in 100 epochs)
    assert (norms["L2 0.01"]["sum_w2"] < norms["L2 0.001"]["sum_w2"]
            < 0.5 * norms["unpenalised"]["sum_w2"])
    assert norms["L1 0.001"]["fraction_below_1e-3"] > norms["unpenalised"]["fraction_below_1e-3"]
    rows = {r["model"]: r for r in n["penalty_table"]}
    for name, row in rows.items():
        assert row["train loss"] >= row["train mse"] - 1e-12  # loss = mse + penalty
    assert rows["unpenalised"]["train loss"] == pytest.approx(rows["unpenalised"]["train mse"])
    assert n["surgery_weights"] >= 1
    return n


def test_seed004_quick(report004):
    n = check_seed004(report004, seed004.QUICK)
    assert report004.to_html().count("<caption>Environment</caption>") == 1
    acc = n["class_val_accuracy"]
    assert acc["unpenalised"] > 0.8 and acc["L2 0.001"] > 0.8


def test_weight_penalty():
    params = [(np.array([[1.0, -2.0]]), np.zeros(2)), (np.array([[3.0], [0.0]]), np.ones(1))]
    assert seed004.weight_penalty(params, l1=0.5) == pytest.approx(3.0)
    assert seed004.weight_penalty(params, l2=0.1) == pytest.approx(1.4)


@pytest.mark.slow
def test_seed002_full():
    report = seed002.build(progress=lambda s: None)
    report.steps = ["ok"]
    check_seed002(report, seed002.FULL["n_starts"])
    assert report.numbers["lm_time_s"] < report.numbers["adam_time_s"]


@pytest.mark.slow
def test_seed004_full():
    report = seed004.build()
    report.steps = ["ok"]
    n = check_seed004(report, seed004.FULL)
    big = "5 layers of 1024"
    train, rows = n["train_mse"], {r["model"]: r for r in n["penalty_table"]}
    # the seed's findings at its settings: the 5 x 1024 model fits the training data most
    # closely, below the noise variance (0.0196); L2 0.001 costs training fit; on the
    # classifier L2 0.01 raises the validation accuracy most
    assert train[big] == min(train.values()) and train[big] < 0.0196
    assert rows["L2 0.001"]["train mse"] > rows["unpenalised"]["train mse"]
    acc = n["class_val_accuracy"]
    assert acc["L2 0.01"] > max(acc["unpenalised"], acc["L2 0.001"]) and min(acc.values()) > 0.85
    assert not any("Not reproduced" in w for w in report.warnings
                   if "did not lower" not in w and "validates best" not in w)
    # the closer calls (0.0311 against 0.0317 for L2 0.001 here) and the findings these data
    # do not give (L1 0.001 ends flat) are reported exactly when they fail
    for name in ("L2 0.001", "L1 0.001"):
        worse = rows[name]["val mse"] >= rows["unpenalised"]["val mse"]
        assert worse == any(f"{name} did not lower" in w for w in report.warnings)
    assert (n["best_val_model"] == big) == any("also validates best" in w
                                               for w in report.warnings)