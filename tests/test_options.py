"""The one options schema and the items of issue 12 it settles: optimizer values, huge counts,
malformed models and data, a Fit that keeps settings but no data, JAX's settings untouched."""

from __future__ import annotations

import pickle

import jax
import numpy as np
import optax
import pytest

import nnfit
from nnfit import optim
from nnfit.errors import InvalidOptionError
from nnfit.options import FitOptions

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 2))
Y = X @ np.array([1.0, -2.0]) + 0.5


def one_line_error(call, *words):
    with pytest.raises(InvalidOptionError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text and all(w in text for w in words), text
    return text


# ------------------------------------------------------------------- optimizers as values
def test_optimizer_strings_are_shorthand_for_frozen_values():
    assert FitOptions(optimizer="adam").optimizer == optim.Adam(0.9, 0.999, 1e-7)
    assert FitOptions(optimizer="nesterov").optimizer == optim.Momentum(0.9, nesterov=True)
    assert FitOptions(optimizer="adam", beta_1=0.5).optimizer == optim.Adam(b1=0.5)
    assert FitOptions(optimizer="rmsprop", epsilon=1e-3).optimizer == optim.RMSprop(eps=1e-3)
    assert hash(optim.Adam()) == hash(optim.Adam(0.9, 0.999, 1e-7))
    assert FitOptions(optimizer={"name": "adamw", "weight_decay": 0.1}).optimizer == \
        optim.AdamW(weight_decay=0.1)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_without_a_value_is_momentum_not_plain_descent(name):
    """Item 12: optimizer='momentum' once reached optax.sgd(momentum=None) (plain descent)."""
    Xs, ys = X[:8], Y[:8]
    fit = nnfit.fit(nnfit.MLP(hidden=()), Xs, ys, optimizer=name, learning_rate=0.05, epochs=6,
                    batch_size=None, dtype="float64", seed=1)
    # the same updates, written with optax itself
    with jax.enable_x64(True):
        W, b = (np.asarray(a) for a in nnfit.MLP(hidden=()).build(2, 1).init(
            jax.random.key(1), jax.numpy.float64)[0])
        params = (W, b)
        tx = optax.sgd(0.05, momentum=0.9, nesterov=name == "nesterov")
        state = tx.init(params)

        def loss(p):
            return jax.numpy.mean((Xs @ p[0][:, 0] + p[1][0] - ys) ** 2)

        for _ in range(6):
            updates, state = tx.update(jax.grad(loss)(params), state, params)
            params = optax.apply_updates(params, updates)
    np.testing.assert_allclose(fit.params[0][0], params[0], rtol=1e-10)
    plain = nnfit.fit(nnfit.MLP(hidden=()), Xs, ys, optimizer="sgd", learning_rate=0.05,
                      epochs=6, batch_size=None, dtype="float64", seed=1)
    assert not np.allclose(plain.params[0][0], fit.params[0][0])


def test_an_optimizer_value_trains_like_its_shorthand():
    kw = dict(learning_rate=0.02, epochs=5, batch_size=8, seed=2)
    a = nnfit.fit(nnfit.MLP(hidden=(3,)), X, Y, optimizer="adam", beta_2=0.99, **kw)
    b = nnfit.fit(nnfit.MLP(hidden=(3,)), X, Y, optimizer=optim.Adam(b2=0.99), **kw)
    np.testing.assert_array_equal(a.history.loss, b.history.loss)
    assert a.options == b.options


@pytest.mark.parametrize("kwargs,words", [
    ({"optimizer": "adam", "momentum": 0.9}, ("momentum", "adam")),
    ({"optimizer": "sgd", "beta_1": 0.9}, ("beta_1", "sgd")),
    ({"optimizer": optim.Adam(), "epsilon": 1e-3}, ("epsilon", "Adam(")),
    ({"optimizer": "adam", "gtol": 1e-5}, ("gtol", "lbfgs")),
    ({"optimizer": "nosuch"}, ("nosuch", "adam")),
    ({"optimizer": {"name": "adam", "b3": 1}}, ("b3",)),
    ({"optimizer": optim.Adam(b1=0.9), "beta_1": 0.9}, ("beta_1",)),
])
def test_optimizer_settings_that_do_not_apply_are_refused(kwargs, words):
    one_line_error(lambda: FitOptions(**kwargs), *words)


def test_optimizer_fields_are_checked():
    one_line_error(lambda: optim.Adam(b1=1.5), "Adam.b1", "<= 1")
    one_line_error(lambda: optim.LBFGS(memory_size=0), "memory_size")
    one_line_error(lambda: optim.SGD(nesterov="yes"), "nesterov")


# ------------------------------------------------------------------- item 4: huge numbers
@pytest.mark.parametrize("kwargs,words", [
    ({"epochs": 2**31}, ("epochs", "<= 2147483647")),
    ({"epochs": 10**30}, ("epochs",)),
    ({"seed": 2**64}, ("seed", "<= 4294967295")),
    ({"batch_size": 2**40}, ("batch_size",)),
    ({"n_members": 10**9}, ("n_members",)),
    ({"learning_rate": 1e300}, ("learning_rate", "float32", "float64")),
    ({"n_iter_no_change": 2**31}, ("n_iter_no_change",)),
])
def test_counts_and_numbers_beyond_what_a_program_holds_are_named(kwargs, words):
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, **kwargs), *words)


def test_the_members_seeds_must_stay_seeds():
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, seed=2**32 - 1, n_members=2),
                   "seed", "4294967296")


# --------------------------------------------------------- item 7 and 10: models and data
@pytest.mark.parametrize("kwargs,words", [
    ({"hidden": None}, ("hidden", "None")),
    ({"hidden": "16,16"}, ("hidden",)),
    ({"hidden": (4, 0)}, ("hidden layer width", ">= 1")),
    ({"hidden": (10**12,)}, ("hidden layer width",)),
    ({"activation": 3}, ("activation", "3")),
    ({"activation": ("relu",), "hidden": (2, 2)}, ("activation",)),
    ({"normalize": "yes"}, ("normalize", "'yes'")),
    ({"output": "softmaxx"}, ("output",)),
])
def test_malformed_models_are_one_line(kwargs, words):
    one_line_error(lambda: nnfit.MLP(**kwargs), *words)


@pytest.mark.parametrize("X_bad,words", [
    (None, ("X", "None")),
    (X + 1j, ("X", "Complex")),
    (X.astype(complex).tolist(), ("X", "Complex")),
    ("data.csv", ("X", "string")),
    (np.ones((0, 2)), ("X", "0 samples")),
    ([[1.0, "a"]] * 24, ("X",)),
])
def test_malformed_data_is_one_line(X_bad, words):
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X_bad, Y, epochs=1), *words)


def test_all_zero_sample_weight_is_refused():
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, sample_weight=np.zeros(24)),
                   "sample_weight", "zero")


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_a_single_class_target_is_refused_by_a_classifier(output):
    labels = np.ones(24)
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,), output=output), X, labels),
                   "single class", "1")


def test_validation_data_must_be_a_pair():
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, validation_data=X),
                   "validation_data")


def test_per_layer_penalties_must_match_the_layers():
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, l2=[0.1, 0.1, 0.1]),
                   "l2", "3 values", "2 dense layers")


# ---------------------------------------------- item 14: settings, never data, in a Fit
def test_a_fit_keeps_its_options_but_none_of_the_data(tmp_path):
    n = 5000
    Xb, yb = RNG.normal(size=(n, 2)), RNG.normal(size=n)
    fit = nnfit.fit(nnfit.MLP(hidden=(3,)), Xb, yb, epochs=2, sample_weight=np.ones(n),
                    validation_data=(Xb[:2000], yb[:2000]), seed=1)
    assert isinstance(fit.options, FitOptions) and fit.options.epochs == 2
    assert "sample_weight" not in fit.config and "validation_data" not in fit.config
    fit.save(tmp_path / "run")
    assert (tmp_path / "run" / "fit.json").stat().st_size < 20_000
    loaded = nnfit.load_fit(tmp_path / "run")
    assert loaded.options == fit.options


def test_a_pickled_estimator_is_about_as_small_as_scikit_learns():
    from sklearn.neural_network import MLPRegressor as SkMLP

    n = 20_000
    Xb, yb = RNG.normal(size=(n, 3)), RNG.normal(size=n)
    kw = dict(hidden_layer_sizes=(8,), early_stopping=True, max_iter=3, random_state=0)
    ours = nnfit.MLPRegressor(**kw).fit(Xb, yb)
    with pytest.warns(Warning):
        theirs = SkMLP(**kw).fit(Xb, yb)
    assert len(pickle.dumps(ours)) < max(4 * len(pickle.dumps(theirs)), 30_000)


# ------------------------------------------------------------ item 15: JAX left alone
def _jax_settings():
    names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
             "jax_persistent_cache_min_entry_size_bytes", "jax_enable_x64",
             "jax_numpy_dtype_promotion", "jax_default_matmul_precision")
    return {n: getattr(jax.config, n) for n in names}


def test_a_fit_leaves_jax_global_configuration_as_it_was(monkeypatch):
    monkeypatch.delenv("NNFIT_CACHE_DIR", raising=False)
    before = _jax_settings()
    nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, epochs=2, dtype="float64")
    nnfit.MLPRegressor(hidden_layer_sizes=(2,), max_iter=2).fit(X, Y)
    assert _jax_settings() == before


def test_the_persistent_cache_is_an_opt_in(tmp_path, monkeypatch):
    import subprocess
    import sys

    code = ("import jax, numpy as np, nnfit\n"
            "X = np.linspace(0, 1, 9)[:, None]\n"
            "nnfit.fit(nnfit.MLP(hidden=(2,)), X, X[:, 0], epochs=2)\n"
            "print(jax.config.jax_compilation_cache_dir)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "NNFIT_CACHE_DIR"}
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert off.stdout.strip() == "None", off.stderr[-2000:]
    on = subprocess.run([sys.executable, "-c", code], env={**env, "NNFIT_CACHE_DIR": str(tmp_path)},
                        capture_output=True, text=True, timeout=300)
    assert on.stdout.strip() == str(tmp_path), on.stderr[-2000:]


# ------------------------------------------------- item 7: files that are not UTF-8
def test_a_csv_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("x,y\n1,2\n2,4\n3,\xe96\n".encode("latin-1"))
    text = one_line_error(lambda: nnfit.datasets.from_csv(path, target="y"), "latin.csv", "UTF-8")
    assert "encoding" in text


def test_a_toml_file_that_is_not_utf8_names_the_file(tmp_path):
    from nnfit.config import ConfigError, load_config

    path = tmp_path / "exp.toml"
    path.write_bytes('[data]\ndataset = "cubic"  # caf\xe9\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="exp.toml: not UTF-8"):
        load_config(str(path))


def test_the_command_line_reports_a_latin1_csv_in_one_line(tmp_path, capsys):
    from nnfit import cli

    path = tmp_path / "latin.csv"
    path.write_bytes("x,y\n1,2\n2,4\n3,\xe96\n".encode("latin-1"))
    assert cli.main(["fit", "--data", str(path), "--target", "y", "--out",
                     str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "latin.csv" in err[0] and "UTF-8" in err[0], err


# ------------------------------------------------------------- found in review, each tested
def test_fit_signature_declares_the_schema_defaults():
    import inspect

    from nnfit.options import defaults
    from nnfit.training import DATA_ARGUMENTS

    params = inspect.signature(nnfit.fit).parameters
    declared = {k: p.default for k, p in params.items() if k not in ("model", "X", "y")}
    assert {k: v for k, v in declared.items() if k not in DATA_ARGUMENTS} == defaults()


def test_normalising_a_column_whose_variance_overflows_is_refused():
    Xb = np.linspace(-1, 1, 20)[:, None] * 1e25  # finite in float32, its variance is not
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,), normalize=True), Xb, Xb[:, 0] / 1e25,
                                     epochs=2), "variance", "float32", "dtype='float64'")
    fit = nnfit.fit(nnfit.MLP(hidden=(2,), normalize=True), Xb, Xb[:, 0] / 1e25, epochs=2,
                    dtype="float64")
    assert np.all(np.isfinite(fit.predict(Xb)))


@pytest.mark.parametrize("init_params,words", [
    (5, ("init_params", "(W, b) pairs")),
    ([(1, 2, 3)], ("init_params",)),
    ([("a", "b"), (1, 2)], ("init_params layer 0", "numbers")),
])
def test_malformed_init_params_are_one_line(init_params, words):
    one_line_error(lambda: nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, epochs=1,
                                     init_params=init_params), *words)


@pytest.mark.parametrize("name", ["beta_1", "beta_2"])
def test_adam_betas_of_one_are_refused_as_in_scikit_learn(name):
    from sklearn.neural_network import MLPRegressor as SkMLP

    with pytest.raises(ValueError, match=name):
        SkMLP(**{name: 1.0}).fit(X, Y)
    one_line_error(lambda: FitOptions(**{name: 1.0}), name, "< 1")
    with pytest.raises(ValueError, match=name):
        nnfit.MLPRegressor(**{name: 1.0}).fit(X, Y)


def test_replace_changes_an_optimizer_setting_by_its_keyword():
    options = FitOptions(optimizer="nesterov", epochs=5)
    assert options.replace(momentum=0.5).optimizer == optim.Momentum(0.5, nesterov=True)
    assert options.replace(epochs=7).optimizer == options.optimizer
    one_line_error(lambda: options.replace(beta_1=0.5), "beta_1", "nesterov")


def test_a_loaded_fit_rebuilds_its_options_or_says_none(tmp_path):
    fit = nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, epochs=2, optimizer="momentum")
    fit.save(tmp_path / "a")
    assert nnfit.load_fit(tmp_path / "a").options == fit.options
    scheduled = nnfit.fit(nnfit.MLP(hidden=(2,)), X, Y, epochs=2,
                          learning_rate=optax.exponential_decay(0.01, 10, 0.5))
    scheduled.save(tmp_path / "b")
    assert callable(scheduled.options.learning_rate)
    assert nnfit.load_fit(tmp_path / "b").options is None


def test_the_memory_estimate_counts_the_optimizers_settings():
    from nnfit._memory import check_training_memory, training_bytes

    sizes = (1, 1000, 1000, 1)
    small = training_bytes(sizes, n_train=100, optimizer="lbfgs")["total"]
    big = training_bytes(sizes, n_train=100, optimizer=optim.LBFGS(memory_size=1000))["total"]
    assert big > 50 * small
    assert training_bytes(sizes, n_train=100, optimizer=optim.SGD(momentum=0.5))["total"] > \
        training_bytes(sizes, n_train=100, optimizer="sgd")["total"]
    check_training_memory(sizes, n_train=100, optimizer="lbfgs", available=4 << 30)
    one_line_error(lambda: check_training_memory(sizes, n_train=100, available=4 << 30,
                                                 optimizer=optim.LBFGS(memory_size=1000)),
                   "needs about")


def test_the_command_line_reads_python_number_spellings(tmp_path):
    from nnfit import cli

    argv = ["fit", "--dataset", "cubic", "--lr", ".05", "--l2", "5e-4", "--validation-split",
            ".25", "--epochs", "3"]
    tables = cli._experiment(cli.build_parser().parse_args(argv))[1]
    assert tables["train"]["learning_rate"] == 0.05 and tables["train"]["l2"] == 5e-4
    assert tables["data"]["validation_split"] == 0.25


def test_a_toml_validation_split_is_checked_by_the_schema_naming_the_file(tmp_path):
    from nnfit.config import ConfigError, load_config

    path = tmp_path / "exp.toml"
    path.write_text('[data]\ndataset = "cubic"\nvalidation_split = 1.5\n')
    with pytest.raises(ConfigError, match=r"exp.toml: \[data\] validation_split must be"):
        load_config(str(path))


def test_a_sweep_members_options_are_its_own(tmp_path):
    from nnfit import sweep

    result = sweep.run({"hidden": [(2,)], "learning_rate": [0.01, 0.1]}, X, Y, seeds=(0, 1),
                       base={"epochs": 2}, out=str(tmp_path / "s"), verbose=False)
    rows = result.table[["config_id", "seed", "learning_rate"]].itertuples(index=False)
    for config_id, seed, lr in rows:
        for fit in (result.fit(config_id, seed),
                    nnfit.load_fit(tmp_path / "s" / "fits" / config_id / f"seed-{seed}")):
            assert fit.options.learning_rate == lr and fit.options.seed == seed
            assert fit.options.n_members == fit.n_members == 1


def test_an_internal_error_is_not_reported_as_bad_input(monkeypatch, tmp_path):
    """Item 13: exit 2 is for bad input only; a bug in nnfit keeps its traceback."""
    from nnfit import cli, training

    def broken(*args, **kwargs):
        raise ValueError("an internal bug")

    monkeypatch.setattr(training, "fit_options", broken)  # what nnfit fit calls
    with pytest.raises(ValueError, match="an internal bug"):
        cli.main(["fit", "--dataset", "cubic", "--out", str(tmp_path / "run"), "--quiet"])


def test_an_experiment_files_model_and_data_errors_name_the_file(tmp_path, capsys):
    from nnfit import cli

    path = tmp_path / "exp.toml"
    path.write_text('[data]\ndataset = "cubic"\n[model]\nhidden = [0]\n')
    assert cli.main(["fit", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert "exp.toml: [model]: hidden layer width must be >= 1" in err and "\n" not in err
    path.write_text('[data]\ndataset = "nosuch"\n')
    assert cli.main(["fit", str(path), "--out", str(tmp_path / "run")]) == 2
    assert "exp.toml: [data]: unknown dataset 'nosuch'" in capsys.readouterr().err
