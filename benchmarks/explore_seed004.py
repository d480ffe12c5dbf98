"""Seed 004 at full scale: which training setting decides the study's findings (issue 15, item 3).

Not a timing benchmark: the numbers an investigation of the seed's hidden settings needs,
printed one line a model. The seed's networks (relu, Keras' RandomNormal(0.05) weights and
biases, no input normalisation) on nnfit's seed-004-like data, Adam in batches of 32::

    python benchmarks/explore_seed004.py study 0.001 100        # every 1-layer and 16-unit model
    python benchmarks/explore_seed004.py penalties 0.001 100    # 5 x 1024 and its penalty variants
    python benchmarks/explore_seed004.py history 0.001 100 256  # variants' MSE by epoch, 5 x 256
    python benchmarks/explore_seed004.py classifiers 0.001 100 200  # 5 x 1024 classifiers, 200 rows
    python benchmarks/explore_seed004.py ranges 0.001 100 1024      # the variants, 4 input ranges
    python benchmarks/explore_seed004.py scales 0.001 100           # the variants, 8 data scales

Arguments: the experiment, the learning rate, the epochs, and a width (history, ranges) or the
number of training rows (classifiers). The seed's own numbers are in ``nnfit.sweep.studies``.

``ranges`` is the experiment that decided the data's input range: the same 50 points and curve,
the inputs stretched over [0, 1], [-1, 1], [-3, 3] and [-6, 6]. Measured (lr 0.001, 100 epochs,
5 x 1024, training MSE at epochs 10 / 20 / 99; variance of y 0.094, noise 0.0196)::

    [0, 1]    none 0.085 / 0.076 / 0.017   L2 0.001 0.086 / 0.081 / 0.025   L1 flat by 60
    [-1, 1]   none 0.054 / 0.020 / 0.017   L2 0.001 0.069 / 0.033 / 0.019   L1 flat by 60
    [-3, 3]   none 0.035 / 0.016 / 0.015  L2 0.001 0.030 / 0.017 / 0.016  L1 0.030 @15, 0.085 by 99

On [0, 1] the networks (biases as large as weights, so most bends -b/w lie outside the data) sit
on a plateau for 20-40 epochs, and every penalty pulls the weights to zero meanwhile.

``scales`` asks what keeps L1 0.001 fitted at all: wider inputs ([-10, 10]) or a mean of 5 do,
but neither reproduces the seed's other findings (the table in benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import numpy as np  # noqa: E402

import nnfit  # noqa: E402
from nnfit._generators import capacity_mean  # noqa: E402
from nnfit.datasets import load_dataset  # noqa: E402
from nnfit.demos._seed004_shared import VARIANTS, member_mse, relu_model  # noqa: E402

STUDY = [("2 units", (2,)), ("8 units", (8,)), ("128 units", (128,)), ("1024 units", (1024,)),
         ("8192 units", (8192,))] + [(f"{k} x 16", (16,) * k) for k in range(1, 5)]
CLASS_L2 = (0.0, 0.001, 0.01)


def _fit(model, X, y, rate, epochs, **options):
    return nnfit.fit(model, X, y, optimizer="adam", learning_rate=rate, epochs=epochs,
                     batch_size=32, seed=0, **options)


def study(rate, epochs, _):
    d = load_dataset("capacity", n_val=1000)
    for name, hidden in STUDY:
        start = time.perf_counter()
        fit = _fit(relu_model(hidden), d.X, d.y, rate, epochs, n_members=3)
        train, val = member_mse(fit, d.X, d.y), member_mse(fit, d.X_val, d.y_val)
        print(f"{name:10s} train MSE {train.mean():.4f} (best {train.min():.4f}), validation "
              f"{val.mean():.4f}, {time.perf_counter() - start:.1f} s", flush=True)


def _variants(d, hidden, rate, epochs):
    return _fit(relu_model(hidden), d.X, d.y, rate, epochs, l1=[[v[1]] for v in VARIANTS],
                l2=[[v[2]] for v in VARIANTS])


def penalties(rate, epochs, _):
    d = load_dataset("capacity", n_val=1000)
    fit = _variants(d, (1024,) * 5, rate, epochs)
    train, val = member_mse(fit, d.X, d.y), member_mse(fit, d.X_val, d.y_val)
    for (name, _, _), a, b in zip(VARIANTS, train, val):
        print(f"5 x 1024 {name:12s} train MSE {a:.4f}, validation {b:.4f}")


def history(rate, epochs, width):
    d = load_dataset("capacity", n_val=1000)
    h = _variants(d, (int(width),) * 5, rate, epochs).history
    marks = [e for e in (0, 2, 5, 10, 20, 40, 60, 99, 199, 299) if e < epochs]
    for m, (name, _, _) in enumerate(VARIANTS):
        rows = h[h.member == m]
        print(f"{name:12s} " + "  ".join(f"{e}: {rows.iloc[e]['mse']:.4f}/"
                                         f"{rows.iloc[e]['penalty']:.3g}" for e in marks))


def ranges(rate, epochs, width):
    d = load_dataset("capacity", n_val=1000)
    u, u_val = (d.X + 3) / 6, (d.X_val + 3) / 6  # the points on [0, 1]
    for low, high in ((0.0, 1.0), (-1.0, 1.0), (-3.0, 3.0), (-6.0, 6.0)):
        X, X_val = low + (high - low) * u, low + (high - low) * u_val
        fit = _fit(relu_model((int(width),) * 5), X, d.y, rate, epochs,
                   l1=[[v[1]] for v in VARIANTS], l2=[[v[2]] for v in VARIANTS])
        train, val = member_mse(fit, X, d.y), member_mse(fit, X_val, d.y_val)
        marks = [e for e in (10, 20, 40, 60, 99, 199) if e < epochs]
        for m, (name, _, _) in enumerate(VARIANTS):
            rows = fit.history[fit.history.member == m]
            print(f"[{low:g}, {high:g}] {name:12s} train MSE " + " / ".join(
                f"{rows.iloc[e]['mse']:.3f}" for e in marks)
                + f" (epochs {', '.join(map(str, marks))}), final {train[m]:.4f}, validation "
                f"{val[m]:.4f}", flush=True)


# (inputs' low, high, curve's amplitude factor, offset added to y): what each does to the data
# gradients the L1 pull competes with; the noise stays N(0, 0.14^2)
SCALES = ((-3, 3, 1, 0), (-3, 3, 2, 0), (-6, 6, 1, 0), (-10, 10, 1, 0), (-20, 20, 1, 0),
          (-3, 3, 1, 2), (-3, 3, 1, 5), (0, 1, 1, 5))


def scales(rate, epochs, _):
    """The penalty variants of 5 x 1024 on the capacity curve rescaled: wider inputs, a larger
    curve, a mean far from the networks' initial output of ~0."""
    seeds = np.random.SeedSequence(0).spawn(2)
    for low, high, amplitude, offset in SCALES:
        data = []
        for seq, n in zip(seeds, (50, 1000)):
            rng = np.random.default_rng(seq)
            x = rng.uniform(low, high, n)
            curve = amplitude * capacity_mean(-3 + 6 * (x - low) / (high - low))
            data += [x[:, None], curve + offset + 0.14 * rng.normal(size=n)]
        X, y, X_val, y_val = data
        fit = _fit(relu_model((1024,) * 5), X, y, rate, epochs,
                   l1=[[v[1]] for v in VARIANTS], l2=[[v[2]] for v in VARIANTS])
        train, val = member_mse(fit, X, y), member_mse(fit, X_val, y_val)
        marks = [e for e in (5, 10, 20, 40, 60, 99, 199, 299) if e < epochs]
        for m, (name, _, _) in enumerate(VARIANTS):
            rows = fit.history[fit.history.member == m]
            print(f"x on [{low}, {high}], curve x{amplitude}, offset {offset}: {name:12s} train "
                  f"MSE by epoch " + " / ".join(f"{rows.iloc[e]['mse']:.3f}" for e in marks)
                  + f", final {train[m]:.4f}, validation {val[m]:.4f}", flush=True)


def classifiers(rate, epochs, rows):
    d = load_dataset("capacity_classification", n_val=10000)
    n = int(rows)
    fit = _fit(relu_model((1024,) * 5, output="sigmoid"), d.X[:n], d.y[:n], rate, epochs,
               l2=[[v] for v in CLASS_L2])

    def positive(X):
        p = np.asarray(fit.predict_members(X))
        return p[..., -1] if p.ndim == 3 else p

    val, train = positive(d.X_val), positive(d.X[:n])
    for l2, p, pt in zip(CLASS_L2, val, train):
        q = np.clip(p, 1e-7, 1 - 1e-7)
        bce = -np.mean(d.y_val * np.log(q) + (1 - d.y_val) * np.log(1 - q))
        print(f"L2 {l2:<6} train accuracy {np.mean((pt > 0.5) == d.y[:n]):.4f}, validation "
              f"{np.mean((p > 0.5) == d.y_val):.4f} (cross-entropy {bce:.3f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("experiment",
                        choices=["study", "penalties", "history", "classifiers", "ranges",
                                 "scales"])
    parser.add_argument("rate", type=float)
    parser.add_argument("epochs", type=int)
    parser.add_argument("extra", nargs="?", default="256", help="width (history) or rows")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    globals()[args.experiment](args.rate, args.epochs, args.extra)


if __name__ == "__main__":
    main()
