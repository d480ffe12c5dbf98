"""``python -m nnfit.sweep``: run a sweep file or the built-in seed-004 study from a shell.

    python -m nnfit.sweep study --scale small --out runs/seed004
    python -m nnfit.sweep run grid.toml --data capacity --out runs/capacity
    python -m nnfit.sweep run grid.json --csv data.csv --target y --out runs/mine \\
        --scheduler tcp://host:8786

A sweep file (TOML or JSON) holds ``grid`` (a table of candidate lists, or an array of them),
and optionally ``base`` (fixed options), ``seeds`` and ``validation_split``::

    seeds = [0, 1, 2]
    [base]
    epochs = 500
    [grid]
    hidden = [[2], [8], [16, 16]]
    l2 = [0.0, 0.01]

Bad input exits with status 2 and one line naming the problem; a run folder resumes. Ctrl-C or
SIGTERM stops the sweep between chunks of epochs, keeps the runs that finished and exits 130 or
143 with one line (as ``nnfit sweep`` does).
"""

from __future__ import annotations

import argparse
import json
import sys
from .._checks import first_line
from ..errors import InvalidOptionError


def _parser():
    parser = argparse.ArgumentParser(prog="python -m nnfit.sweep",
                                     description="Sweeps over models and seeds.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    study = commands.add_parser("study", help="seed 004's capacity study (train/val MSE table, "
                                              "classification accuracies)")
    study.add_argument("name", nargs="?", default="seed004", choices=["seed004"])
    study.add_argument("--scale", default="small", choices=["small", "full"])
    run = commands.add_parser("run", help="run the sweep of a TOML or JSON file")
    run.add_argument("file", help="sweep file: grid, base, seeds, validation_split")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", metavar="NAME", help="a nnfit data set, e.g. capacity")
    source.add_argument("--csv", metavar="PATH", help="a CSV file with a header row")
    run.add_argument("--target", help="the CSV's target column")
    run.add_argument("--confirm", action="store_true", help="run grids above --max-configs")
    run.add_argument("--max-configs", type=int, default=1000)
    for sub in (study, run):
        sub.add_argument("--out", metavar="DIR", help="run folder (resumable)")
        sub.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
        sub.add_argument("--n-jobs", type=int, default=1, help="local processes (default 1)")
        sub.add_argument("--quiet", action="store_true", help="no line per finished group")
    return parser


def _read(path):
    if path.endswith(".toml"):
        import tomllib
        with open(path, "rb") as f:
            return tomllib.load(f)
    with open(path) as f:
        return json.load(f)


def main(argv=None):
    from .._signals import Signals

    args = _parser().parse_args(argv)
    with Signals() as signals:
        try:
            return _main(args, signals)
        except KeyboardInterrupt:
            print(f"interrupted{' by ' + signals.name if signals.name else ''}", file=sys.stderr)
            return signals.exit_code


def _main(args, signals):
    import warnings

    import nnfit

    try:
        if args.command == "study":
            study = nnfit.sweep.seed004_study(args.scale, out=args.out, scheduler=args.scheduler,
                                              n_jobs=args.n_jobs, verbose=not args.quiet)
            print(study)
            return 0
        spec = _read(args.file)
        unknown = set(spec) - {"grid", "base", "seeds", "validation_split"}
        if unknown or "grid" not in spec:
            raise InvalidOptionError(f"{args.file}: a sweep file holds 'grid' and optionally 'base', "
                             f"'seeds', 'validation_split'; got {sorted(spec)}")
        if args.data:
            data = nnfit.load_dataset(args.data)
        else:
            if not args.target:
                raise InvalidOptionError("--csv needs --target COLUMN")
            data = nnfit.datasets.from_csv(args.csv, target=args.target)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="sweep interrupted", category=UserWarning)
            result = nnfit.sweep.run(spec["grid"], data, base=spec.get("base"),
                                     seeds=spec.get("seeds", (0,)),
                                     validation_split=spec.get("validation_split", 0.0),
                                     out=args.out, scheduler=args.scheduler, n_jobs=args.n_jobs,
                                     max_configs=args.max_configs, confirm=args.confirm,
                                     verbose=not args.quiet)
    except (InvalidOptionError, FileNotFoundError) as err:  # bad input only: a bug keeps its traceback
        print(f"error: {first_line(err)}", file=sys.stderr)
        return 2
    if signals.received or not result.complete:
        by = f" by {signals.name}" if signals.name else ""
        where = f" and saved in {args.out!r}; run the same command again to resume" if args.out else ""
        print(f"interrupted{by}: {len(result.table)} runs finished{where}", file=sys.stderr)
        return signals.exit_code
    print_summary(result, args.out)
    return 0


def print_summary(result, out=None):
    """Print a sweep's per-configuration summary (and its report's path when saved to ``out``)."""
    import pandas as pd

    metric = result.default_metric()
    metrics = list(dict.fromkeys([metric.replace("val_", "train_"), metric]))
    summary = result.summary(metrics)
    shown = [c for c in summary.columns if c in result.swept() or c in ("n_params", "n_seeds")
             or c.endswith(("_mean", "_std"))]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        # a one-seed group has no spread: '-' as the fit report shows it, not NaN
        print(summary[shown].to_string(index=False, na_rep="-"))
    if out:
        print(f"report: {result.report()}")


if __name__ == "__main__":
    sys.exit(main())
