"""nnfit's whole-process time on the peer workload: start Python, import, fit once, predict.

The peers' scripts each fit once, so this is the like-for-like "whole process" measure:

    time python benchmarks/bench_nnfit_once.py            # JAX's persistent cache as configured
    NNFIT_CACHE_DIR=/tmp/fresh python benchmarks/bench_nnfit_once.py   # a cold cache

Prints one JSON line (framework, train_s, compile_s, val_mse).
"""

import json
import os
import sys

sys.path.insert(0, os.environ.get("NNFIT_SRC", os.path.join(os.path.dirname(__file__), "..", "src")))

import workload as w  # noqa: E402

import nnfit  # noqa: E402

X, y = w.make_data()
model = nnfit.MLP(hidden=(5, 5), activation="relu", normalize=True)
fit = nnfit.fit(model, X, y, optimizer="adam", learning_rate=0.01, epochs=200, batch_size=32,
                validation_split=0.2, seed=0)
X_tr, y_tr, X_val, y_val = w.split(X, y)
print(json.dumps({"framework": "nnfit", "train_s": fit.timings["train_s"],
                  "compile_s": fit.timings["compile_s"], "val_mse": w.mse(y_val, fit.predict(X_val))}))
