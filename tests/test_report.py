"""nnfit.report: one self-contained HTML file with the expected sections, numbers, figures and
warnings; the builder escapes what it is given and writes atomically."""

import os
import re

import numpy as np
import pandas as pd
import pytest

import _tiny_fits as tiny
import nnfit
from nnfit import plots
from nnfit.report import Report, fit_report, fit_warnings, format_value

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//|file:)""", re.I)


def images(page):
    return len(re.findall(r"<img\b", page))


def assert_self_contained(page):
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)
    assert "<script" not in page.lower()
    assert "@import" not in page and "url(" not in page
    for src in re.findall(r'<img[^>]*\bsrc="([^"]*)"', page):
        assert src.startswith("data:image/png;base64,")


def headings(page):
    return re.findall(r"<h[23][^>]*>([^<]*)</h[23]>", page)


@pytest.fixture(scope="module")
def regression_report():
    return fit_report(tiny.regression(), tiny.X1, tiny.Y1, title="Tiny <fit>", dpi=60)


def test_fit_report_file_has_sections_numbers_figures_and_environment(tmp_path, regression_report):
    fit = tiny.regression()
    path = regression_report.write(tmp_path / "report.html")
    page = open(path, encoding="utf-8").read()
    assert_self_contained(page)
    assert "<h1>Tiny &lt;fit&gt;</h1>" in page
    for heading in ("Summary", "Checks", "Training", "Data and fit", "Hidden units", "Network",
                    "Configuration", "Timings", "Environment"):
        assert heading in headings(page), heading
    # learning curves, data and fit, residuals, unit contributions, activations, network
    assert images(page) == 6
    final = fit.history.iloc[-1]
    assert f">{final['val_mse']:.4g}<" in page
    assert f">{final['loss']:.4g}<" in page
    assert f">{fit.epochs_run[0]:,}<" in page
    assert ">adam<" in page and ">0.05<" in page              # the configuration
    assert ">model.hidden<" in page                          # nested config, flattened
    assert f">{np.__version__}<" in page and ">jax<" in page  # the environment
    assert ">compile_s<" in page
    assert "Total params: 13" in page                        # the Keras-like summary
    assert not os.path.exists(tmp_path / "report.html.tmp")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_metrics_on_the_data_match_a_direct_computation(regression_report):
    fit = tiny.regression()
    page = regression_report.to_html()
    mse = np.mean((tiny.Y1 - fit.predict(tiny.X1)) ** 2)
    assert f">{mse:.4g}<" in page


def test_ensemble_report_adds_the_band_and_a_row_per_member():
    fit = tiny.ensemble()
    report = fit_report(fit, tiny.X1, tiny.Y1, dpi=60)
    page = report.to_html()
    assert images(page) == 7 and report.n_figures == 7
    assert "Ensemble: each member, the mean and ±2 std" in page
    assert "thin lines are the 3 members" in page
    members = page.split("Members and why they stopped")[1].split("</table>")[0]
    assert members.count("<tr>") == 1 + 3


def test_interrupted_fit_is_reported_as_not_converged():
    fit = tiny.interrupted()
    assert fit.stop_reasons == ["interrupted"]
    report = fit_report(fit, dpi=60)
    page = report.to_html()
    text = f"Training was interrupted after epoch {fit.epochs_run[0]} of 20"
    assert any(w.startswith(text) for w in report.warnings)
    assert text in page
    assert "warning" in page.split("<main>")[0]  # listed on top, before the sections


def test_early_stopping_that_never_triggered_is_reported_as_not_converged():
    fit = tiny.early_stopping_unfinished()
    assert fit.stop_reasons == ["completed"]
    report = fit_report(fit, dpi=60)
    assert any("Not converged: 1 of 1 member(s) used all 20 epochs before early stopping"
               in w for w in report.warnings)
    page = report.to_html()
    assert "Data and fit" not in headings(page)  # no data given
    assert "Hidden units" not in headings(page)  # no range for a grid either


def test_extrapolation_warning_only_when_data_leave_the_training_range():
    fit = tiny.regression()
    inside = fit_warnings(fit, X=tiny.X1[::2], X_train=tiny.X1)
    assert not [t for _, t in inside if t.startswith("Extrapolation")]
    X_new = np.linspace(-1.0, 3.0, 9)[:, None]
    report = fit_report(fit, X_new, np.sin(2.5 * X_new[:, 0]), X_train=tiny.X1, y_train=tiny.Y1, dpi=60)
    found = [w for w in report.warnings if w.startswith("Extrapolation")]
    assert found == ["Extrapolation: 4 of 9 rows lie outside the training data's range: x1 "
                     "outside [-1, 1] (seen -1 to 3). Predictions there are not supported by data."]
    page = report.to_html()
    assert "Extrapolation" in headings(page)
    assert "The model beyond the training range (shaded)" in page


def test_classifier_report_shows_accuracy_and_the_decision_boundary():
    fit, X, y = tiny.classification()
    page = fit_report(fit, X, y, dpi=60).to_html()
    accuracy = np.mean(fit.predict(X) == y)
    assert ">accuracy<" in page and f">{accuracy:.4g}<" in page
    assert "Decision boundary and the data" in page
    assert "Residuals" not in page and "Hidden units" not in headings(page)


def test_builder_escapes_text_and_renders_tables_figures_and_warnings(tmp_path):
    x = np.linspace(0, 1, 10)
    gi, gj = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    report = (Report("Linear <study>", subtitle="gradient descent & friends")
              .add_section("Loss surface")
              .add_text("First paragraph with <b>tags</b>.\n\nSecond paragraph.")
              .add_figure(plots.plot_loss_surface(gi, gj, np.add.outer(gj, gi) ** 2, kind="contour"),
                          "The surface")
              .add_table(pd.DataFrame({"solver": ["svd", "gd"], "mse": [0.123456, 1234567.0]}),
                         "Solvers")
              .add_table({"theta_0": 4.22215108, "n_iter": 1000}, "Result")
              .add_warning("gd stopped at max_iter=1000 before converging")
              .add_warning("just so you know", level="note")
              .add_config({"solver": "gd", "options": {"learning_rate": 0.1, "tol": None}})
              .add_environment())
    page = report.to_html()
    assert_self_contained(page)
    assert "<script" not in page and "&lt;b&gt;tags&lt;/b&gt;" in page
    assert page.count("<p>") == 2
    assert "<title>Linear &lt;study&gt;</title>" in page
    assert images(page) == 1 and "Figure 1. The surface" in page
    assert ">0.1235<" in page and ">1.235e+06<" in page and ">4.222<" in page
    assert ">1,000<" in page
    assert ">options.learning_rate<" in page
    assert report.warnings == ["gd stopped at max_iter=1000 before converging"]
    top = page.split("<main>")[0]
    assert "1 warning" in top and "just so you know" not in top
    assert 'class="callout note"' in page
    path = report.write(tmp_path / "sub" / "r.html")
    assert open(path, encoding="utf-8").read().count("<img") == 1
    assert os.listdir(tmp_path / "sub") == ["r.html"]


def test_print_stylesheet_and_contents():
    page = Report("t").add_section("A").add_section("B").add_text("x").to_html()
    assert "@media print" in page and "break-inside: avoid" in page
    assert '<a href="#a">A</a>' in page and '<h2 id="b">B</h2>' in page


def test_format_value():
    assert format_value(0.000123456) == "0.0001235"
    assert format_value(np.float32(0.5)) == "0.5"
    assert format_value(12345) == "12,345"
    assert format_value(np.arange(20)) == "array of shape (20,)"
    assert format_value(float("nan")) == "NaN"
    with pytest.raises(TypeError, match="DataFrame or a dict"):
        Report("t").add_table([1, 2, 3])


def test_report_and_plots_are_public_submodules():
    assert "report" in dir(nnfit) and "plots" in dir(nnfit)
    assert nnfit.report.Report is Report


def table_rows(page, caption_start):
    """The body rows of the table whose caption starts so, as lists of cell texts."""
    body = page.split(f"<caption>{caption_start}")[1].split("</table>")[0]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("<tr>")[2:]]


def test_best_follows_each_metric_s_direction_and_counters_have_none():
    fit, X, y = tiny.classification()
    page = fit_report(fit, dpi=40).to_html()
    rows = {r[0]: r for r in table_rows(page, "The history&#x27;s last and best epochs")}
    accuracy = fit.history["accuracy"]
    assert accuracy.max() > accuracy.min()                      # a lowest one to be wrong with
    assert rows["accuracy"][1:4] == ["training", format_value(accuracy.iloc[-1]),
                                     format_value(accuracy.max())]
    assert rows["accuracy"][4] == format_value(int(fit.history.epoch[accuracy.idxmax()]))
    assert rows["loss"][3] == format_value(fit.history["loss"].min())
    assert rows["penalty"][3:] == ["–", "–"]                     # a part of the loss, no goal

    from types import SimpleNamespace

    from nnfit.report.fit import _final_metrics
    history = pd.DataFrame({"epoch": [1, 2, 3], "loss": [3.0, 1.0, 2.0],
                            "val_accuracy": [0.2, 0.9, 0.5], "val_r2": [0.1, 0.8, 0.3],
                            "evaluations": [5, 12, 20], "grad_max_abs": [1.0, 0.01, 0.1]})
    table = _final_metrics(SimpleNamespace(mean_history=history)).set_index("metric")
    assert table.loc["loss", "best"] == 1.0 and table.loc["val_accuracy", "best"] == 0.9
    assert table.loc["val_r2", "best epoch"] == 2 and table.loc["val_r2", "rows"] == "validation"
    assert table.loc["evaluations", "best"] is None and table.loc["grad_max_abs", "best"] is None


def with_scores(fit, scores, quiet=False):
    """A copy of ``fit`` carrying ``scores``; ``quiet``: with a history that levelled off, so
    that training's own checks find nothing."""
    import copy

    other = copy.copy(fit)
    other.scores = scores
    if quiet:
        history = fit.history.copy()
        history["loss"] = 0.5
        history.loc[0, "loss"] = 0.7
        other._histories = history.assign(member=0)
        if scores is None:
            assert fit_warnings(other) == []
    return other


def test_scores_are_shown_per_set_of_rows_beside_the_baselines():
    from nnfit.checks import score_fit

    fit = tiny.regression()
    X, y = tiny.X1, tiny.Y1
    scores = score_fit("regression", fit.predict, X[:24], y[:24], X[24:], y[24:])
    page = fit_report(with_scores(fit, scores), dpi=40).to_html()
    rows = table_rows(page, "Scores on each set of rows")
    assert [r[:3] for r in rows] == [
        [split, n, who] for split, n in (("training", "24"), ("validation", "6"))
        for who in ("the network", "the training mean (baseline)",
                    "exact linear least squares (baseline)")]
    s = scores["splits"]["validation"]
    assert rows[3][3:] == [format_value(s["model"][m]) for m in ("mse", "rmse", "mae", "r2")]
    assert rows[5][6] == format_value(s["linear"]["r2"])
    # its validation rows are the last ones, beyond the training range: flagged, with the fix
    assert "R² below 0 on held-out rows" in page and "validation_shuffle=True" in page
    assert "No problems found" not in page


def test_no_problems_found_only_when_the_baselines_were_beaten():
    from nnfit.checks import score_fit

    fit, X, y = tiny.classification()
    page = fit_report(with_scores(fit, None, quiet=True), dpi=40).to_html()
    assert "No problems found" not in page
    assert "was not compared with the baselines (the mean, the straight line)" in page
    scores = score_fit("classification", fit.predict_proba, X, y)
    assert scores["splits"]["train"]["model"]["accuracy"] > 0.9
    page = fit_report(with_scores(fit, scores, quiet=True), dpi=40).to_html()
    assert "No problems found" in page and "better than the majority class" in page
    rows = table_rows(page, "Scores on each set of rows")
    majority = scores["baselines"]["constant"]["label"]
    assert [r[2] for r in rows] == ["the network", f"majority class {majority!r} (baseline)",
                                    "exact linear least squares (baseline)"]
    bad = score_fit("classification", lambda A: np.tile([0.9, 0.1], (len(A), 1)), X, y)
    page = fit_report(with_scores(fit, bad, quiet=True), dpi=40).to_html()
    assert "No problems found" not in page and "No better than the majority class" in page


def test_the_data_shown_says_which_rows_it_is():
    fit = tiny.regression()   # validation_split=0.2 of these 30 rows
    page = fit_report(fit, tiny.X1, tiny.Y1, X_train=tiny.X1, y_train=tiny.Y1, dpi=40).to_html()
    assert ("Metrics on all 30 rows the fit was given: the training rows and the 0.2 of them "
            "held out for validation, together") in page
    other = fit_report(fit, tiny.X1[::3], tiny.Y1[::3], X_train=tiny.X1, y_train=tiny.Y1,
                       dpi=40).to_html()
    assert "Metrics on the 10 rows given to the report, which are not the training rows" in other


def test_a_still_falling_loss_is_a_note_on_a_good_fit_and_unsaid_when_overfitting():
    from nnfit.report.fit import fit_warnings

    X = np.linspace(-1, 1, 80)[:, None]
    y = np.sin(3 * X[:, 0])
    good = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), X, y, epochs=300,
                     learning_rate=0.02, seed=0)
    levels = {text.split(":")[0]: level for level, text in fit_warnings(good)}
    assert levels.get("The training loss was still falling at the end") == "note"
    assert not good.warnings
    # R² 0.71 against the line's 0.67, loss falling 6 % in 5 epochs: a warning
    poor = nnfit.fit(nnfit.MLP(hidden=(16,), activation="tanh"), X, 50 * y, epochs=50,
                     learning_rate=0.01, seed=0)
    assert any(t.startswith("The training loss was still falling") for t in poor.warnings)
    rng = np.random.default_rng(0)  # 21 noisy rows, 4,000 weights: overfits
    X = rng.uniform(-1, 1, (30, 1))
    y = np.sin(3 * X[:, 0]) + rng.normal(0, 0.5, 30)
    overfit = nnfit.fit(nnfit.MLP(hidden=(64, 64), activation="tanh"), X, y, epochs=1500,
                        learning_rate=0.01, validation_split=0.3, validation_shuffle=True,
                        batch_size=8)
    texts = [t for _, t in fit_warnings(overfit)]
    assert any(t.startswith("The validation loss rose") for t in texts)
    assert not any(t.startswith("The training loss was still falling") for t in texts)
    assert overfit.history["loss"].iloc[-1] < overfit.history["loss"].iloc[-150]  # it was


def test_a_table_fit_s_report_says_what_was_done_with_the_data(tmp_path):
    from nnfit.runs import write_report

    penguins = nnfit.load_table("penguins")
    fit = nnfit.fit(nnfit.MLP(hidden=(4,)), penguins, "species", epochs=3)
    write_report(tmp_path, fit)
    page = (tmp_path / "report.html").read_text()
    assert "What was done with the data" in page
    assert "3 text labels" in page and "sex 11" in page
