"""Bad input at every entry point: one line, the right exception, no JAX frames, no hang.

The values are generated over the parameter space, not hand-picked: Hypothesis draws arbitrary
values for every option of the one schema (nnfit.options.FitOptions), and a table of bad values
of every kind is run against every option through the Python API, TOML files, the command line
and the estimators. Whatever is rejected must be rejected as InvalidOptionError (a ValueError and
a TypeError) in one line that names the option.
"""

from __future__ import annotations

import math
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnfit
from nnfit import cli, config
from nnfit.errors import InvalidOptionError
from nnfit.options import CLI, GRID, TOML, FitOptions, option_fields, option_names

X = np.linspace(-1, 1, 12)[:, None]
Y = X[:, 0] ** 2
OPTIONS = option_fields()

# every kind of value a user may pass by mistake
RAGGED = [[1, 2], [3]]
BAD = [None, True, "nope", "", -1, 0, 2**31, 2**64, 10**30, -1.5, 0.0, 1e300, math.nan, math.inf,
       -math.inf, 1 + 2j, [], [1, "a"], RAGGED, {"a": 1}, object(), np.array([[1.0, 2.0]]),
       b"bytes"]


def _rejected(name, value):
    """Whether the schema rejects ``value`` for option ``name`` (checked without training)."""
    try:
        FitOptions(**{name: value})
    except InvalidOptionError:
        return True
    return False


BAD_CASES = [(name, value) for name in OPTIONS for value in BAD if _rejected(name, value)]


def _assert_one_line(err, *names):
    text = str(err)
    assert "\n" not in text.strip(), text
    assert len(text) < 400, text
    assert any(n in text for n in names), (names, text)
    frames = "".join(traceback.format_tb(err.__traceback__))
    assert "jax/_src" not in frames and "jaxlib" not in frames, frames[-2000:]


def test_every_option_rejects_some_bad_values():
    rejected = {name for name, _ in BAD_CASES}
    assert rejected == set(OPTIONS) - {"verbose"} or rejected == set(OPTIONS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(OPTIONS)),
       value=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                       st.text(max_size=6), st.complex_numbers(),
                       st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3)),
                                max_size=3),
                       st.lists(st.lists(st.floats(), max_size=3), max_size=3),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_any_value_of_any_option_is_accepted_or_refused_in_one_line(name, value):
    try:
        options = FitOptions(**{name: value})
    except InvalidOptionError as err:
        _assert_one_line(err, name)
    else:  # accepted: then its saved form (fit.json, config) reads back as the same options
        assert FitOptions.from_dict(options.to_dict()) == options


@pytest.mark.parametrize("name,value", BAD_CASES, ids=lambda v: repr(v)[:20])
def test_the_python_api_refuses_bad_options_before_training(name, value):
    with pytest.raises(InvalidOptionError) as info:
        nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, **{name: value})
    _assert_one_line(info.value, name)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def _toml_literal(value):
    """``value`` as a TOML literal, or None when TOML cannot write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if -2**63 <= value < 2**63 else None
    if isinstance(value, float):
        return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan" if value != value else repr(value))
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        items = [_toml_literal(v) for v in value]
        return None if None in items else "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        items = [f"{k} = {_toml_literal(v)}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }"
    return None


TOML_CASES = [(n, v) for n, v in BAD_CASES if n in option_names(TOML) and _toml_literal(v)]


@pytest.mark.parametrize("name,value", TOML_CASES, ids=lambda v: repr(v)[:20])
def test_toml_files_refuse_bad_options_naming_file_and_key(tmp_path, name, value):
    path = tmp_path / "bad.toml"
    path.write_text(f'[data]\ndataset = "cubic"\n[train]\n{name} = {_toml_literal(value)}\n')
    with pytest.raises(config.ConfigError) as info:
        config.load_config(str(path))
    _assert_one_line(info.value, name)
    assert "bad.toml" in str(info.value) and "[train]" in str(info.value)


def _flag_text(value):
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


CLI_CASES = [(n, v) for n, v in BAD_CASES if n in option_names(CLI) and not isinstance(v, bool)
             and (isinstance(v, (int, float, str)) or (isinstance(v, list) and v
                                                      and all(np.ndim(x) == 0 for x in v)))]


@pytest.mark.parametrize("name,value", CLI_CASES, ids=lambda v: repr(v)[:20])
def test_the_command_line_refuses_bad_flags_with_exit_2(tmp_path, capsys, name, value):
    flag = "--" + name.replace("_", "-")
    try:
        code = cli.main(["fit", "--dataset", "cubic", "--hidden", "2", "--out",
                         str(tmp_path / "run"), "--quiet", f"{flag}={_flag_text(value)}"])
    except SystemExit as stop:  # argparse's own errors (a value given to an on/off flag)
        code = stop.code
    err = capsys.readouterr().err
    if code == 0:  # the text form of the value is a valid one (e.g. [] as ''): nothing to see
        pytest.skip(f"{flag}={_flag_text(value)!r} is valid as text")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnfit fit: error:"), err
    assert name in lines[0] or flag in lines[0], lines[0]
    assert not (tmp_path / "run").exists()


# a valid value for every option (with what it needs beside it), to set it in each place
VALID = {"optimizer": "sgd", "learning_rate": 0.01, "epochs": 5, "batch_size": 4,
         "validation_split": 0.25, "shuffle": False, "loss": "mae", "l1": 0.01, "l2": 0.01,
         "early_stopping": True, "n_iter_no_change": 3, "tol": 0.001, "target_loss": 0.01,
         "gtol": 1e-6, "ftol": 1e-9, "max_evaluations": 50, "restore_best_weights": True,
         "monitor": "loss", "n_members": 2, "seed": 3, "dtype": "float64", "schedule": "cosine",
         "momentum": 0.5, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "power_t": 0.25,
         "decay_rate": 0.5, "metrics": ["mse"], "chunk_epochs": 2, "verbose": True,
         "validation_shuffle": True, "task": "regression", "missing": "drop",
         "scale_target": True}
NEEDS = {"gtol": {"optimizer": "lbfgs"}, "ftol": {"optimizer": "lbfgs"},
         "max_evaluations": {"optimizer": "lbfgs"}, "momentum": {"optimizer": "sgd"}}


def test_the_valid_values_table_covers_every_option():
    assert set(VALID) == set(OPTIONS)
    for name, value in VALID.items():
        options = FitOptions(**{**NEEDS.get(name, {}), name: value})
        assert options != FitOptions(**NEEDS.get(name, {})), name  # not the default


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_option_can_be_set_everywhere_or_says_where_instead(tmp_path, name):
    """TOML, sweep grids and flags are derived from the schema; where one cannot set an option,
    the schema says what to do instead."""
    from nnfit.sweep.grid import FIT_KEYS, NOT_GRID_KEYS, expand

    spec, value, needs = OPTIONS[name], VALID[name], NEEDS.get(name, {})
    expected = FitOptions(**{**needs, name: value})
    for where in (TOML, GRID, CLI):
        if where not in spec.where:
            assert spec.elsewhere, f"{name} cannot be set in {where} and does not say why"
    # TOML's [train] table
    path = tmp_path / "exp.toml"
    lines = [f"{k} = {_toml_literal(v)}" for k, v in {**needs, name: value}.items()]
    path.write_text('[data]\ndataset = "cubic"\n[train]\n' + "\n".join(lines) + "\n")
    if TOML in spec.where:
        keywords = config.load_config(str(path)).fit_keywords()
        assert FitOptions(**keywords) == expected
    else:
        with pytest.raises(config.ConfigError, match=name):
            config.load_config(str(path))
    # a sweep grid
    if GRID in spec.where:
        if name != "seed":
            (conf, _), = expand({"hidden": [(2,)], name: [value]}, base=needs)
            assert FitOptions(**{k: conf[k] for k in FIT_KEYS}) == expected.replace(
                **({"validation_split": 0.0} if name == "validation_split" else {}))
    else:
        assert name in NOT_GRID_KEYS
        with pytest.raises(InvalidOptionError, match=name):
            expand({"hidden": [(2,)], name: [value]})
    # the command line
    flags = cli.fit_flags()
    if CLI in spec.where:
        argv = ["fit", "--dataset", "cubic"]
        for k, v in {**needs, name: value}.items():
            argv.append(f"{flags[k][0]}={_flag_text(v)}" if not isinstance(v, bool) else
                        flags[k][0] if v else "--no-" + flags[k][0][2:])
        train = cli._experiment(cli.build_parser().parse_args(argv))[1]["train"]
        data = cli._experiment(cli.build_parser().parse_args(argv))[1]["data"]
        # the command line's own defaults: validation rows at random (stratified), and a
        # standardised regression target
        assert FitOptions(**{k: v for k, v in {**data, **train}.items()
                             if k in OPTIONS}) == expected.replace(
            validation_shuffle=expected.validation_shuffle or name != "validation_shuffle",
            scale_target=True if name != "scale_target" else expected.scale_target)
    else:
        assert name not in flags


# ------------------------------------------------------------------------ the estimators
def _estimators():
    base = dict(hidden_layer_sizes=(2,), max_iter=1)
    return {"MLPRegressor": (nnfit.MLPRegressor, base), "MLPClassifier": (nnfit.MLPClassifier, base),
            "LinearRegression": (nnfit.LinearRegression, {"max_iter": 1})}


# a value the schema accepts trains (one epoch): the default run tries three bad values of
# every parameter, the slow run all of them
QUICK = ("nope", math.nan, RAGGED)
ESTIMATOR_CASES = [pytest.param(kind, param, value, marks=() if any(
                       value is q for q in QUICK) else pytest.mark.slow)
                   for kind, (cls, _) in _estimators().items()
                   for param in cls().get_params() for value in BAD]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("kind,param,value", ESTIMATOR_CASES, ids=lambda v: repr(v)[:20])
def test_the_estimators_accept_or_refuse_every_parameter_in_one_line(kind, param, value):
    cls, base = _estimators()[kind]
    params = {**base, param: value} if param in cls().get_params() else base
    estimator = cls(**{k: v for k, v in params.items() if k in cls().get_params()})
    y = (Y > Y.mean()).astype(int) if kind == "MLPClassifier" else Y
    from nnfit._estimator_base import _AS_OPTIONS

    try:
        estimator.fit(X, y)
    except (ValueError, TypeError) as err:  # named as scikit-learn or as nnfit.fit names it
        _assert_one_line(err, param, _AS_OPTIONS.get(param, param))
