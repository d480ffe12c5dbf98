"""NIST's StRD linear least-squares problems: correct digits per method, and what refinement
costs. Prints Markdown.

    PYTHONPATH=src python benchmarks/bench_strd.py                       # the full run
    PYTHONPATH=src python benchmarks/bench_strd.py --quick               # smaller timing problems
    PYTHONPATH=src python benchmarks/bench_strd.py --threads 1 --repeat 7

Digits are NIST's LRE, -log10(|b - b_cert| / |b_cert|) capped at 15, for the worst coefficient
(intercept included). The "float64 data" columns are the exact (rational) least-squares answer
of the data as float64 holds them: no float64 method should be asked for more. Timings are the
best of ``--repeat`` rounds, the methods run round-robin in this one process.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys
import time
import warnings
from fractions import Fraction

import numpy as np
from numpy.polynomial import polynomial as P
from sklearn.linear_model import LinearRegression as SkLinearRegression

from nnfit import LinearRegression, _lstsq, linear

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_linear import machine  # noqa: E402


def nist():
    path = pathlib.Path(__file__).resolve().parents[1] / "tests" / "_nist_strd.py"
    spec = importlib.util.spec_from_file_location("_nist_strd", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def theta(model, fit_intercept):
    if isinstance(model, linear.LinearSolution):
        return np.r_[model.intercept, model.coef] if fit_intercept else model.coef
    return np.r_[model.intercept_, model.coef_] if fit_intercept else model.coef_


def equilibrated_cond(p):
    Xc = p.X - p.X.mean(axis=0) if p.fit_intercept else p.X
    return np.linalg.cond(Xc / np.linalg.norm(Xc, axis=0)), np.linalg.cond(Xc)


def digit_tables(strd):
    def lre(t, p):
        return f"{strd.log_relative_error(t, p.certified).min():.1f}"

    design = ["| problem | cond(X) | cond, equilibrated | float64 data | **nnfit "
              "`LinearRegression()`** | nnfit, `refine=False` | scikit-learn | scikit-learn "
              "`tol=0` | `numpy.linalg.lstsq` |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    paths = ["| problem | default | longdouble | double-double |", "|---|---|---:|---:|"]
    poly = ["| problem | degree | float64 data | **nnfit `polyfit`** | `numpy.polyfit` | "
            "`Polynomial.fit(...).convert()` | `numpy.polynomial.polynomial.polyfit` |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for p in strd.strd().values():
        fi = p.fit_intercept
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = LinearRegression(fit_intercept=fi).fit(p.X, p.y)
            plain = linear.solve(p.X, p.y, fit_intercept=fi, refine=False)
            sk = SkLinearRegression(fit_intercept=fi).fit(p.X, p.y)
            sk0 = SkLinearRegression(fit_intercept=fi, tol=0.0).fit(p.X, p.y)
            lstsq = np.linalg.lstsq(strd.design(p), p.y, rcond=None)[0]
        cond_e, cond = equilibrated_cond(p)
        limit = strd.exact_lstsq(strd.design(p), p.y)
        design.append(f"| {p.name} | {cond:.1e} | {cond_e:.1e} | {lre(limit, p)} | "
                      f"**{lre(theta(ours, fi), p)}** | {lre(theta(plain, fi), p)} | "
                      f"{lre(theta(sk, fi), p)} | {lre(theta(sk0, fi), p)} | {lre(lstsq, p)} |")
        kappa = cond_e  # close to the solver's own (it scales by powers of two)
        cells = []
        for acc in ("longdouble", "double-double"):
            if acc == "longdouble" and not _lstsq.HAS_EXTENDED:
                cells.append("n/a")
                continue
            original = _lstsq.accumulation
            _lstsq.accumulation = lambda k, a=acc: a
            try:
                cells.append(lre(theta(linear.solve(p.X, p.y, fit_intercept=fi), fi), p))
            finally:
                _lstsq.accumulation = original
        paths.append(f"| {p.name} | {_lstsq.accumulation(kappa)} | {cells[0]} | {cells[1]} |")
        if p.degree is None or not fi:
            continue
        exact = strd.exact_lstsq(np.array([[Fraction(v) ** k for k in range(p.degree + 1)]
                                           for v in p.x], dtype=object), p.y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cells = [linear.polyfit(p.x, p.y, p.degree), np.polyfit(p.x, p.y, p.degree)[::-1],
                     P.Polynomial.fit(p.x, p.y, p.degree).convert().coef,
                     P.polyfit(p.x, p.y, p.degree)]
        poly.append(f"| {p.name} | {p.degree} | {lre(exact, p)} | **{lre(cells[0], p)}** | "
                    + " | ".join(lre(c, p) for c in cells[1:]) + " |")
    return "\n".join(design), "\n".join(paths), "\n".join(poly)


def timing(shapes, repeat):
    """Round-robin: every method once per round, ``repeat`` rounds, best time kept. For the
    refined solves the time spent inside the refinement is also measured, in the same call, so
    its cost relative to the rest of that call does not depend on load between calls."""
    rows = ["| problem | method | best time (s) | time / plain solve | refinement steps | "
            "refinement / rest of the same call |", "|---|---|---:|---:|---:|---:|"]
    original_refine, original_accumulation = _lstsq.refine, _lstsq.accumulation
    inside = {}

    def timed_refine(*args, **kw):
        t0 = time.perf_counter()
        out = original_refine(*args, **kw)
        inside["t"], inside["steps"] = time.perf_counter() - t0, out[2]
        return out

    for label, n, d, kind in shapes:
        rng = np.random.default_rng(0)
        if kind == "random":  # well conditioned
            X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
        else:  # powers of one variable on [1, 2]: cond(equilibrated) far above 64
            X = rng.uniform(1.0, 2.0, size=n)[:, None] ** np.arange(1, d + 1)
        y = X @ rng.normal(size=d) + 1.0 + rng.normal(size=n)

        def forced(acc):
            def run():
                _lstsq.accumulation = lambda k: acc
                try:
                    return linear.solve(X, y)
                finally:
                    _lstsq.accumulation = original_accumulation
            return run

        methods = {"nnfit `solve`, `refine=False` (plain)": lambda: linear.solve(X, y,
                                                                                  refine=False),
                   "**nnfit `solve` (default: refined)**": lambda: linear.solve(X, y)}
        if _lstsq.HAS_EXTENDED:
            methods["nnfit `solve`, forced longdouble"] = forced("longdouble")
        methods["nnfit `solve`, forced double-double"] = forced("double-double")
        methods["scikit-learn `LinearRegression().fit`"] = lambda: SkLinearRegression().fit(X, y)
        best = dict.fromkeys(methods, np.inf)
        share, steps = {}, {}
        _lstsq.refine = timed_refine
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(repeat):
                    for name, fn in methods.items():
                        inside.clear()
                        t0 = time.perf_counter()
                        fn()
                        t = time.perf_counter() - t0
                        if t < best[name]:
                            best[name] = t
                            if "t" in inside:
                                share[name] = inside["t"] / (t - inside["t"])
                                steps[name] = inside["steps"]
        finally:
            _lstsq.refine = original_refine
        base = best["nnfit `solve`, `refine=False` (plain)"]
        for name in methods:
            rows.append(f"| {label} | {name} | {best[name]:.3f} | {best[name] / base:.2f} | "
                        f"{steps.get(name, '-')} | "
                        + (f"{share[name]:.2f}" if name in share else "-") + " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller timing problems")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl), e.g. 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    n = 10_000 if args.quick else 100_000
    shapes = [(f"{n:.0e} x 50, random (well conditioned)", n, 50, "random"),
              (f"{n:.0e} x 8, powers of x on [1, 2] (ill conditioned)", n, 8, "powers")]
    import scipy
    import sklearn

    info = np.finfo(np.longdouble)
    print("## Machine\n\n" + machine() + f"\n- scipy {scipy.__version__}, scikit-learn "
          f"{sklearn.__version__}\n- longdouble: {info.nmant + 1}-bit significand, eps "
          f"{info.eps:.3g} ({'wider than float64' if _lstsq.HAS_EXTENDED else 'float64'})\n")
    design, paths, poly = digit_tables(nist())
    print("## Correct digits, the design matrix given as it is\n\n" + design + "\n")
    print("## Correct digits, one polynomial in x\n\n" + poly + "\n")
    print("## Correct digits by accumulation (nnfit `solve`, svd)\n\n" + paths + "\n")
    print(f"## Time of refinement (best of {args.repeat})\n\n" + timing(shapes, args.repeat))


if __name__ == "__main__":
    main()
