"""Seed 002's least squares, 8 starts x 1000 evaluations: nnfit against scipy. Prints Markdown.

    PYTHONPATH=src python benchmarks/bench_least_squares.py              # 5 rounds
    PYTHONPATH=src python benchmarks/bench_least_squares.py --repeat 1 --evaluations 100  # smoke

The problem: ``y = x^(1/3)`` on 50 points of [0, 1], the 1-3-1 tanh network (10 parameters),
starts drawn as ``nnfit.fit(..., seed=s)`` draws them (N(0, 0.1^2), seeds 0..7), float64, the
cost ``0.5 * sum((f(x) - y) ** 2)``, at most ``--evaluations`` residual evaluations per start
(scipy's ``max_nfev``). In one process, round-robin over ``--repeat`` rounds:

- ``nnfit lm``: ``nnfit.fit(..., optimizer="lm", n_members=8)``: optimistix's
  Levenberg-Marquardt, every start at once in one compiled program (``nnfit._lm``);
- ``optimistix alone``: ``jax.vmap`` of ``optimistix.least_squares`` with the same solver on the
  same residuals, no history, no stopping test: the floor under nnfit's loop;
- ``nnfit trf``: ``nnfit.fit(..., optimizer="trf", n_members=8)``: scipy's trust-region method
  with the exact JAX Jacobian, start after start;
- ``scipy lm`` and ``scipy trf``: ``scipy.optimize.least_squares`` on a NumPy residual with
  its default finite-difference Jacobian, start after start (what a user writes without JAX).

Times are the wall clock of the whole call (for nnfit: the ``nnfit.fit`` call, data checks and
history included) after a first call that compiles, shown apart. ``calls`` counts the residual
function's calls (a finite-difference Jacobian costs 10 of them). Ratios are of medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from _machine import describe, load_line  # noqa: E402

X = np.linspace(0.0, 1.0, 50)[:, None]
Y = X[:, 0] ** (1.0 / 3.0)
GOOD_MSE = 1e-6  # a start that found the seed's fit (~5.5e-7)


def model():
    import nnfit

    return nnfit.MLP(hidden=(3,), activation="tanh", init="normal", bias_init="normal",
                     init_scale=0.1)


def starts(n):
    """nnfit.fit's starts for seeds 0..n-1, flat float64 vectors (W0, b0, W1, b1)."""
    import jax

    from nnfit.mlp import flatten_params

    with jax.enable_x64(True):
        net = model().build(1, 1)
        return np.stack([np.asarray(flatten_params(net.init(jax.random.key(s), np.float64)))
                         for s in range(n)])


def numpy_residual(p, calls):
    calls[0] += 1
    return p[9] + np.tanh(X * p[0:3] + p[3:6]) @ p[6:9] - Y


def run_nnfit(method, n, evaluations):
    import nnfit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the budget is the workload
        t0 = time.perf_counter()
        fit = nnfit.fit(model(), X, Y, optimizer=method, epochs=evaluations, n_members=n,
                        seed=0, dtype="float64", loss="sse")
        seconds = time.perf_counter() - t0
    mse = [2 * info["cost"] / len(X) for info in fit.solver_info]
    return {"seconds": seconds, "mse": mse, "calls": sum(i["nfev"] for i in fit.solver_info),
            "compile_s": fit.timings.get("compile_s", 0.0)}


def optimistix_alone(n, evaluations):
    """A runner of the vmapped ``optimistix.least_squares`` call; its first call compiles."""
    import jax
    import jax.numpy as jnp
    import optimistix as optx

    from nnfit import _lm

    compiled = {}

    def run():
        with jax.enable_x64(True):
            t0 = time.perf_counter()
            if not compiled:
                Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

                def residual(p, args):
                    return p[9] + jnp.tanh(Xj * p[0:3] + p[3:6]) @ p[6:9] - Yj

                solver = _lm._solver(None)  # nnfit's: optimistix's LM, MINPACK's thresholds
                compiled["solve"] = jax.jit(jax.vmap(lambda y0: optx.least_squares(
                    residual, solver, y0, max_steps=evaluations, throw=False).value))
                compiled["y0"] = jnp.asarray(starts(n))
                jax.block_until_ready(compiled["solve"](compiled["y0"]))
                compile_s = time.perf_counter() - t0
            else:
                compile_s = 0.0
            values = np.asarray(jax.block_until_ready(compiled["solve"](compiled["y0"])))
            seconds = time.perf_counter() - t0
        mse = [float(np.mean(numpy_residual(v, [0]) ** 2)) for v in values]
        return {"seconds": seconds, "mse": mse, "calls": n * evaluations, "compile_s": compile_s}

    return run


def run_scipy(method, n, evaluations):
    from scipy.optimize import least_squares

    calls, mse = [0], []
    t0 = time.perf_counter()
    for start in starts(n):
        result = least_squares(numpy_residual, start, args=(calls,), method=method,
                               max_nfev=evaluations)
        mse.append(2 * result.cost / len(X))
    return {"seconds": time.perf_counter() - t0, "mse": mse, "calls": calls[0], "compile_s": 0.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--starts", type=int, default=8)
    parser.add_argument("--evaluations", type=int, default=1000)
    args = parser.parse_args()
    n, ev = args.starts, args.evaluations
    starts(n)  # imports and JAX's first calls, outside every timing
    runners = {
        "nnfit lm (optimistix, compiled, vmapped)": lambda: run_nnfit("lm", n, ev),
        "optimistix alone (same solver, no history)": optimistix_alone(n, ev),
        "nnfit trf (scipy, exact JAX Jacobian)": lambda: run_nnfit("trf", n, ev),
        "scipy lm (numeric Jacobian)": lambda: run_scipy("lm", n, ev),
        "scipy trf (numeric Jacobian)": lambda: run_scipy("trf", n, ev),
    }
    uptime_start = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    first = {name: run() for name, run in runners.items()}  # compiles; not timed below
    rounds = {name: [] for name in runners}
    for _ in range(args.repeat):
        for name, run in runners.items():
            rounds[name].append(run())
    uptime_end = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    print(f"# Seed 002 least squares: {n} starts x {ev} evaluations\n")
    print(describe("numpy", "scipy", "jax", "optimistix"))
    print(f"- {load_line('end')}")
    print(f"- `uptime` at start: {uptime_start}")
    print(f"- `uptime` at end: {uptime_end}")
    print(f"- command: `python benchmarks/bench_least_squares.py --repeat {args.repeat} "
          f"--starts {n} --evaluations {ev}`\n")
    base = statistics.median(r["seconds"] for r in rounds["scipy lm (numeric Jacobian)"])
    print("| solver | median s | min-max s | scipy lm / this | first call s (compile) | "
          "calls | median MSE | good starts (MSE < 1e-6) | MSE of the good starts |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, runs in rounds.items():
        times = [r["seconds"] for r in runs]
        med = statistics.median(times)
        mse = np.array(runs[-1]["mse"])
        good = mse[mse < GOOD_MSE]
        span = f"{good.min():.3g}-{good.max():.3g}" if good.size else "-"
        compile_s = first[name]["compile_s"]
        print(f"| {name} | {med:.3f} | {min(times):.3f}-{max(times):.3f} | {base / med:.1f}x | "
              f"{first[name]['seconds']:.2f}" + (f" ({compile_s:.2f})" if compile_s else "")
              + f" | {runs[-1]['calls']} | {np.median(mse):.3g} | {good.size}/{len(mse)} | "
              f"{span} |")


if __name__ == "__main__":
    main()
