"""The same fits in scikit-learn and nnfit's drop-in estimators, as ratios.

    PYTHONPATH=src python benchmarks/bench_estimators.py [--quick] [--out benchmarks/ESTIMATORS.md]

Workloads: ``solver`` adam (mini-batches of 200) and lbfgs (full batch), a small network (16,)
and a wide one (256, 256), regression on 2,000 rows of 10 features, ``max_iter`` epochs with the
stopping rule off (``n_iter_no_change=np.inf``; lbfgs with ``tol=0``) so both libraries do the
same number of iterations where they can (lbfgs' own tests may still stop scikit-learn earlier:
the table gives both iteration counts and the time per iteration).

"nnfit" is a fit whose program is already compiled (a second fit of the same shapes, as in a
grid search or a re-run: compiled programs are cached in the process and on disk); "first" is
the first fit in a fresh process, compilation included, with the disk cache off. 32 members:
scikit-learn trains 32 networks one after another (timed as 32 x the median single fit);
nnfit trains them together (``n_members=32``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np

WORKLOADS = [("adam", (16,)), ("adam", (256, 256)), ("lbfgs", (16,)), ("lbfgs", (256, 256))]


def _data(n=2000, d=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] + 0.1 * rng.normal(size=n)
    return X, y


def _params(solver, hidden, max_iter):
    return dict(hidden_layer_sizes=hidden, solver=solver, max_iter=max_iter,
                n_iter_no_change=np.inf, tol=0.0, random_state=0)


def _time(make, X, y, repeats, warm_up=False):
    """Median seconds of ``repeats`` fits (after one untimed fit with ``warm_up``)."""
    if warm_up:
        make().fit(X, y)
    times, model = [], None
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _first_fit_seconds(solver, hidden, max_iter):
    """A fresh interpreter, disk cache off: the cost of the very first fit, compile included."""
    code = (
        "import time, warnings, numpy as np; warnings.simplefilter('ignore');"
        "import sys; sys.path.insert(0, 'benchmarks'); import bench_estimators as b, nnfit;"
        f"X, y = b._data(); m = nnfit.MLPRegressor(**b._params({solver!r}, {hidden!r}, {max_iter}));"
        "t = time.perf_counter(); m.fit(X, y); print(time.perf_counter() - t)")
    env = dict(os.environ, NNFIT_CACHE_DIR="off")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(max_iter, repeats, sklearn_member_fits):
    import nnfit
    from sklearn.neural_network import MLPRegressor

    X, y = _data()
    rows = []
    for solver, hidden in WORKLOADS:
        kw = _params(solver, hidden, max_iter)
        sk_s, sk = _time(lambda: MLPRegressor(**kw), X, y, repeats)
        first_s = _first_fit_seconds(solver, hidden, max_iter)
        nn_s, nn = _time(lambda: nnfit.MLPRegressor(**kw), X, y, repeats, warm_up=True)
        sk32_s = sk_s * 32 if sklearn_member_fits <= 1 else 32 * _time(
            lambda: MLPRegressor(**kw), X, y, sklearn_member_fits)[0]
        nn32_s, nn32 = _time(lambda: nnfit.MLPRegressor(n_members=32, **kw), X, y, repeats,
                             warm_up=True)
        rows.append(dict(
            solver=solver, hidden=hidden, sk_s=sk_s, sk_iter=sk.n_iter_, first_s=first_s,
            nn_s=nn_s, nn_iter=nn.n_iter_, sk_r2=sk.score(X, y), nn_r2=nn.score(X, y),
            sk32_s=sk32_s, nn32_s=nn32_s, nn32_iter=nn32.n_iter_))
        print(rows[-1], file=sys.stderr)
    return rows


def _machine():
    import jax
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, JAX {jax.__version__} on "
            f"{jax.default_backend()}, scikit-learn {sklearn.__version__}, "
            f"NumPy {np.__version__}")


def table(rows, command):
    lines = [
        "| solver | network | scikit-learn s (iters) | nnfit s (iters) | nnfit first fit s | "
        "speed-up | speed-up per iteration | sklearn x32 s | nnfit x32 s | speed-up x32 | "
        "nnfit 32 members / 1 | R² sklearn / nnfit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_iter = (r["sk_s"] / r["sk_iter"]) / (r["nn_s"] / r["nn_iter"])
        lines.append(
            f"| {r['solver']} | {r['hidden']} | {r['sk_s']:.3f} ({r['sk_iter']}) | "
            f"{r['nn_s']:.3f} ({r['nn_iter']}) | {r['first_s']:.1f} | "
            f"{r['sk_s'] / r['nn_s']:.1f}x | {per_iter:.1f}x | {r['sk32_s']:.1f} | "
            f"{r['nn32_s']:.3f} | {r['sk32_s'] / r['nn32_s']:.0f}x | "
            f"{r['nn32_s'] / r['nn_s']:.2f} | {r['sk_r2']:.3f} / {r['nn_r2']:.3f} |")
    return "\n".join([f"Machine: {_machine()}", "", f"Command: `{command}`", "", *lines])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 iterations, one repeat")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sklearn-member-fits", type=int, default=1,
                        help="single scikit-learn fits timed for the x32 column (default: reuse)")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    max_iter, repeats = (50, 1) if args.quick else (args.max_iter, args.repeats)
    warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter is the point here
    rows = run(max_iter, repeats, args.sklearn_member_fits)
    command = "PYTHONPATH=src python benchmarks/bench_estimators.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    text = table(rows, command.strip())
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write("# nnfit's estimators against scikit-learn's\n\n" + text + "\n")


if __name__ == "__main__":
    main()
