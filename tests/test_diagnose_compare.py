"""Seed 002's comparison: least squares (lm, trf) reaches a lower MSE than Adam (step 0.01 until
MSE < 2e-5), with scipy's report, in a fraction of Adam's time."""

import numpy as np
import pytest

from nnfit import diagnose


@pytest.fixture(scope="module")
def table():
    return diagnose.compare_least_squares(repeat=0)


def test_least_squares_reaches_a_lower_mse_than_adam(table):
    assert list(table.columns) == ["method", "mse", "time_s", "first_call_s", "gradient_norm",
                                   "stop_reason", "message", "nfev", "optimality"]
    rows = table.set_index("method")
    assert rows.loc["adam", "stop_reason"] == "target_reached"
    assert np.isnan(rows.loc["adam", "optimality"])  # no such number for a gradient optimizer
    assert rows.loc["adam", "mse"] < 2e-5
    for method in ("lm", "trf"):
        assert rows.loc[method, "mse"] < 0.1 * rows.loc["adam", "mse"]
        assert rows.loc[method, "gradient_norm"] < 1e-2
        assert rows.loc[method, "nfev"] <= 200
        assert rows.loc[method, "stop_reason"] in diagnose.STOP_REASONS
        assert isinstance(rows.loc[method, "message"], str)
        assert np.isfinite(rows.loc[method, "optimality"])
    assert rows.loc["adam", "nfev"] > 1000  # thousands of Adam steps against ~200 evaluations


def test_the_seed_002_problem():
    X, y, model = diagnose.seed_002_problem()
    assert X.shape == (50, 1) and y.shape == (50,)
    np.testing.assert_allclose(y, X[:, 0] ** (1 / 3))
    assert model.hidden == (3,) and model.activation == ("tanh",)


@pytest.mark.slow
def test_least_squares_takes_a_fraction_of_adam_s_time():
    rows = diagnose.compare_least_squares(repeat=5).set_index("method")
    assert rows.loc["lm", "time_s"] < 0.8 * rows.loc["adam", "time_s"]


def test_stop_reasons_are_the_engine_s_words_and_scipy_s_statuses_map_onto_them():
    from scipy.optimize import least_squares

    from nnfit.engine import REASONS

    assert set(REASONS.values()) | {"interrupted"} <= set(diagnose.STOP_REASONS)
    # scipy's own runs, stopped by each test in turn: the word names the test scipy's message names
    x = np.linspace(0.0, 1.0, 20)
    y = np.exp(0.7 * x) + 0.05 * np.sin(13 * x)
    residual = lambda t: t[0] * np.exp(t[1] * x) - y  # noqa: E731
    off = dict(ftol=None, xtol=None, gtol=None)
    runs = {  # reason: (scipy's options, what scipy's message says)
        "max_evaluations": (dict(max_nfev=2), "function evaluations"),
        "gradient_below_gtol": ({**off, "gtol": 1e-3}, "`gtol` termination"),
        "decrease_below_ftol": ({**off, "ftol": 1e-3}, "`ftol` termination"),
        "step_below_xtol": ({**off, "xtol": 1e-3}, "`xtol` termination"),
        "decrease_and_step_below_tol": ({**off, "ftol": 1e-3, "xtol": 1e-3}, "Both `ftol` and"),
    }
    for reason, (options, says) in runs.items():
        result = least_squares(residual, np.array([0.5, 0.1]), method="trf", **options)
        assert says in result.message
        assert diagnose.least_squares_stop_reason(result.status) == reason
    with pytest.raises(ValueError, match="status"):
        diagnose.least_squares_stop_reason(7)


def test_the_readme_shows_the_real_signature_and_columns(table):
    import ast
    import inspect
    import pathlib

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("table = diagnose.compare_least_squares(")
    source = readme[start:readme.index("\n```", start)]
    module = ast.parse(source)
    call = module.body[0].value
    signature = inspect.signature(diagnose.compare_least_squares)
    bound = signature.bind(*[ast.unparse(a) for a in call.args],
                           **{k.arg: ast.literal_eval(k.value) if k.arg != "model" else None
                              for k in call.keywords})
    for name, value in bound.arguments.items():  # every literal shown is the real default
        if name not in ("X", "y", "model"):
            assert value == signature.parameters[name].default, name
    shown = ast.literal_eval(module.body[1].value.slice)
    assert set(shown) <= set(table.columns)
