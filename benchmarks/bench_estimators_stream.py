"""Benchmark the MLP estimators' partial_fit on a stream and their fit on sparse one-hot input,
nnfit against scikit-learn. Prints Markdown.

    PYTHONPATH=src python benchmarks/bench_estimators_stream.py            # both, 3 rounds
    PYTHONPATH=src python benchmarks/bench_estimators_stream.py --quick    # smoke test

partial_fit: a stream of mini-batches (regression: 10 features, y a smooth function plus noise;
classification: 3 classes of the same features) fed one ``partial_fit`` call each, as online
code does; the first ``--warmup`` calls (compilation in nnfit, first allocations in both) are
not timed, the rest are timed call by call. The score is R² or accuracy on 5,000 held-out rows
after the stream.

sparse: ``fit`` on a CSR one-hot design of categorical variables (rows x 260 columns, float64,
or converted to float32), ``y`` a random effect per level plus noise, ``max_iter`` epochs of
Adam with scikit-learn's default batch of 200 rows (``tol=0`` and ``n_iter_no_change`` large,
so every epoch runs in both), timed on the second fit of the same data (nnfit's first also
compiles its program: shown apart). nnfit densifies sparse X as a whole for training (the reason is in
ESTIMATORS.md); the peak of memory that the fit allocates is measured with ``tracemalloc``
(NumPy's and SciPy's arrays; XLA's own buffers are not seen by it, so nnfit's peak RSS is also
reported).

Each measurement runs in a fresh Python process, the two libraries alternating ``--rounds``
times; ratios are nnfit / scikit-learn of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from _machine import describe, load_line

CHILD = r"""
import json, resource, statistics, sys, time, tracemalloc, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
job, lib, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if lib == "nnfit":
    from nnfit import MLPClassifier, MLPRegressor
else:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

def stream_data(n, d, seed, classify):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    f = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + 0.3 * X[:, 3:].sum(axis=1)
    if classify:
        return X, np.digitize(f, [-0.7, 0.7])
    return X, f + 0.1 * rng.normal(size=n)

def onehot(n, levels, seed=0):
    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, k, n) for k in levels]
    X = sp.hstack([sp.csr_array((np.ones(n), (np.arange(n), c)), shape=(n, k))
                   for c, k in zip(codes, levels)], format="csr")
    y = sum(rng.normal(size=k)[c] for c, k in zip(codes, levels)) + rng.normal(size=n)
    return X, y

out = {}
if job == "stream":
    classify = spec["task"] == "classification"
    batch, calls, warmup = spec["batch"], spec["calls"], spec["warmup"]
    X, y = stream_data(batch * calls, spec["features"], 0, classify)
    Xt, yt = stream_data(5000, spec["features"], 1, classify)
    kind = MLPClassifier if classify else MLPRegressor
    model = kind(hidden_layer_sizes=tuple(spec["hidden"]), solver=spec["solver"],
                 learning_rate_init=spec["lr"], random_state=0)
    extra = {"classes": np.arange(3)} if classify else {}
    times = []
    for i in range(calls):
        rows = slice(i * batch, (i + 1) * batch)
        t0 = time.perf_counter()
        model.partial_fit(X[rows], y[rows], **extra)
        times.append(time.perf_counter() - t0)
    timed = times[warmup:]
    out = {"median_ms": 1e3 * statistics.median(timed), "p90_ms": 1e3 * np.quantile(timed, 0.9),
           "first_s": times[0], "total_s": sum(times), "score": model.score(Xt, yt)}
else:
    X, y = onehot(spec["rows"], spec["levels"])
    if spec["dtype"] == "float32":
        X, y = X.astype(np.float32), y.astype(np.float32)
    make = lambda: MLPRegressor(hidden_layer_sizes=tuple(spec["hidden"]), max_iter=spec["epochs"],
                                tol=0.0, n_iter_no_change=10**6, random_state=0)
    small_X, small_y = onehot(300, spec["levels"], seed=1)
    make().fit(small_X.astype(X.dtype), small_y.astype(y.dtype))  # imports, first calls
    tracemalloc.start()
    t0 = time.perf_counter()
    model = make().fit(X, y)
    out["seconds"] = time.perf_counter() - t0
    out["peak_traced_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    make().fit(X, y)  # nnfit: the program for these shapes is compiled now
    out["warm_seconds"] = time.perf_counter() - t0
    out["r2"] = model.score(X, y)
    out["coef_dtype"] = str(model.coefs_[0].dtype)
    out["n_iter"] = model.n_iter_
print(json.dumps(out))
"""


def run(job, lib, spec):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", CHILD, job, lib, json.dumps(spec)],
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{lib} {job} {spec} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def alternate(job, spec, rounds):
    results = {"sklearn": [], "nnfit": []}
    for _ in range(rounds):
        for lib in results:
            results[lib].append(run(job, lib, spec))
    return results


def median(rs, key):
    return statistics.median(r[key] for r in rs)


def stream_section(rounds, quick):
    print("## partial_fit on a stream of mini-batches\n")
    print("| task | solver | network | batch rows | calls (timed) | scikit-learn ms / call "
          "[each round] | nnfit ms / call [each round] | nnfit / scikit-learn | nnfit first call s "
          "| held-out score scikit-learn / nnfit |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    cases = [("regression", "adam", [16], 200, 10), ("regression", "sgd", [16], 200, 10),
             ("classification", "adam", [16], 200, 10),
             ("regression", "adam", [100], 1000, 10), ("regression", "adam", [256, 256], 200, 10)]
    for task, solver, hidden, batch, features in cases[:2] if quick else cases:
        calls, warmup = (30, 5) if quick else (300, 20)
        spec = {"task": task, "solver": solver, "hidden": hidden, "batch": batch,
                "features": features, "calls": calls, "warmup": warmup,
                "lr": 0.01 if solver == "sgd" else 0.001}
        rs = alternate("stream", spec, rounds)
        sk, nn = median(rs["sklearn"], "median_ms"), median(rs["nnfit"], "median_ms")
        each = {k: ", ".join(f"{r['median_ms']:.2f}" for r in v) for k, v in rs.items()}
        scores = " / ".join(f"{median(rs[k], 'score'):.3f}" for k in ("sklearn", "nnfit"))
        print(f"| {task} | {solver} | {tuple(hidden)} | {batch} | {calls} ({calls - warmup}) "
              f"| {sk:.2f} [{each['sklearn']}] | {nn:.2f} [{each['nnfit']}] | {nn / sk:.2f} "
              f"| {median(rs['nnfit'], 'first_s'):.2f} | {scores} |")
    print()


def sparse_section(rounds, quick):
    print("## MLPRegressor on a sparse one-hot design\n")
    print("| design | X dtype | scikit-learn s [each round] | nnfit s [each round] "
          "| nnfit / scikit-learn | nnfit first fit s (compiling) | traced peak MiB scikit-learn / nnfit | nnfit max RSS MiB "
          "| training R² scikit-learn / nnfit | coefs_ dtype |")
    print("|---|---|---:|---:|---:|---:|---|---:|---|---|")
    rows = 5_000 if quick else 100_000
    levels = [10, 50, 200]
    for dtype in ("float64", "float32"):
        spec = {"rows": rows, "levels": levels, "dtype": dtype, "hidden": [16],
                "epochs": 2 if quick else 10}
        rs = alternate("sparse", spec, rounds)
        sk, nn = median(rs["sklearn"], "warm_seconds"), median(rs["nnfit"], "warm_seconds")
        each = {k: ", ".join(f"{r['warm_seconds']:.2f}" for r in v) for k, v in rs.items()}
        peak = " / ".join(f"{median(rs[k], 'peak_traced_mib'):.1f}" for k in ("sklearn", "nnfit"))
        r2 = " / ".join(f"{median(rs[k], 'r2'):.3f}" for k in ("sklearn", "nnfit"))
        dtypes = " / ".join(rs[k][0]["coef_dtype"] for k in ("sklearn", "nnfit"))
        print(f"| {rows:,} x {sum(levels)} CSR, (16,), {spec['epochs']} epochs | {dtype} "
              f"| {sk:.2f} [{each['sklearn']}] | {nn:.2f} [{each['nnfit']}] | {nn / sk:.2f} "
              f"| {median(rs['nnfit'], 'seconds'):.2f} | {peak} | {median(rs['nnfit'], 'max_rss_mib'):.0f} | {r2} | {dtypes} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, one round")
    parser.add_argument("--only", choices=("stream", "sparse"))
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    print(describe("numpy", "sklearn", "jax") + "\n")
    if args.only != "sparse":
        stream_section(rounds, args.quick)
    if args.only != "stream":
        sparse_section(rounds, args.quick)
    print(load_line("end"))


if __name__ == "__main__":
    main()
