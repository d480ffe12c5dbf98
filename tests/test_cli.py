"""The command line, end to end in temporary folders (subprocesses, as a user runs it)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import cli
from nnfit.config import ConfigError, load_config


def run(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "nnfit.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def csv_folder(tmp_path):
    x = np.linspace(0, 1, 60)
    pd.DataFrame({"x": x, "y": np.sin(5 * x)}).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,abc\n4,5\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "ragged.csv").write_text("x,y\n1,2\n3,4,5\n")
    # one cell too many on every row: pandas would make the first column the index, silently
    (tmp_path / "shifted.csv").write_text("x,y\n1,2,3\n4,5,6\n7,8,9\n")
    (tmp_path / "exp.toml").write_text(
        '[data]\ncsv = "d.csv"\ntarget = "y"\nvalidation_split = 0.25\n'
        '[model]\nhidden = [8]\nactivation = "tanh"\n'
        '[train]\nlearning_rate = 0.02\nepochs = 40\nseed = 3\n')
    return tmp_path


def test_help_does_not_import_jax():
    code = "import sys, nnfit.cli; print('jax' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]


def test_fit_from_toml_writes_a_loadable_run_folder(csv_folder):
    result = run("fit", "exp.toml", "--out", "run", "--quiet", cwd=csv_folder)
    assert result.returncode == 0, result.stderr
    folder = csv_folder / "run"
    for name in ("config.toml", "fit.json", "params.npz", "history.csv", "status.json"):
        assert (folder / name).exists()
    fit = nnfit.load_fit(folder)
    assert len(fit.history) == 40 and "val_mse" in fit.history
    assert json.loads((folder / "status.json").read_text())["status"] == "finished"
    # the saved config reproduces the run
    again = run("fit", "run/config.toml", "--out", "run2", "--quiet", cwd=csv_folder)
    assert again.returncode == 0, again.stderr
    np.testing.assert_allclose(nnfit.load_fit(csv_folder / "run2").history.loss, fit.history.loss)


def test_fit_from_flags_overrides_and_matches_the_library(csv_folder):
    result = run("fit", "--data", "d.csv", "--target", "y", "--hidden", "6", "--epochs", "15",
                 "--learning-rate", "0.05", "--seed", "1", "--out", "flags", "--quiet", cwd=csv_folder)
    assert result.returncode == 0, result.stderr
    df = pd.read_csv(csv_folder / "d.csv")
    # the command line reads a csv as a table: nnfit.fit given the same table behaves the same
    direct = nnfit.fit(nnfit.MLP(hidden=(6,)), df, "y", epochs=15, learning_rate=0.05, seed=1)
    saved = nnfit.load_fit(csv_folder / "flags")
    np.testing.assert_allclose(saved.history.loss, direct.history.loss, rtol=1e-6)


@pytest.mark.parametrize("args, message", [
    (["--data", "d.csv", "--target", "z"], "column 'z' not found"),
    (["--data", "bad.csv", "--target", "y"], "'abc' in row 1"),
    (["--data", "empty.csv", "--target", "y"], "empty"),
    (["--data", "nope.csv", "--target", "y"], "nope.csv"),
    (["--data", "d.csv", "--target", "y", "--hidden", "8,x"], "8,x"),
    (["--data", "d.csv", "--target", "y", "--hidden", "5,,5"], "empty width in '5,,5'"),
    (["--data", "d.csv", "--target", "y", "--hidden", "5,"], "empty width in '5,'"),
    (["--data", "d.csv", "--dataset", "cubic", "--target", "y"],
     "argument --dataset: not allowed with argument --data"),
    (["--dataset", "cubic", "--target", "foo"], "--target is for --data FILE.csv"),
    (["--dataset", "cubic", "--drop", "x", "--features", "y"],
     "--features and --drop are for --data FILE.csv"),
    (["--data", "/dev/null", "--target", "y"], "is not a regular file"),
    (["d.csv"], "'d.csv' is a table, not an experiment file (.toml): give it as --data d.csv"),
    (["--data", "d.csv"], "--data needs --target COLUMN, the column to predict; d.csv's columns: x, y"),
    (["--data", "d.csv", "--target", "y", "--hidden", "0"], "--hidden widths must be >= 1, got '0'"),
    (["--data", "d.csv", "--target", "y", "--activation", "tanh,foo"],
     "--activation: unknown activation 'foo'"),
    (["--data", "d.csv", "--target", "y", "--hidden", "4", "--activation", "relu,tanh"],
     "error: activation has 2 entries but the network has 1 hidden layer(s)"),
    (["--data", "d.csv", "--target", "y", "--epochs", "abc"], "--epochs must be an integer, got 'abc'"),
    (["--data", "shifted.csv", "--target", "y"], "shifted.csv' has rows with more cells than "
     "its header row names"),
    (["--data", "ragged.csv", "--target", "y"], "Expected 2 fields in line 3, saw 3; check that "
     "every line has as many cells as the header row"),
    (["--data", "d.csv", "--target", "y", "--validation-split", "1.5"],
     "--validation-split must be < 1, got 1.5"),
    (["--data", "d.csv", "--target", "y", "--learning-rate", "-1"], "-1"),
    (["--data", "d.csv", "--target", "y", "--activation", "relux"], "relux"),
    (["--data", "d.csv", "--target", "y", "--batch-size", "0"], "--batch-size must be >= 1"),
    (["missing.toml"], "missing.toml"),
    ([], "no data"),
])
def test_bad_input_exits_2_with_one_line(csv_folder, args, message, monkeypatch, capsys):
    monkeypatch.chdir(csv_folder)
    try:
        code = cli.main(["fit", *args, "--quiet"])
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert " of type " not in lines[0], lines  # typed text: its Python type says nothing


@pytest.mark.parametrize("text, message", [
    ('[train]\nepoch = 3\n[data]\ndataset = "line"\n', "unknown key 'epoch' in [train] (did you mean 'epochs'?)"),
    ('[train]\nepochs = "3"\n[data]\ndataset = "line"\n', "[train] epochs must be an integer, got '3'"),
    ('[trian]\nepochs = 3\n', "unknown table [trian]"),
    ('[model]\nhidden = [4]\n', "needs exactly one of dataset"),
    ('[data]\ncsv = "d.csv"\n', "target"),
    ('[data\n', "invalid TOML"),
    ('[data]\ndataset = "line"\ntarget = "y"\n',
     "[data] target is for a csv, not a built-in dataset"),
    ('[data]\ndataset = "line"\n[train]\nbatch_size = "some"\n', "\"full\""),
])
def test_config_errors_name_the_key(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert message in str(err.value)


def test_divergence_saves_the_last_good_state(tmp_path):
    result = run("fit", "--dataset", "cube_root", "--optimizer", "sgd", "--learning-rate", "100",
                 "--hidden", "8", "--epochs", "50", "--quiet", "--out", "div", cwd=tmp_path)
    assert result.returncode == 1 and "diverged" in result.stderr
    status = json.loads((tmp_path / "div" / "status.json").read_text())
    assert status["status"] == "diverged"
    # in the command line's words: the run folder, not the library's error.fit
    assert "saved in this run folder" in status["message"] and "error.fit" not in status["message"]
    assert "--normalize" in status["message"] and "MLP(" not in status["message"]
    fit = nnfit.load_fit(tmp_path / "div")
    assert np.all(np.isfinite(fit.history.loss)) and len(fit.history) < 50


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_ctrl_c_leaves_a_valid_run_folder(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "nnfit.cli", "fit", "--dataset", "cube_root",
                             "--hidden", "3", "--epochs", "100000000", "--batch-size", "full",
                             "--out", "stop", "--quiet"], cwd=tmp_path, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until training has started (past compilation)
        time.sleep(1.0)
        if proc.poll() is not None:
            break
        if time.time() > deadline - 110:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    status = json.loads((tmp_path / "stop" / "status.json").read_text())
    assert status["status"] == "interrupted"
    fit = nnfit.load_fit(tmp_path / "stop")
    assert fit.stop_reasons == ["interrupted"]
    assert np.all(np.isfinite(fit.predict(np.linspace(0, 1, 5)[:, None])))


def test_demo_names_and_errors(capsys, tmp_path):
    assert cli.main(["demo", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("regression-intuition", "capacity"))
    assert cli.main(["demo", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown demo 'nope'" in capsys.readouterr().err


def test_demo_writes_a_report(tmp_path, capsys):
    assert cli.main(["demo", "linear-from-scratch", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    path = capsys.readouterr().out.strip()
    assert path.endswith("linear-from-scratch.html") and os.path.exists(path)
    assert "<img" in open(path).read()


def test_report_rewrites_the_html_of_a_run(csv_folder, monkeypatch, capsys):
    monkeypatch.chdir(csv_folder)
    assert cli.main(["fit", "exp.toml", "--out", "r", "--quiet"]) == 0
    (csv_folder / "r" / "report.html").unlink()
    assert cli.main(["report", "r"]) == 0
    html = (csv_folder / "r" / "report.html").read_text()
    assert "<img" in html and "val_mse" in html
    assert cli.main(["report", "nowhere"]) == 2
    assert "not a folder" in capsys.readouterr().err
    empty = csv_folder / "empty_run"
    empty.mkdir()
    assert cli.main(["report", str(empty)]) == 2


def test_sweep_command_trains_the_grid_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sw.toml").write_text(
        '[data]\ndataset = "capacity"\n[train]\nepochs = 20\nbatch_size = "full"\n'
        '[sweep]\ngrid = { hidden = [[2], [4]], l2 = [0.0, 0.01] }\nseeds = [0, 1]\n')
    assert cli.main(["sweep", "sw.toml", "--out", "s", "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "s" / "table.csv")
    assert len(table) == 8 and set(table.l2) == {0.0, 0.01}
    assert (tmp_path / "s" / "report.html").exists()
    capsys.readouterr()
    assert cli.main(["sweep", "sw.toml", "--out", "s", "--quiet"]) == 0  # resume: nothing left
    assert len(pd.read_csv(tmp_path / "s" / "table.csv")) == 8
    (tmp_path / "bad.toml").write_text('[data]\ndataset = "capacity"\n[sweep]\ngrid = { hiden = [[2]] }\n')
    assert cli.main(["sweep", "bad.toml", "--quiet"]) == 2
    assert "unknown grid key 'hiden'" in capsys.readouterr().err


@pytest.fixture
def penguins_like(tmp_path):
    """A table as public ones come: text columns, gaps, rows sorted by class."""
    rng = np.random.default_rng(0)
    species = np.repeat(["Adelie", "Chinstrap", "Gentoo"], 40)
    frame = pd.DataFrame({
        "species": species,
        "island": rng.choice(["Biscoe", "Dream", "Torgersen"], 120),
        "bill": rng.normal(40, 2, 120) + 6 * (species == "Chinstrap") + 3 * (species == "Gentoo"),
        "flipper": rng.normal(190, 4, 120) + 25 * (species == "Gentoo"),
        "sex": rng.choice(["male", "female"], 120).astype(object),
    })
    frame["mass"] = 20 * frame.flipper + rng.normal(0, 50, 120)
    frame.loc[[4, 50], "bill"] = np.nan
    frame.loc[[7, 90], "sex"] = np.nan
    frame.to_csv(tmp_path / "penguins.csv", index=False)
    new = frame.drop(columns=["species", "mass"]).iloc[::10].copy()
    new.loc[new.index[0], "island"] = "Atlantis"
    new.to_csv(tmp_path / "new.csv", index=False)
    return tmp_path


def test_a_table_with_a_text_target_fits_and_predicts_from_the_command_line(penguins_like):
    fitted = run("fit", "--data", "penguins.csv", "--target", "species", "--drop", "mass",
                 "--hidden", "8", "--epochs", "60", "--lr", "0.02", "--validation-split", "0.25",
                 "--out", "run", cwd=penguins_like)
    assert fitted.returncode == 0, fitted.stderr
    assert "note: task: classification (target 'species' holds 3 text labels" in fitted.stderr
    assert "at random, stratified by class" in fitted.stderr
    assert "validation_shuffle = true" in (penguins_like / "run" / "config.toml").read_text()
    predicted = run("predict", "run", "--data", "new.csv", "--out", "p.csv", cwd=penguins_like)
    assert predicted.returncode == 0, predicted.stderr
    out = pd.read_csv(penguins_like / "p.csv")
    assert list(out.columns) == ["species", "probability_Adelie", "probability_Chinstrap",
                                 "probability_Gentoo"]
    fit = nnfit.load_fit(penguins_like / "run")
    new = pd.read_csv(penguins_like / "new.csv")
    with pytest.warns(UserWarning, match="'Atlantis'"):
        expected = fit.predict(new)
    assert list(out.species) == list(expected)
    np.testing.assert_allclose(out.iloc[:, 1:].to_numpy(), fit.predict_proba(new), rtol=1e-6)


def test_predict_errors_exit_2_with_one_line(penguins_like, monkeypatch, capsys):
    monkeypatch.chdir(penguins_like)
    assert cli.main(["fit", "--data", "penguins.csv", "--target", "mass", "--drop", "species",
                     "--hidden", "4", "--epochs", "2", "--out", "run", "--quiet"]) == 0
    pd.read_csv("new.csv").drop(columns="flipper").to_csv("short.csv", index=False)
    capsys.readouterr()
    for args, message in ((["run", "--data", "short.csv"], "no column 'flipper'"),
                          (["run", "--data", "nope.csv"], "nope.csv"),
                          (["nowhere", "--data", "new.csv"], "not a folder"),
                          (["run", "--data", "new.csv", "--out", "run"],
                           "--out 'run' is a folder; give the predictions' file path")):
        assert cli.main(["predict", *args]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines
    # a file in folders that do not exist yet: made, as nnfit fit makes a run folder's
    assert cli.main(["predict", "run", "--data", "new.csv", "--out", "out/day 1/p.csv"]) == 0
    written = pd.read_csv(penguins_like / "out" / "day 1" / "p.csv")
    np.testing.assert_allclose(written.mass, nnfit.load_fit("run").predict(
        pd.read_csv("new.csv")), rtol=1e-6)


def test_a_hopeless_fit_is_flagged_on_the_terminal(penguins_like):
    result = run("fit", "--data", "penguins.csv", "--target", "mass", "--epochs", "1",
                 "--lr", "1e-6", "--no-scale-target", "--out", "bad", "--quiet", cwd=penguins_like)
    assert result.returncode == 0, result.stderr
    assert "warning: Worse than the mean" in result.stderr
    report = (penguins_like / "bad" / "report.html").read_text()
    assert "Worse than the mean" in report and "No problems found" not in report


def test_library_spellings_become_flags_in_the_command_line_s_messages():
    assert cli.as_flags("choose missing='impute' or missing='drop'; set validation_shuffle=True; "
                        "use MLP(..., normalize=True), learning_rate=0.01, val_mse=3, x=1") == (
        "choose --missing impute or --missing drop; set --validation-shuffle; use --normalize, "
        "--learning-rate 0.01, val_mse=3, x=1")
    assert cli.as_flags("restore_best_weights=False") == "--no-restore-best-weights"


def test_predict_odd_inputs(penguins_like, monkeypatch, capsys):
    monkeypatch.chdir(penguins_like)
    assert cli.main(["fit", "--data", "penguins.csv", "--target", "species", "--drop", "mass",
                     "--hidden", "4", "--epochs", "2", "--out", "run", "--quiet"]) == 0
    pd.read_csv("new.csv").head(0).to_csv("empty.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", "run", "--data", "empty.csv"]) == 0  # a header: no rows out
    assert capsys.readouterr().out.strip() == ("species,probability_Adelie,"
                                               "probability_Chinstrap,probability_Gentoo")
    assert cli.main(["predict", "run", "--data", "new.csv"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: the rows: column 'island'") == 1  # said once, in flag words
    assert cli.main(["fit", "--data", "penguins.csv", "--target", "mass", "--early-stopping",
                     "true"]) == 2
    assert "a yes/no flag takes no value" in capsys.readouterr().err


def test_na_values_mark_missing_cells_in_fit_and_predict(penguins_like, monkeypatch, capsys):
    monkeypatch.chdir(penguins_like)
    frame = pd.read_csv("penguins.csv").astype({"bill": object})
    frame.loc[2, "bill"] = "?"
    frame.to_csv("q.csv", index=False)
    frame.drop(columns=["species", "mass"]).head(4).to_csv("qnew.csv", index=False)
    args = ["fit", "--data", "q.csv", "--target", "mass", "--drop", "species", "--hidden", "3",
            "--epochs", "2", "--out", "run", "--quiet"]
    assert cli.main(args) == 2
    assert "'?' in row 2" in capsys.readouterr().err and not os.path.exists("run")
    assert cli.main([*args, "--na-values", "?"]) == 0
    capsys.readouterr()
    assert cli.main(["predict", "run", "--data", "qnew.csv"]) == 0  # the run's own na_values
    out = capsys.readouterr()
    assert "bill 1" in out.err and len(out.out.strip().splitlines()) == 5  # the "?"


def test_number_codes_declared_categorical_are_one_hot(penguins_like, monkeypatch, capsys):
    monkeypatch.chdir(penguins_like)
    frame = pd.read_csv("penguins.csv").assign(pclass=[1, 2, 3] * 40)
    frame.to_csv("codes.csv", index=False)
    frame.drop(columns=["species", "mass"]).head(6).to_csv("codes_new.csv", index=False)
    assert cli.main(["fit", "--data", "codes.csv", "--target", "mass", "--drop", "species",
                     "--categorical", "pclass", "--hidden", "3", "--epochs", "2", "--out", "run",
                     "--quiet"]) == 0
    fit = nnfit.load_fit("run")
    assert {"pclass=1", "pclass=2", "pclass=3"} <= set(fit.table.input_names)
    capsys.readouterr()
    assert cli.main(["predict", "run", "--data", "codes_new.csv"]) == 0
    assert "warning" not in capsys.readouterr().err  # 1, 2, 3 read back as the same categories


def test_a_learning_rate_in_words_points_to_schedule_only_when_it_names_one(csv_folder,
                                                                            monkeypatch, capsys):
    monkeypatch.chdir(csv_folder)
    for value, hint in (("abc", False), ("cosine", True), ("Adaptive", True)):  # any case
        assert cli.main(["fit", "--data", "d.csv", "--target", "y", "--lr", value]) == 2
        line, = capsys.readouterr().err.strip().splitlines()
        assert f"--learning-rate is the step size, a number; got '{value}'" in line, line
        assert ("schedule" in line) == hint, line
        if hint:
            assert f"--schedule {value.lower()}" in line, line


def test_a_sweep_refuses_what_only_nnfit_fit_takes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(
        '[data]\ndataset = "line"\nvalidation_split = 0.2\nvalidation_shuffle = true\n'
        '[sweep]\ngrid = { hidden = [[2]] }\n')
    assert cli.main(["sweep", "s.toml", "--quiet"]) == 2
    line, = capsys.readouterr().err.strip().splitlines()
    assert "validation_shuffle is not one nnfit sweep takes" in line, line
    (tmp_path / "s.toml").write_text('[data]\ndataset = "line"\n[train]\nscale_target = true\n'
                                     '[sweep]\ngrid = { hidden = [[2]] }\n')
    assert cli.main(["sweep", "s.toml", "--quiet"]) == 2
    line, = capsys.readouterr().err.strip().splitlines()
    assert "'scale_target' is not one a sweep takes" in line, line
    assert not (tmp_path / "nnfit-runs").exists()


def test_a_sweep_too_big_says_the_flag_that_allows_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text('[data]\ndataset = "line"\n[sweep]\nmax_configs = 2\n'
                                     'grid = { hidden = [[2], [3], [4]] }\n')
    assert cli.main(["sweep", "s.toml", "--quiet"]) == 2
    line, = capsys.readouterr().err.strip().splitlines()
    assert "3 configurations, more than max_configs=2; pass --confirm" in line, line
    assert "raise max_configs in [sweep]" in line and "confirm=True" not in line, line
    assert nnfit.list_datasets() == nnfit.datasets.list_datasets()
