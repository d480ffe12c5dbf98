"""A small fit's fixed cost: the host-side work around the compiled program, per call.

Times two things in one process, after warm-up (programs compiled and cached): ``nnfit.fit`` of
one epoch of a (16,) network on 200 rows (almost nothing but the call's own overhead:
validation, planning, transfers, the Fit), and ``nnfit.MLPRegressor`` with 100 iterations on
the same rows (what a grid search pays per fit). Prints one JSON line with the 10th percentile
and the median of each, in milliseconds.

The nnfit under test is ``$NNFIT_SRC`` (default: this checkout's ``src/``), so two versions can
be compared side by side, alternating, on one machine::

    git worktree add /tmp/old-nnfit <commit>
    for i in 1 2 3; do for s in /tmp/old-nnfit/src src; do
        NNFIT_SRC=$s NNFIT_CACHE_DIR=/tmp/bench-cache python benchmarks/bench_overhead.py
    done; done
"""

import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, os.environ.get("NNFIT_SRC", str(Path(__file__).resolve().parents[1] / "src")))

import numpy as np  # noqa: E402

import nnfit  # noqa: E402

warnings.simplefilter("ignore")  # 100 iterations do not converge: not what is measured
RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 4))
Y = X @ RNG.normal(size=4)


def one_epoch():
    nnfit.fit(nnfit.MLP(hidden=(16,)), X, Y, epochs=1, batch_size=32, seed=0)


def regressor():
    nnfit.MLPRegressor(hidden_layer_sizes=(16,), max_iter=100, random_state=0).fit(X, Y)


def timed(run, repeats):
    for _ in range(5):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"p10_ms": round(times[len(times) // 10] * 1e3, 3),
            "median_ms": round(times[len(times) // 2] * 1e3, 3)}


if __name__ == "__main__":
    print(json.dumps({"src": os.environ.get("NNFIT_SRC", "src"),
                      "fit_one_epoch": timed(one_epoch, 600),
                      "MLPRegressor_100_iter": timed(regressor, 150)}))
