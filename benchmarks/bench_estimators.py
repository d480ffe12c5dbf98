"""The same fits in scikit-learn and nnfit's drop-in estimators, as ratios.

    PYTHONPATH=src python benchmarks/bench_estimators.py [--quick] [--rounds 3] [--out FILE]

Workloads: ``solver`` adam (mini-batches of 200) and lbfgs (full batch), a small network (16,)
and a wide one (256, 256), regression on 200 and 2,000 rows of 10 features (one mini-batch per
epoch, where per-step overhead rules, and ten, where arithmetic starts to), ``max_iter`` epochs with the
stopping rule off (``n_iter_no_change=np.inf``; lbfgs with ``tol=0``) so both libraries do the
same number of iterations where they can (lbfgs' own tests may still stop scikit-learn earlier:
the table gives both iteration counts and the time per iteration).

Each time is the median of ``--repeats`` fits (fewer once a workload has taken a minute),
after two untimed ones; with ``--rounds K`` the libraries' workers alternate K times and the
medians over rounds are reported, with each round's speed-up. Every library runs in its own
fresh process. "nnfit" is a fit whose program is already
compiled (a second fit of the same shapes, as in a grid search or a re-run: compiled programs
are cached in the process and on disk); "first" is the first fit in a fresh process,
compilation included, with the disk cache off. 32 members: scikit-learn trains 32 networks one
after another (timed as 32 x the median single fit); nnfit trains them together
(``n_members=32``).
"""

from __future__ import annotations

import argparse
import json
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


def _time(make, X, y, repeats, warmup=2):
    """Median seconds of ``repeats`` fits, after ``warmup`` untimed ones (a fresh process's
    first fits run slower: allocator and caches warming, for both libraries)."""
    for _ in range(warmup):
        make().fit(X, y)
    times, model = [], None
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
        if sum(times) > 60:  # the slow fits: fewer repeats keep the whole run in minutes
            break
    return float(np.median(times)), model


def _worker(library, n, solver, hidden, max_iter, repeats, members, cache=True):
    """Time one library's fits in a fresh interpreter; return its JSON summary.

    Each library runs alone in its process: JAX's and OpenBLAS' thread pools in one process
    fight over the cores (scikit-learn's wide fits ran ten times slower next to JAX here).
    """
    env = dict(os.environ) if cache else dict(os.environ, NNFIT_CACHE_DIR="off")
    args = [sys.executable, __file__, "--worker", library, str(n), solver,
            ",".join(map(str, hidden)), str(max_iter), str(repeats), str(members)]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _work(library, n, solver, hidden, max_iter, repeats, members):
    """The worker's side: fit and print {first_s, s, n_iter, r2} as JSON."""
    if library == "sklearn":
        from sklearn.neural_network import MLPRegressor
    else:
        from nnfit import MLPRegressor
    X, y = _data(int(n))
    kw = _params(solver, tuple(int(h) for h in hidden.split(",")), int(max_iter))
    if int(members) > 1:
        kw["n_members"] = int(members)
    start = time.perf_counter()
    MLPRegressor(**kw).fit(X, y)
    first_s = time.perf_counter() - start
    seconds, model = _time(lambda: MLPRegressor(**kw), X, y, int(repeats))
    print(json.dumps(dict(first_s=first_s, s=seconds, n_iter=int(model.n_iter_),
                          r2=float(model.score(X, y)))))


def run(max_iter, repeats, sizes, workloads=WORKLOADS, rounds=1):
    """Every workload; with ``rounds`` > 1 the two libraries' workers alternate that many times
    and the medians over rounds are kept: this machine's speed drifts over minutes, and
    alternating puts both libraries in the same stretch of it."""
    rows = []
    for (n, (solver, hidden)) in ((n, w) for n in sizes for w in workloads):
        job = (n, solver, hidden, max_iter, repeats)
        first = _worker("nnfit", *job, 1, cache=False)["first_s"]
        pairs = [(_worker("sklearn", *job, 1), _worker("nnfit", *job, 1)) for _ in range(rounds)]
        sk_s, nn_s = (float(np.median([p[i]["s"] for p in pairs])) for i in (0, 1))
        (sk, nn), nn32 = pairs[-1], _worker("nnfit", *job, 32)
        rows.append(dict(
            rows=n, solver=solver, hidden=hidden, sk_s=sk_s, sk_iter=sk["n_iter"],
            first_s=first, nn_s=nn_s, nn_iter=nn["n_iter"], sk_r2=sk["r2"], nn_r2=nn["r2"],
            sk32_s=32 * sk_s, nn32_s=nn32["s"], nn32_iter=nn32["n_iter"],
            round_ratios=[p[0]["s"] / p[1]["s"] for p in pairs]))
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
        "| rows | solver | network | scikit-learn s (iters) | nnfit s (iters) | nnfit first fit s | "
        "speed-up | speed-up per iteration | sklearn x32 s | nnfit x32 s | speed-up x32 | "
        "nnfit 32 members / 1 | R² sklearn / nnfit | speed-up each round |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_iter = (r["sk_s"] / r["sk_iter"]) / (r["nn_s"] / r["nn_iter"])
        lines.append(
            f"| {r['rows']} | {r['solver']} | {r['hidden']} | {r['sk_s']:.3f} ({r['sk_iter']}) | "
            f"{r['nn_s']:.3f} ({r['nn_iter']}) | {r['first_s']:.1f} | "
            f"{r['sk_s'] / r['nn_s']:.1f}x | {per_iter:.1f}x | {r['sk32_s']:.1f} | "
            f"{r['nn32_s']:.3f} | {r['sk32_s'] / r['nn32_s']:.0f}x | "
            f"{r['nn32_s'] / r['nn_s']:.2f} | {r['sk_r2']:.3f} / {r['nn_r2']:.3f} | "
            + ", ".join(f"{x:.1f}x" for x in r["round_ratios"]) + " |")
    return "\n".join([f"Machine: {_machine()}", "", f"Command: `{command}`", "", *lines])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        warnings.simplefilter("ignore")
        return _work(*argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 iterations, one repeat")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", default="200,2000", help="data sizes, comma-separated")
    parser.add_argument("--networks", choices=("all", "small", "wide"), default="all")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the libraries' workers this many times (medians kept)")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    max_iter, repeats = (50, 1) if args.quick else (args.max_iter, args.repeats)
    warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter is the point here
    sizes = [int(v) for v in args.rows.split(",")]
    workloads = [w for w in WORKLOADS if args.networks == "all"
                 or (args.networks == "small") == (len(w[1]) == 1)]
    rows = run(max_iter, repeats, sizes, workloads, args.rounds)
    command = "PYTHONPATH=src python benchmarks/bench_estimators.py " + " ".join(argv)
    text = table(rows, command.strip())
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write("# nnfit's estimators against scikit-learn's\n\n" + text + "\n")


if __name__ == "__main__":
    main()
