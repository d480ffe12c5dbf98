"""The ``nnfit`` command line.

Parsing is done before anything heavy is imported, so ``nnfit --help`` answers at once; each
command imports JAX, pandas and the rest only when it runs. Bad input exits with status 2 and
one line that names the value and the fix.

While a command runs, SIGTERM is handled as Ctrl-C (SIGINT), see :mod:`nnfit._signals`; the
training flags come from the options schema, see :mod:`nnfit._cli_flags`, and the commands'
arguments are declared in :mod:`nnfit._cli_parser`.
"""

from __future__ import annotations

import os
import sys

from ._cli_flags import UsageError, fit_flags, model_flags, option_flags  # noqa: F401
from ._cli_output import as_flags, print_result
from ._cli_parser import build_parser
from ._signals import Signals

__all__ = ["main", "fit_flags", "UsageError", "as_flags"]


def main(argv=None):
    """Entry point of the ``nnfit`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    # an application owns its process: the command line turns on JAX's persistent compilation
    # cache (the library does so only when asked, see nnfit._programs), here and in the workers
    # it starts; the environment is put back when the command returns (main() called in-process)
    saved = os.environ.get("NNFIT_CACHE_DIR")
    os.environ.setdefault("NNFIT_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache",
                                                          "nnfit", "jax"))
    try:
        return _run(args)
    finally:
        if saved is None:
            os.environ.pop("NNFIT_CACHE_DIR", None)


def _run(args):
    """Run the parsed command with the command line's signal handling and exit statuses."""
    from .errors import InvalidOptionError

    with Signals() as signals:
        args.signals = signals
        try:
            return {"demo": _demo, "fit": _fit, "report": _report, "predict": _predict,
                    "sweep": _sweep, "playground": _playground}[args.command](args)
        # bad input, and only bad input, is exit 2: anything else is a bug and keeps its
        # traceback
        except (UsageError, InvalidOptionError, FileNotFoundError) as err:
            print(f"nnfit {args.command}: error: {as_flags(_one_line(err))}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            by = f" by {signals.name}" if signals.name else ""
            print(f"nnfit {args.command}: interrupted{by}", file=sys.stderr)
            return signals.exit_code


def _one_line(err):
    """An error message as one line: its lines joined (scikit-learn's span several)."""
    return " ".join(line.strip() for line in str(err).splitlines() if line.strip()) or \
        type(err).__name__


def _experiment(args):
    """The experiment of ``nnfit fit``: the TOML file, if any, with the flags laid over it."""
    from .config import CSV_ONLY, DATA_OPTIONS, ConfigError, load_config, validate

    if args.config in ("true", "false", "True", "False"):
        raise UsageError(f"{args.config!r} is not an experiment file: a yes/no flag takes no "
                         "value (write --early-stopping or --no-early-stopping)")
    if args.config and args.config.lower().endswith((".csv", ".tsv", ".txt")):
        raise UsageError(f"{args.config!r} is a table, not an experiment file (.toml): give it "
                         f"as --data {args.config} --target COLUMN")
    if args.config:
        raw = load_config(args.config)
        tables = {"data": dict(raw.data), "model": dict(raw.model), "train": dict(raw.train)}
        folder = raw.folder
    else:
        tables, folder = {"data": {}, "model": {}, "train": {}}, "."
    data = tables["data"]
    if args.data or args.dataset:
        data.pop("csv", None), data.pop("dataset", None)
        data.update({"csv": args.data} if args.data else {"dataset": args.dataset})
    if args.dataset:
        given = [key.removesuffix("_csv") for key in CSV_ONLY  # test_csv: --test
                 if getattr(args, key.removesuffix("_csv"))]
        if given:
            flags = " and ".join("--" + flag.replace("_", "-") for flag in given)
            raise UsageError(f"{flags} {'is' if len(given) == 1 else 'are'} for --data FILE.csv; "
                             f"the built-in dataset {args.dataset!r} has its own target and "
                             f"columns: leave {flags} out")
    if args.target:
        data["target"] = args.target.split(",") if "," in args.target else args.target
    elif args.data and "target" not in data:
        raise UsageError(f"--data needs --target COLUMN, the column to predict"
                         f"{_columns_of(args.data)}")
    if args.features:
        data["features"] = args.features.split(",")
    if args.drop:
        data["drop"] = args.drop.split(",")
    if args.test:
        data["test_csv"] = args.test
    if args.na_values:
        data["na_values"] = args.na_values.split(",")
    if args.categorical:
        data["categorical"] = args.categorical.split(",")
    options = option_flags(args)
    for key in DATA_OPTIONS:  # [data]'s, in experiment files
        if key in options:
            data[key] = options.pop(key)
    if not data:
        raise UsageError("no data: give CONFIG.toml, or --data FILE.csv --target COLUMN, "
                         "or --dataset NAME")
    # the command line validates on random rows (stratified by class) unless told otherwise:
    # a table sorted by class or by time must not validate on its last group alone
    data.setdefault("validation_shuffle", True)
    # and trains a regression on its standardised target (predictions in its units): a target
    # in the thousands must not need the user to know about scaling
    tables["train"].setdefault("scale_target", True)
    tables["model"].update(model_flags(args))
    train = tables["train"]
    train.update(options)
    try:
        experiment = validate(tables, folder=folder)
    except ConfigError as err:
        raise UsageError(str(err)) from None
    if args.config and all(getattr(args, k) is None for k in ("hidden", "activation", "output",
                                                             "normalize", "data", "dataset")):
        experiment.path = args.config  # its errors are the file's alone: name it
    for key in ("csv", "validation_csv", "test_csv"):  # the saved config works from the run folder
        if key in data:
            data[key] = os.path.abspath(experiment._path(data[key]))
    return experiment, tables


def _columns_of(path):
    """``"; FILE's columns: a, b, c"`` from a CSV file's header, or "" when it cannot be read
    (the fit's own reading then says why)."""
    import pandas as pd

    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except Exception:  # unreadable: the fit reading it says why
        return ""
    shown = ", ".join(columns[:20]) + (f", ... ({len(columns)} in all)" if len(columns) > 20 else "")
    return f"; {os.path.basename(path)}'s columns: {shown}" if columns else ""


def _fit(args):
    import warnings

    from .config import ConfigError
    from .engine import TrainingDiverged
    from .runs import save_run
    from .options import FitOptions
    from .training import DATA_ARGUMENTS, fit_options

    signals = getattr(args, "signals", None) or Signals()
    experiment, tables = _experiment(args)
    try:
        model = experiment.mlp()
        X, y, validation, data_keywords, data_name = experiment.rows()
        keywords = {**experiment.fit_keywords(), **data_keywords}
    except ConfigError as err:  # flags alone: no file's table to name
        message = str(err)
        if not args.config:
            for table in ("[data]: ", "[model]: "):
                message = message.removeprefix(table)
        raise UsageError(as_flags(message)) from None
    name = os.path.splitext(os.path.basename(args.config))[0] if args.config else data_name
    out = args.out or os.path.join("nnfit-runs", name)
    _check_out(out, "--out" if args.out else "the run folder", run_folder=True)
    status, message, code = "finished", "", 0
    # A signal stops the compiled loop at the end of its chunk (the first one included: an
    # exception raised while XLA compiles left threads behind that crashed the exit). Least
    # squares reports only after each member's whole solve: there a signal stops the solve at
    # once (scipy's loop keeps its best point) instead of waiting for a boundary.
    from .optim import optimizer_from

    least_squares = optimizer_from(keywords.get("optimizer", "adam")).least_squares
    if not least_squares:
        signals.defer("nnfit fit: stopping when the first chunk of epochs is done")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = {k: keywords.pop(k) for k in DATA_ARGUMENTS if k in keywords}
            result = fit_options(
                model, X, y, FitOptions(**keywords, verbose=not args.quiet),
                validation_data=validation, **data,
                callback=None if least_squares else signals.between_chunks,
                on_note=lambda text: print(f"note: {as_flags(text)}", file=sys.stderr))
        except TrainingDiverged as err:
            # the run folder keeps what the library keeps in error.fit
            message = as_flags(str(err).replace("are kept in error.fit", "are saved in this run "
                                                "folder"))
            result, status, code = err.fit, "diverged", 1
    signals.defer(f"nnfit fit: saving the run to {out} first")
    interrupted = "interrupted" in (result.stop_reasons or [])
    if interrupted:
        status, code = "interrupted", 130
        message = f"interrupted by {signals.name}" if signals.name else "interrupted by the user"
    with warnings.catch_warnings(record=True) as saving:
        warnings.simplefilter("always")
        save_run(out, result, tables, status=status, message=message,
                 **_rows_for_report(result, X, y))
    shown = set()  # (the table's notes were printed before training, by verbose)
    for w in [*caught, *saving]:
        if interrupted and str(w.message).startswith("training interrupted"):
            continue  # said below, in the one line about the interruption
        shown.add(str(w.message))
        print(f"warning: {as_flags(str(w.message))}", file=sys.stderr)
    if not args.quiet:
        print_result(result)
        if validation is None and not keywords.get("validation_split"):
            print("note: no validation rows: the scores are on the training rows only; "
                  "--validation-split 0.2 holds out a fifth of them to check for overfitting",
                  file=sys.stderr)
    for text in result.warnings:  # the checks against the baselines, last, where they are seen
        if text not in shown:
            print(f"warning: {as_flags(text)}", file=sys.stderr)
    if signals.received or interrupted:
        by = f" by {signals.name}" if signals.name else ""
        epochs = int(result.epochs_run.max()) if result.n_members else 0
        print(f"nnfit fit: interrupted{by} after epoch {epochs}; saved what was trained to {out} "
              f"(status {status})", file=sys.stderr)
        return signals.exit_code if signals.received else code
    if code == 1:
        print(f"nnfit fit: error: {message.split('. ')[0]}; saved the last good state to {out}",
              file=sys.stderr)
    else:
        print(f"{status}: {out}")
    return code


def _rows_for_report(fit, X, y):
    """The rows to save in data.npz for the report: the network's inputs and the targets."""
    import numpy as np

    from .tabular import is_table

    if not is_table(X):
        return {"X": X, "y": y}
    from ._tablefit import target_columns

    targets, features = target_columns(X, y)
    inputs = fit.inputs(features, warn=False)
    keep = targets.notna().all(axis=1).to_numpy() & ~np.isnan(inputs).any(axis=1)
    values = targets[keep].to_numpy()
    return {"X": inputs[keep], "y": values[:, 0] if values.shape[1] == 1 else values}


def _predict(args):
    import warnings

    from .predict import predict_table, write_predictions

    if not os.path.isdir(args.run_dir):
        raise UsageError(f"{args.run_dir!r} is not a folder; give a run folder written by "
                         "nnfit fit")
    if args.out:
        if os.path.isdir(args.out):
            raise UsageError(f"--out {args.out!r} is a folder; give the predictions' file path, "
                             f"e.g. {os.path.join(args.out, 'predictions.csv')!r}")
        _check_out(os.path.dirname(os.path.abspath(args.out)), "--out", run_folder=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table, notes = predict_table(args.run_dir, args.data, na_values=(
            args.na_values.split(",") if args.na_values else None))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for message in dict.fromkeys(str(w.message) for w in caught):  # predict and probabilities
        print(f"warning: {as_flags(message)}", file=sys.stderr)
    if args.out:  # its folder, as nnfit fit makes a run folder's
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    try:
        write_predictions(table, args.out)
    except BrokenPipeError:  # `nnfit predict ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.out:
        print(args.out)
    return 0


def _check_out(out, flag, *, run_folder):
    """Fail before any training on an output folder that cannot be written.

    ``run_folder``: ``nnfit fit``'s folder, which is replaced as a whole (a temporary sibling
    renamed into place), so its parent must be writable and it must be new, empty or a run
    folder. Otherwise (a sweep's folder) files are written inside it.
    """
    import tempfile

    from ._runfolder import check_replaceable
    from .errors import InvalidOptionError

    try:
        if run_folder:
            check_replaceable(out)
    except InvalidOptionError as err:
        raise InvalidOptionError(f"{flag} {err}") from None
    if os.path.exists(out) and not os.path.isdir(out):
        raise InvalidOptionError(f"{flag} {out!r} is a file, not a folder; give a folder path")
    target = os.path.abspath(out)
    if run_folder and not os.path.ismount(target):
        target = os.path.dirname(target)  # where the new folder is made, beside the old one
    while not os.path.exists(target):
        target = os.path.dirname(target)
    if not os.path.isdir(target):
        raise InvalidOptionError(f"{flag} {out!r} lies under {target!r}, which is a file, not a "
                                 "folder; give a folder path")
    try:  # os.access is not enough: root, read-only mounts, ACLs
        os.rmdir(tempfile.mkdtemp(dir=target, prefix=".nnfit-probe-"))
    except OSError as err:
        raise InvalidOptionError(f"{flag} {out!r} cannot be written: {err.strerror} in "
                                 f"{target!r}; give a folder you can write to") from None


def _sweep(args):
    import warnings

    from . import sweep
    from .config import ConfigError, load_config
    from .errors import InvalidOptionError
    from .sweep.__main__ import print_summary

    signals = getattr(args, "signals", None) or Signals()
    try:
        experiment = load_config(args.config, tables=("data", "model", "train", "sweep"))
        if "grid" not in experiment.sweep:
            raise ConfigError("[sweep] needs grid = { KEY = [candidates], ... }")
        if "validation_shuffle" in experiment.data:  # nnfit fit's, not taken by sweeps
            raise ConfigError("[data] validation_shuffle is not one nnfit sweep takes: a sweep "
                              "validates on the last rows (Keras' rule); shuffle the table's "
                              "rows first, or give validation_csv = \"FILE\"")
        data, validation, split = experiment.dataset()
    except ConfigError as err:
        raise UsageError(str(err)) from None
    base = {**experiment.model, **experiment.fit_keywords()}
    X_val, y_val = validation if validation is not None else (None, None)
    name = os.path.splitext(os.path.basename(args.config))[0]
    out = args.out or os.path.join("nnfit-runs", name)
    _check_out(out, "--out" if args.out else "the sweep folder", run_folder=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sweep.run(experiment.sweep["grid"], data.X, data.y, X_val=X_val,
                               y_val=y_val, validation_split=split,
                               seeds=experiment.sweep.get("seeds", (0,)), base=base, out=out,
                               scheduler=args.scheduler, n_jobs=args.n_jobs,
                               max_configs=experiment.sweep.get("max_configs", 1000),
                               confirm=args.confirm, verbose=not args.quiet)
        except InvalidOptionError as err:  # in the command line's words
            raise UsageError(str(err).replace("pass confirm=True", "pass --confirm").replace(
                "raise max_configs", "raise max_configs in [sweep]")) from None
    stopped = [str(w.message) for w in caught if str(w.message).startswith("sweep interrupted")]
    for w in caught:
        if not str(w.message).startswith("sweep interrupted"):
            print(f"warning: {w.message}", file=sys.stderr)
    if signals.received or stopped or not result.complete:
        signals.defer()
        by = f" by {signals.name}" if signals.name else ""
        what = (stopped[0].split(": ", 1)[1].split(";")[0] if stopped
                else f"{len(result.table)} runs finished")
        print(f"nnfit sweep: interrupted{by}: {what}; run the same command again to resume",
              file=sys.stderr)
        return signals.exit_code
    print_summary(result, out)
    return 0


def _report(args):
    from .fitted import load_fit
    from .runs import read_data, write_report

    folder = args.run_dir
    if not os.path.isdir(folder):
        raise UsageError(f"{folder!r} is not a folder; give a run folder written by nnfit fit")
    result = load_fit(folder)
    data = read_data(folder, result.network.n_inputs)  # the run's own record: no outside file
    if data is None:
        print(f"warning: {folder} keeps no training rows (data.npz: a sweep's fits and folders "
              "of older nnfit versions have none): the report shows no data; a run of nnfit fit "
              "keeps them", file=sys.stderr)
    X, y = data if data is not None else (None, None)
    try:
        write_report(folder, result, X=X, y=y)
    except PermissionError:
        raise UsageError(f"cannot write report.html into {folder!r}: permission denied; make the "
                         "folder writable, or copy the run elsewhere first") from None
    print(os.path.join(folder, "report.html"))
    return 0


def _demo(args):
    import time

    from . import demos

    if args.list:
        for name, title in demos.list_demos().items():
            print(f"{name:22} {title}")
        return 0
    if args.name is not None and args.name not in demos.DEMOS:
        raise UsageError(f"unknown demo {args.name!r}; the demos are {', '.join(demos.DEMOS)}")
    started = time.perf_counter()
    progress = None if args.quiet else (lambda step: print(f"  {step}", file=sys.stderr, flush=True))
    try:
        if args.name:
            path = demos.run_demo(args.name, args.out, quick=args.quick, progress=progress)
        else:
            path = demos.run_all(args.out, quick=args.quick, progress=progress)
    except demos.DemoFailed as err:
        for name, why in err.failures.items():
            print(f"nnfit demo: {name} failed: {why}", file=sys.stderr)
        print(err.index)
        return 1
    if not args.quiet:
        print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(path)
    return 0


def _playground(args):
    from .playground import LOCAL_HOSTS, serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port; give 1 to 65535 (0: a free one)")
    if args.host not in LOCAL_HOSTS:
        # the page trains whatever it is sent and accepts uploads: anyone who can reach the
        # address can use this machine's processors
        print(f"warning: --host {args.host} lets other machines reach the playground (no "
              "password, uploads accepted); use --host 127.0.0.1 unless that is meant",
              file=sys.stderr)
    return serve(data=args.data, host=args.host, port=args.port,
                 open_browser=not args.no_browser)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
