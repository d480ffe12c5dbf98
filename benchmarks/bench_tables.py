"""nnfit on public tables, used as a new user would, beside a careful scikit-learn pipeline.

Four tables that ship offline in PyPI packages (``pip install -e .[bench]`` brings
``palmerpenguins`` and ``vega_datasets``), each kept in its published row order (sorted by class or
by date), with text categories, gaps and a date column between them:

=================  ========================  ===============  =======================================
name               source                    target           what makes it awkward
=================  ========================  ===============  =======================================
penguins_mass      palmerpenguins            body_mass_g      3 text columns, gaps (sex: 11), target
                                                              missing in 2 rows, sorted by species/year
penguins_species   palmerpenguins            species (text)   the same gaps, sorted by the class
cars_mpg           vega_datasets cars        Miles_per_Gallon  Origin text, Year a date, gaps in
                                                              Horsepower and the target, sorted by
                                                              year; Name (an identifier) dropped
seattle_weather    vega_datasets (local)     weather (text)   5 unbalanced classes, a date column,
                                                              sorted by date
=================  ========================  ===============  =======================================

For each table and each split seed, a seeded random 20 % of the rows (``numpy.random.default_rng``)
is written to ``test.csv`` and the other rows, untouched and in their original order, to
``train.csv``. Then:

* ``nnfit-default``: ``nnfit fit --data train.csv --target T [--drop ...] --out RUN`` (plain
  defaults), then ``nnfit predict RUN --data test.csv --out pred.csv``, both by subprocess;
* ``nnfit-small``: the same with ``--hidden 16,16 --activation tanh --epochs 300 --lr 0.01``;
* ``nnfit-small-es``: the small model with ``--validation-split 0.2 --early-stopping`` (the
  command line takes the validation rows at random, stratified by class, from the sorted
  training rows; patience 10, the best weights kept);
* ``sklearn-default`` / ``sklearn-small`` / ``sklearn-small-es``: ColumnTransformer(
  SimpleImputer(median) + StandardScaler on numbers and dates (as days since 1970-01-01),
  SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown="ignore") on text) + MLPRegressor /
  MLPClassifier with the same hidden sizes, activation, Adam, learning rate, batch size 32 and
  exactly as many epochs (``tol=0``, ``n_iter_no_change=epochs``, ``alpha=0``; for ``-es``:
  ``early_stopping=True``, ``validation_fraction=0.2``, ``n_iter_no_change=10``, ``tol=1e-4``,
  which watches the validation score where nnfit watches the validation loss); regression
  targets standardised by a TransformedTargetRegressor, as nnfit does inside its fit; rows with
  a missing target dropped;
* ``linear``: the exact linear model in the same pipeline: scikit-learn's LinearRegression and
  nnfit.LinearRegression (regression), LogisticRegression (classification, scikit-learn's default
  C=1 and lbfgs, max_iter=2000).

Scores are on the test rows whose target is known: R² for regression, accuracy for classification.
One more run is deliberately hopeless (``--epochs 1`` and ``--lr 1e-6``) and its terminal's
warning lines are kept. Everything is written to ``benchmarks/results/tables.json`` and
``benchmarks/results/tables.csv`` and printed as a table.

Run: ``python benchmarks/bench_tables.py [--seeds 0 1 2] [--tables ...] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TEST_FRACTION = 0.2

CONFIGS = {
    # name: (nnfit flags, scikit-learn MLP settings)
    "default": ([], dict(hidden=(5,), activation="relu", lr=1e-3, epochs=200)),
    "small": (["--hidden", "16,16", "--activation", "tanh", "--epochs", "300", "--lr", "0.01"],
              dict(hidden=(16, 16), activation="tanh", lr=1e-2, epochs=300)),
    # the same, stopped early on a validation fifth of the (sorted) training rows
    "small-es": (["--hidden", "16,16", "--activation", "tanh", "--epochs", "300", "--lr", "0.01",
                  "--validation-split", "0.2", "--early-stopping"],
                 dict(hidden=(16, 16), activation="tanh", lr=1e-2, epochs=300,
                      early_stopping=True)),
}
HOPELESS = [["--epochs", "1"], ["--lr", "1e-6"]]


# ---------------------------------------------------------------------------------------- tables

def load_tables():
    """``{name: (DataFrame in its published order, target, columns to drop, task)}``."""
    from palmerpenguins import load_penguins
    from vega_datasets import data, local_data

    penguins = load_penguins()
    cars = data.cars()  # bundled with the package: no network
    weather = local_data.seattle_weather()
    return {
        "penguins_mass": (penguins, "body_mass_g", [], "regression"),
        "penguins_species": (penguins, "species", [], "classification"),
        "cars_mpg": (cars, "Miles_per_Gallon", ["Name"], "regression"),
        "seattle_weather": (weather, "weather", [], "classification"),
    }


def split_rows(frame, seed):
    """A seeded random TEST_FRACTION of the rows for test; the rest keep their order."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    test = np.zeros(n, dtype=bool)
    test[rng.choice(n, size=int(round(TEST_FRACTION * n)), replace=False)] = True
    return frame[~test], frame[test]


# ---------------------------------------------------------------------------------------- scoring

def score(task, y_true, y_pred):
    from sklearn.metrics import accuracy_score, r2_score

    y_true = pd.Series(y_true).reset_index(drop=True)
    y_pred = pd.Series(y_pred).reset_index(drop=True)
    known = y_true.notna()
    if task == "regression":
        return float(r2_score(y_true[known].astype(float), y_pred[known].astype(float)))
    return float(accuracy_score(y_true[known].astype(str), y_pred[known].astype(str)))


# ---------------------------------------------------------------------------------------- nnfit CLI

def nnfit_cli(*args, cwd):
    """Run ``nnfit ARGS`` in a fresh process; return (seconds, exit status, stdout, stderr)."""
    exe = shutil.which("nnfit") or str(Path(sys.executable).with_name("nnfit"))
    start = time.perf_counter()
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, done.stdout, done.stderr


def terminal_lines(stderr, prefixes=("note:", "warning:", "nnfit")):
    return [line for line in stderr.splitlines() if line.startswith(prefixes)]


def run_nnfit(folder, target, drop, flags, name):
    """fit on train.csv, predict test.csv; returns the predictions and what the terminal said."""
    base = ["fit", "--data", "train.csv", "--target", target]
    if drop:
        base += ["--drop", ",".join(drop)]
    fit_cmd = [*base, *flags, "--out", f"run_{name}"]
    fit_s, rc, _, err = nnfit_cli(*fit_cmd, cwd=folder)
    if rc != 0:
        raise RuntimeError(f"nnfit {' '.join(fit_cmd)} exited {rc}:\n{err}")
    pred_cmd = ["predict", f"run_{name}", "--data", "test.csv", "--out", f"pred_{name}.csv"]
    pred_s, rc, _, perr = nnfit_cli(*pred_cmd, cwd=folder)
    if rc != 0:
        raise RuntimeError(f"nnfit {' '.join(pred_cmd)} exited {rc}:\n{perr}")
    pred = pd.read_csv(folder / f"pred_{name}.csv")
    fitted = json.loads((folder / f"run_{name}" / "fit.json").read_text())
    return dict(
        predictions=pred[target],
        commands=["nnfit " + " ".join(fit_cmd), "nnfit " + " ".join(pred_cmd)],
        fit_seconds=round(fit_s, 2), predict_seconds=round(pred_s, 2),
        compile_seconds=round(fitted["timings"]["compile_s"], 2),
        train_seconds=round(fitted["timings"]["train_s"], 3),
        terminal=terminal_lines(err) + terminal_lines(perr),
        train_scores=fitted.get("scores", {}).get("splits", {}).get("train"),
    )


# ---------------------------------------------------------------------------------------- sklearn

def prepare(frame, target, drop):
    """Features for scikit-learn: dates as days since 1970-01-01 (floats), text as object."""
    X = frame.drop(columns=[target, *drop])
    numeric, text = [], []
    out = {}
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = (values - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
            numeric.append(column)
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[column] = values.astype(float)
            numeric.append(column)
        else:
            out[column] = values.astype(object).where(values.notna(), np.nan)
            text.append(column)
    return pd.DataFrame(out, index=X.index), numeric, text


def columns(numeric, text):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), text),
    ])


def sklearn_model(kind, task, numeric, text, seed, settings=None):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import nnfit

    if kind == "linear":
        head = LinearRegression() if task == "regression" else LogisticRegression(max_iter=2000)
    elif kind == "nnfit-linear":
        head = nnfit.LinearRegression()
    else:
        s = settings
        mlp = dict(hidden_layer_sizes=s["hidden"], activation=s["activation"], solver="adam",
                   learning_rate_init=s["lr"], batch_size=32, max_iter=s["epochs"], shuffle=True,
                   tol=0.0, n_iter_no_change=s["epochs"], alpha=0.0, early_stopping=False,
                   random_state=seed)
        if s.get("early_stopping"):  # nnfit's defaults: patience 10, tol 1e-4, best weights kept
            mlp.update(early_stopping=True, validation_fraction=0.2, n_iter_no_change=10,
                       tol=1e-4)
        if task == "regression":
            head = TransformedTargetRegressor(MLPRegressor(**mlp), transformer=StandardScaler())
        else:
            head = MLPClassifier(**mlp)
    return make_pipeline(columns(numeric, text), head)


def run_sklearn(train, test, target, drop, task, kind, seed, settings=None):
    from sklearn.exceptions import ConvergenceWarning

    train = train[train[target].notna()]
    X_train, numeric, text = prepare(train, target, drop)
    X_test, _, _ = prepare(test, target, drop)
    y_train = train[target].to_numpy()
    model = sklearn_model(kind, task, numeric, text, seed, settings)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # one-hot columns of every category beside an intercept are collinear by construction
        warnings.filterwarnings("ignore", message=r".*has rank \d+ <")
        model.fit(X_train, y_train.astype(float) if task == "regression" else y_train)
    seconds = time.perf_counter() - start
    return model.predict(X_test), seconds


# ---------------------------------------------------------------------------------------- main

def environment():
    import jax
    import sklearn

    import nnfit

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "cpu": cpu, "cores": os.cpu_count(),
            "nnfit": getattr(nnfit, "__version__", "?"), "jax": jax.__version__,
            "scikit-learn": sklearn.__version__, "pandas": pd.__version__,
            "numpy": np.__version__, "jax_backend": jax.default_backend(),
            "nnfit_commit": _commit()}


def _commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                              capture_output=True, text=True).stdout.strip() or None
    except OSError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="split seeds (also the models' seeds for scikit-learn)")
    parser.add_argument("--tables", nargs="+", default=None, help="a subset of the tables")
    parser.add_argument("--workdir", default=None, help="where CSVs and run folders go "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--no-hopeless", action="store_true", help="skip the hopeless fits")
    parser.add_argument("--out", default=str(RESULTS / "tables"),
                        help="results path without extension (.json and .csv are written)")
    args = parser.parse_args(argv)

    tables = load_tables()
    names = args.tables or list(tables)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="nnfit-tables-"))
    work.mkdir(parents=True, exist_ok=True)
    rows, details = [], []

    for name in names:
        frame, target, drop, task = tables[name]
        for seed in args.seeds:
            folder = work / f"{name}_seed{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            train, test = split_rows(frame, seed)
            train.to_csv(folder / "train.csv", index=False)
            test.to_csv(folder / "test.csv", index=False)
            y_test = test[target]
            base = dict(table=name, target=target, task=task, seed=seed, train_rows=len(train),
                        test_rows=int(y_test.notna().sum()),
                        metric="r2" if task == "regression" else "accuracy")
            for config, (flags, settings) in CONFIGS.items():
                got = run_nnfit(folder, target, drop, flags, config)
                rows.append(dict(base, model=f"nnfit-{config}",
                                 score=score(task, y_test, got["predictions"]),
                                 seconds=got["fit_seconds"]))
                details.append(dict(base, model=f"nnfit-{config}",
                                    **{k: v for k, v in got.items() if k != "predictions"}))
                print(f"{name} seed {seed} nnfit-{config}: {rows[-1]['score']:.4f} "
                      f"({got['fit_seconds']:.1f} s)", file=sys.stderr, flush=True)
                pred, seconds = run_sklearn(train, test, target, drop, task, "mlp", seed, settings)
                rows.append(dict(base, model=f"sklearn-{config}", score=score(task, y_test, pred),
                                 seconds=round(seconds, 2)))
            linears = ["linear"] + (["nnfit-linear"] if task == "regression" else [])
            for kind in linears:
                pred, seconds = run_sklearn(train, test, target, drop, task, kind, seed)
                rows.append(dict(base, model=kind, score=score(task, y_test, pred),
                                 seconds=round(seconds, 3)))

    hopeless = []
    if not args.no_hopeless:
        for table in ("penguins_mass", "penguins_species"):
            frame, target, drop, task = tables[table]
            folder = work / f"{table}_seed{args.seeds[0]}"
            if not (folder / "train.csv").exists():
                folder.mkdir(parents=True, exist_ok=True)
                train, test = split_rows(frame, args.seeds[0])
                train.to_csv(folder / "train.csv", index=False)
                test.to_csv(folder / "test.csv", index=False)
            test = pd.read_csv(folder / "test.csv")
            for flags in HOPELESS:
                tag = "hopeless" + flags[0].replace("--", "_")
                got = run_nnfit(folder, target, drop, flags, tag)
                hopeless.append(dict(table=table, flags=" ".join(flags),
                                     score=score(task, test[target], got["predictions"]),
                                     commands=got["commands"],
                                     warnings=[t for t in got["terminal"]
                                               if t.startswith("warning:")]))

    results = pd.DataFrame(rows)
    summary = (results.groupby(["table", "metric", "model"], sort=False)["score"]
               .agg(["mean", "std", "min", "max"]).reset_index())
    wide = summary.pivot(index=["table", "metric"], columns="model", values="mean")
    order = [c for c in ["nnfit-default", "sklearn-default", "nnfit-small", "sklearn-small",
                         "nnfit-small-es", "sklearn-small-es", "linear", "nnfit-linear"]
             if c in wide.columns]
    wide = wide[order].reindex(names, level=0)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results.to_csv(out.with_suffix(".csv"), index=False)
    out.with_suffix(".json").write_text(json.dumps({
        "environment": environment(), "seeds": args.seeds, "test_fraction": TEST_FRACTION,
        "configs": {k: {"nnfit_flags": f, "sklearn": {**s, "hidden": list(s["hidden"])}}
                    for k, (f, s) in CONFIGS.items()},
        "mean_scores": {f"{t}/{m}": {c: (None if pd.isna(v) else round(float(v), 4))
                                     for c, v in r.items()} for (t, m), r in wide.iterrows()},
        "summary": summary.round(4).to_dict(orient="records"),
        "scores": results.to_dict(orient="records"),
        "nnfit_runs": details, "hopeless": hopeless,
    }, indent=1, default=str))

    with pd.option_context("display.width", 160, "display.precision", 3):
        print(f"mean test score over split seeds {args.seeds} (R² or accuracy):")
        print(wide.to_string())
        print()
        print(summary.pivot(index="table", columns="model", values="std")[order]
              .reindex(names).rename_axis("std over seeds").to_string())
    for h in hopeless:
        print(f"\nhopeless {h['table']} {h['flags']}: test score {h['score']:.3f}")
        for w in h["warnings"]:
            print("  " + w)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nwrote {out.with_suffix('.csv')} and {out.with_suffix('.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()
