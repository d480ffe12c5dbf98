"""The ``nnfit`` command line.

Parsing is done before anything heavy is imported, so ``nnfit --help`` answers at once; each
command imports JAX, pandas and the rest only when it runs. Bad input exits with status 2 and
one line that names the value and the fix.
"""

from __future__ import annotations

import argparse
import sys

import nnfit


class UsageError(Exception):
    """A bad value on the command line: reported in one line, exit status 2."""


def _parser():
    parser = argparse.ArgumentParser(
        prog="nnfit",
        description="Fit, inspect and compare neural-network and linear regressors, fast.")
    parser.add_argument("--version", action="version", version=f"nnfit {nnfit.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="train seed 000's two-relu network on its cubic data and print the result",
        description="Train seed 000's 'two relu layers' network (normaliser, Dense 5 relu, "
                    "Dense 5 relu, Dense 1) on the cubic data set, as the seed notebook does "
                    "with Keras, and print the summary, the history and the timings.")
    demo.add_argument("--epochs", type=int, default=200, help="epochs (default 200)")
    demo.add_argument("--members", type=int, default=1,
                      help="train this many seeds together and report their spread (default 1)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--out", metavar="DIR", help="save the fit (JSON, CSV, .npz) to DIR")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Entry point of the ``nnfit`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return {"demo": _demo}[args.command](args)
    except UsageError as err:
        print(f"nnfit {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnfit: interrupted", file=sys.stderr)
        return 130


def _demo(args):
    if args.epochs < 1:
        raise UsageError(f"--epochs must be >= 1, got {args.epochs}")
    if args.members < 1:
        raise UsageError(f"--members must be >= 1, got {args.members}")
    import numpy as np
    from rich.console import Console

    from .datasets import load_dataset
    from .mlp import MLP
    from .training import fit

    console = Console()
    data = load_dataset("cubic")
    # the seed's features: a constant column x0 = 1 beside x1, both through the normaliser
    X = np.c_[np.ones(len(data)), data.X]
    model = MLP(hidden=(5, 5), activation="relu", normalize=True)
    console.print(f"[bold]{data.name}[/bold]: {data.description}")
    result = fit(model, X, data.y, optimizer="adam", learning_rate=0.01, epochs=args.epochs,
                 batch_size=32, validation_split=0.2, n_members=args.members, seed=args.seed,
                 verbose=not args.quiet)
    print(result.summary())
    hist = result.history
    print(hist.iloc[[0, len(hist) // 2, len(hist) - 1]].to_string(index=False))
    t = result.timings
    console.print(f"compile {t['compile_s']:.2f} s, training {t['train_s']:.3f} s, "
                  f"total {t['total_s']:.2f} s")
    if args.out:
        result.save(args.out)
        console.print(f"saved to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
