"""The ``nnfit`` command's arguments: every command and its flags (the training flags come
from the options schema, see :mod:`nnfit._cli_flags`). Nothing heavy is imported here, so
``nnfit --help`` answers at once."""

from __future__ import annotations

import argparse

import nnfit
from ._cli_flags import add_option_flags


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage itself is in --help), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    """The ``nnfit`` command's argument parser: every command and flag, nothing run."""
    parser = OneLineParser(
        prog="nnfit",
        description="Fit, inspect and compare neural-network and linear regressors, fast.")
    parser.add_argument("--version", action="version", version=f"nnfit {nnfit.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=OneLineParser)
    fit = commands.add_parser(
        "fit", help="train a network from a TOML experiment file or from flags",
        description="Train a network and write a run folder (config.toml, fit.json, "
                    "params.npz, history.csv, report.html). Give a TOML experiment file, or "
                    "--data FILE.csv --target COLUMN and flags; flags override the file.")
    fit.add_argument("config", nargs="?", metavar="CONFIG.toml", help="experiment file")
    source = fit.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE.csv", help="CSV file with a header row")
    source.add_argument("--dataset", metavar="NAME", help="a built-in data set, e.g. cubic")
    fit.add_argument("--target", metavar="COL", help="the column(s) to predict, comma-separated")
    fit.add_argument("--features", metavar="COLS", help="feature columns (default: all others)")
    fit.add_argument("--drop", metavar="COLS", help="columns to leave out, comma-separated")
    fit.add_argument("--categorical", metavar="COLS", help="columns of number codes to one-hot "
                     "encode as categories (zip codes, a class 1/2/3)")
    fit.add_argument("--na-values", metavar="TEXT,...", help="text that marks a missing value "
                     "(besides empty, NA, NaN), e.g. '?'")
    fit.add_argument("--test", metavar="FILE.csv", help="rows only scored (beside the "
                     "baselines), never trained on")
    fit.add_argument("--hidden", metavar="W,W,...", help="hidden layer widths, e.g. 16,16 "
                     "('' for none)")
    fit.add_argument("--activation", metavar="NAME", help="hidden activation(s), comma-separated")
    fit.add_argument("--output", choices=("linear", "sigmoid", "softmax"), help="output activation")
    fit.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=None,
                     help="standardise inputs with the training mean and variance")
    add_option_flags(fit)
    fit.add_argument("--out", metavar="DIR", help="run folder (default nnfit-runs/NAME)")
    fit.add_argument("--quiet", action="store_true", help="no progress bar or tables")
    sweep = commands.add_parser(
        "sweep", help="train a grid of models and seeds from a TOML file",
        description="Train every configuration of the [sweep] grid with every seed and write a "
                    "resumable run folder (table.csv, one fit per run, report.html). [data] is as "
                    "for nnfit fit, but a sweep validates on the last rows and trains on the "
                    "target as given, as nnfit.fit does (nnfit fit shuffles its validation rows "
                    "and scales the target): the same file can score differently; [model] and "
                    "[train] hold the options every configuration shares; [sweep] holds grid = { "
                    "hidden = [[8], [16, 16]], l2 = [0.0, 0.01] }, seeds = [0, 1, 2] and "
                    "max_configs.")
    sweep.add_argument("config", metavar="CONFIG.toml", help="experiment file with a [sweep] table")
    sweep.add_argument("--out", metavar="DIR", help="run folder (default nnfit-runs/NAME)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://host:8786")
    sweep.add_argument("--n-jobs", type=int, default=1, help="local processes (default 1)")
    sweep.add_argument("--confirm", action="store_true", help="allow grids above max_configs")
    sweep.add_argument("--quiet", action="store_true", help="no line per finished group")
    predict = commands.add_parser(
        "predict", help="apply a saved run to new rows of a CSV file",
        description="Read RUN_DIR's fit, turn the rows of --data into its inputs exactly as "
                    "training did (categories, gaps, scaling) and write the predictions: a "
                    "column named after the target, class probabilities (classification) and "
                    "the members' spread (ensembles), one row per input row.")
    predict.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by nnfit fit")
    predict.add_argument("--data", metavar="NEW.csv", required=True,
                         help="CSV file with the columns the run was trained on")
    predict.add_argument("--out", metavar="FILE.csv", help="write here (default: standard output)")
    predict.add_argument("--na-values", metavar="TEXT,...", help="text that marks a missing "
                         "value (default: the run's own)")
    report = commands.add_parser(
        "report", help="(re)write report.html for a run folder",
        description="Write RUN_DIR/report.html from the saved fit and the training data saved "
                    "with it (RUN_DIR/data.npz); only files inside RUN_DIR are read.")
    report.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by nnfit fit")
    demo = commands.add_parser(
        "demo", help="reproduce the seed documents as HTML reports",
        description="Reproduce the five seed documents end to end, each as a self-contained "
                    "HTML report: regression-intuition (000), linear-from-scratch (001), "
                    "nonlinear-models (002), gradient-descent (003), capacity (004). With no "
                    "NAME all five run and DIR/index.html links them.")
    demo.add_argument("name", nargs="?", metavar="NAME", help="one demo (default: all five)")
    demo.add_argument("--out", metavar="DIR", default="nnfit-demo",
                      help="folder for the reports (default nnfit-demo)")
    demo.add_argument("--quick", action="store_true",
                      help="fewer epochs: a fast look, same sections")
    demo.add_argument("--list", action="store_true", help="list the demos and exit")
    demo.add_argument("--quiet", action="store_true", help="print only the report's path")
    play = commands.add_parser(
        "playground", help="train a network live in the browser, on built-in or your own data",
        description="Serve the nnfit playground, a local web page that trains a network as you "
                    "watch (data, fitted curve or decision boundary, hidden units, weights, loss "
                    "curves), and open it in the browser. It binds to 127.0.0.1 unless told "
                    "otherwise and reads no file but --data and the page's uploads.")
    play.add_argument("--data", metavar="FILE.csv", help="a CSV file with a header row to start "
                      "with (the page can upload others)")
    play.add_argument("--port", type=int, default=8050, help="port (default 8050; 0: a free one)")
    play.add_argument("--host", default="127.0.0.1",
                      help="address to bind (default 127.0.0.1: this machine only)")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    return parser
