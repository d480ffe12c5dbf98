"""Benchmark nnfit.LinearRegression against scikit-learn's on a sparse one-hot design. Prints
Markdown.

    PYTHONPATH=src python benchmarks/bench_linear_sparse.py             # 1e5 rows, 3 repeats
    PYTHONPATH=src python benchmarks/bench_linear_sparse.py --rows 2000 --repeat 1   # smoke test

The design: one-hot columns (CSR, float64) of categorical variables with the given numbers of
levels, drawn uniformly, beside an intercept (so the centred design is rank-deficient by one per
variable), and ``y`` a random effect per level plus noise. Each fit runs in a fresh Python
process (the libraries alternate, ``--repeat`` rounds): the process builds the data, imports
and warms the library on 100 rows, times one ``fit`` (the first on these data) and the best of
three more (warm), then measures the peak of memory that one more ``fit`` allocates
(``tracemalloc``: NumPy's and SciPy's arrays, not the data that were already there). Ratios are
nnfit / scikit-learn, of the medians over the rounds.
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
import json, sys, time, tracemalloc, warnings
import numpy as np, scipy.sparse as sp
lib, solver, rows, levels = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])

def design(n, seed=0):
    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, k, n) for k in levels]
    blocks = [sp.csr_array((np.ones(n), (np.arange(n), c)), shape=(n, k))
              for c, k in zip(codes, levels)]
    X = sp.hstack(blocks, format="csr")
    y = sum(rng.normal(size=k)[c] for c, k in zip(codes, levels)) + rng.normal(size=n)
    return X, y

if lib == "nnfit":
    from nnfit import LinearRegression
    make = lambda: LinearRegression(solver=solver)
else:
    from sklearn.linear_model import LinearRegression
    make = lambda: LinearRegression()
X, y = design(rows)
make().fit(*design(100, seed=1))  # imports, first calls
t0 = time.perf_counter()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model = make().fit(X, y)
seconds = time.perf_counter() - t0
warm = []
for _ in range(3):
    t0 = time.perf_counter()
    make().fit(X, y)
    warm.append(time.perf_counter() - t0)
tracemalloc.start()
make().fit(X, y)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
pred = model.predict(X)
print(json.dumps({"seconds": seconds, "warm": min(warm), "peak_bytes": peak,
                  "warnings": [str(w.message)[:80] for w in caught],
                  "coef": model.coef_.tolist(), "intercept": float(model.intercept_),
                  "pred_head": pred[:2000].tolist(), "n_iter": getattr(model, "n_iter_", None),
                  "rank": getattr(model, "rank_", None)}))
"""


def run(lib, solver, rows, levels):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", CHILD, lib, solver, str(rows), json.dumps(levels)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import numpy as np

    problems = [[10, 50, 200, 1000], [10, 50, 200]]
    print(describe("numpy", "scipy", "sklearn"))
    print()
    print("| design | fit | first fit (s), median [each round] | time / scikit-learn "
          "| warm fit (s), median | time / scikit-learn "
          "| peak memory (MiB) | memory / scikit-learn | max abs. diff. of coef, of predictions "
          "vs scikit-learn | notes |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|---|")
    for levels in problems:
        fits = [("sklearn", "auto"), ("nnfit", "auto")]
        if args.rows * sum(levels) <= 2**26:  # nnfit densifies up to 512 MiB
            fits.append(("nnfit", "svd"))
        results = {f: [] for f in fits}
        for _ in range(args.repeat):
            for f in fits:
                results[f].append(run(*f, args.rows, levels))
        ref = results[("sklearn", "auto")]
        t_ref = statistics.median(r["seconds"] for r in ref)
        m_ref = statistics.median(r["peak_bytes"] for r in ref)
        w_ref = statistics.median(r["warm"] for r in ref)
        design = (f"{args.rows:,} rows, one-hot of {len(levels)} variables "
                  f"({'+'.join(map(str, levels))} = {sum(levels)} columns), intercept")
        for f in fits:
            rs = results[f]
            t = statistics.median(r["seconds"] for r in rs)
            m = statistics.median(r["peak_bytes"] for r in rs)
            warm = statistics.median(r["warm"] for r in rs)
            coef = np.max(np.abs(np.array(rs[0]["coef"]) - ref[0]["coef"]))
            pred = np.max(np.abs(np.array(rs[0]["pred_head"]) - ref[0]["pred_head"]))
            name = ("scikit-learn `LinearRegression()`" if f[0] == "sklearn" else
                    f"nnfit `LinearRegression({'' if f[1] == 'auto' else repr(f[1])})`")
            notes = []
            if rs[0]["n_iter"] is not None and f[1] == "auto":
                notes.append(f"lsqr, {rs[0]['n_iter']} iterations")
            if rs[0]["rank"] is not None:
                notes.append(f"densified; rank_ = {rs[0]['rank']}")
            if rs[0]["warnings"]:
                notes.append("warned: " + "; ".join(rs[0]["warnings"]))
            each = ", ".join(f"{r['seconds']:.3f}" for r in rs)
            print(f"| {design} | {name} | {t:.3f} [{each}] | {t / t_ref:.2f} "
                  f"| {warm:.3f} | {warm / w_ref:.2f} | {m / 2**20:.1f} | {m / m_ref:.2f} "
                  f"| {coef:.1e}, {pred:.1e} | {'; '.join(notes)} |")
    print()
    print(load_line("end"))


if __name__ == "__main__":
    main()
