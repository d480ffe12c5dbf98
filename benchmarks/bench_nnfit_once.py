"""nnfit's whole-process time on the peer workload: start Python, import, fit once, predict.

The peers' scripts each fit once, so this is the like-for-like "whole process" measure:

    time python benchmarks/bench_nnfit_once.py            # JAX's persistent cache as configured
    NNFIT_CACHE_DIR=/tmp/fresh python benchmarks/bench_nnfit_once.py   # a cold cache
    time python benchmarks/bench_nnfit_once.py --data sklearn   # the data from scikit-learn

By default the data come from ``nnfit.load_dataset("cubic")``, seed 000's cubic set as nnfit
ships it: the same make_regression draws, bit for bit (tests/test_datasets.py checks it), made
without importing scikit-learn, which is how an nnfit user gets them. ``--data sklearn`` calls
scikit-learn's ``make_regression`` as the peers' scripts do, and so pays its import (about 0.7 s
here) and its slower interpreter exit (about 0.25 s).

Prints one JSON line (framework, data, train_s, compile_s, val_mse).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.environ.get("NNFIT_SRC", os.path.join(os.path.dirname(__file__), "..", "src")))

import numpy as np  # noqa: E402
import workload as w  # noqa: E402

import nnfit  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", choices=("nnfit", "sklearn"), default="nnfit",
                    help="where the cubic data set comes from (the same numbers either way)")
args = parser.parse_args()

if args.data == "sklearn":
    X, y = w.make_data()
else:
    cubic = nnfit.load_dataset("cubic")  # x1 = x ** 3 of make_regression's x, as the seed
    X, y = np.column_stack([np.ones(len(cubic.X)), cubic.X[:, 0]]), cubic.y
model = nnfit.MLP(hidden=(5, 5), activation="relu", normalize=True)
fit = nnfit.fit(model, X, y, optimizer="adam", learning_rate=0.01, epochs=200, batch_size=32,
                validation_split=0.2, seed=0)
X_tr, y_tr, X_val, y_val = w.split(X, y)
print(json.dumps({"framework": "nnfit", "data": args.data, "train_s": fit.timings["train_s"],
                  "compile_s": fit.timings["compile_s"], "val_mse": w.mse(y_val, fit.predict(X_val))}))
