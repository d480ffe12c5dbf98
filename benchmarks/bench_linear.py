"""Benchmark nnfit.linear: the exact solvers against scikit-learn and numpy.linalg.lstsq on tall
problems, and the gradient solvers' time per epoch. Prints Markdown. (NIST's StRD problems,
correct digits and what refinement costs: bench_strd.py.)

    PYTHONPATH=src python benchmarks/bench_linear.py            # the full run
    PYTHONPATH=src python benchmarks/bench_linear.py --quick    # small shapes, a smoke test
    PYTHONPATH=src python benchmarks/bench_linear.py --threads 1 --repeat 5   # one BLAS thread

Every timing is the best of ``--repeat`` runs (default 3) in this one process; the exact
solvers run round-robin. Ratios are (time / nnfit svd time), so above 1 means nnfit's default
solver is faster.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression as SkLinearRegression

from nnfit import linear


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def problem(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + 1.0 + rng.normal(size=n)
    return X, y


def machine():
    lines = [f"- {platform.platform()}, Python {platform.python_version()}, "
             f"{os.cpu_count()} logical CPUs ({platform.processor() or platform.machine()})",
             f"- numpy {np.__version__}"]
    if hasattr(os, "getloadavg"):  # other work on the machine inflates the timings
        lines.append("- load average at start (1, 5, 15 min): "
                     + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                lines.append(f"- BLAS: {info['internal_api']} {info.get('version')} "
                             f"({info.get('architecture')}, {info['num_threads']} threads, "
                             f"{os.path.basename(info['filepath'])})")
    except ImportError:
        lines.append("- BLAS: threadpoolctl not installed")
    return "\n".join(lines)


def bench_exact(shapes, repeat):
    """Methods run round-robin, ``repeat`` rounds, so a burst of other load on the machine hits
    them all alike; each keeps its best time."""
    rows = ["| problem | method | best time (s) | time / nnfit svd "
            "| max rel. diff. of coef vs scikit-learn |",
            "|---|---|---:|---:|---:|"]
    for n, d in shapes:
        X, y = problem(n, d)

        def sklearn_fit():
            model = SkLinearRegression().fit(X, y)
            return np.r_[model.intercept_, model.coef_]

        def lstsq():
            Xb = np.column_stack([np.ones(n), X])  # the column of ones is part of the cost
            return np.linalg.lstsq(Xb, y, rcond=None)[0]

        def nnfit_solve(solver, refine=True):
            sol = linear.solve(X, y, solver=solver, refine=refine)
            return np.r_[sol.intercept, sol.coef]

        methods = {f"nnfit `{s}`": (lambda s=s: nnfit_solve(s)) for s in linear.EXACT_SOLVERS}
        methods["nnfit `svd`, refine=False"] = lambda: nnfit_solve("svd", refine=False)
        methods["scikit-learn `LinearRegression`"] = sklearn_fit
        methods["`numpy.linalg.lstsq` on [1, X]"] = lstsq
        best, theta = {name: np.inf for name in methods}, {}
        for _ in range(repeat):
            for name, fn in methods.items():
                t, theta[name] = best_of(fn, 1)
                best[name] = min(best[name], t)
        ref = theta["scikit-learn `LinearRegression`"]
        base = best["nnfit `svd`"]
        for name in methods:
            diff = np.max(np.abs(theta[name] - ref)) / np.max(np.abs(ref))
            rows.append(f"| {n:.0e} x {d} | {name} | {best[name]:.3f} | {best[name] / base:.2f} "
                        f"| {diff:.1e} |")
    return "\n".join(rows)


def bench_gradient(n, d, epochs, repeat):
    """Per-epoch time from the difference of runs of e and 2e epochs (setup cancels out)."""
    X, y = problem(n, d)
    rows = [f"Problem {n:.0e} x {d}, loss MSE, `learning_rate='auto'`, `tol=None`, path recorded.",
            "",
            "| solver | updates / epoch | time / epoch (s) | time / update (µs) | setup (s) |",
            "|---|---:|---:|---:|---:|"]
    for solver, bs in (("gd", n), ("minibatch", 32), ("sgd", 1)):
        e = epochs[solver]

        def run(k):
            return linear.gradient_descent(X, y, solver, max_iter=k, batch_size=bs, tol=None,
                                           seed=0)

        t1, _ = best_of(lambda: run(e), repeat)
        t2, _ = best_of(lambda: run(2 * e), repeat)
        per_epoch = max(t2 - t1, 0.0) / e
        updates = -(-n // bs)
        rows.append(f"| `{solver}`{'' if solver != 'minibatch' else ' (batch 32)'} | {updates} | "
                    f"{per_epoch:.4f} | {1e6 * per_epoch / updates:.2f} | "
                    f"{max(t1 - e * per_epoch, 0.0):.3f} |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes: a smoke test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl), e.g. 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.quick:
        shapes, gd_shape = [(10_000, 10), (2_000, 50)], (2_000, 10)
        epochs = {"gd": 20, "minibatch": 2, "sgd": 1}
    else:
        shapes, gd_shape = [(1_000_000, 10), (100_000, 100)], (100_000, 10)
        epochs = {"gd": 20, "minibatch": 3, "sgd": 1}
    print("## Machine\n\n" + machine() + "\n")
    print(f"## Exact solvers (best of {args.repeat})\n\n" + bench_exact(shapes, args.repeat) + "\n")
    print("## Gradient solvers, time per epoch (best of %d)\n\n" % args.repeat
          + bench_gradient(*gd_shape, epochs, args.repeat))


if __name__ == "__main__":
    main()
