"""Seed 004's capacity study in nnfit against Keras: the same networks, epochs and batches.

    PYTHONPATH=src python benchmarks/bench_sweep.py --scale small \\
        --keras-python /work/bench-venv/bin/python

The driver (any Python with nnfit) writes the workload (data and the study's configurations)
to a folder, runs

- nnfit's ``seed004_study`` twice in fresh processes: *cold* (an empty JAX compilation cache,
  so every program compiles) and *warm* (the cache the cold run filled);
- ``keras_seed004.py`` under ``--keras-python``: every model and seed built, compiled and fitted
  one after another as the seed notebook does (Adam 0.01, batches of 32, ``RandomNormal(0.05)``
  weights and biases, the same L1/L2 kernel penalties, per-epoch validation for regression,
  validation at the end for the classifiers, exactly as nnfit's study);

and prints the wall times per network shape, their ratios and the machine as Markdown. Times
are whole-process work a user waits for (building, compiling, training, scoring), not imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def export(scale, folder, prefixes=None):
    """Write data (npz) and configurations (JSON) of the study for the Keras side."""
    import numpy as np

    import nnfit
    from nnfit.sweep import studies

    reg, clf = studies.seed004_configs(scale)
    s = studies.SCALES[scale]
    out = {"base": studies.BASE, "parts": []}
    for kind, spec, data in (("regression", reg, nnfit.load_dataset("capacity", n_val=s["n_val"])),
                             ("classification", clf, nnfit.load_dataset(
                                 "capacity_classification", n_val=s["clf_n_val"]))):
        path = os.path.join(folder, f"{kind}.npz")
        np.savez(path, X=data.X, y=data.y, X_val=data.X_val, y_val=data.y_val)
        models = [{"name": name, "hidden": list(e["hidden"]), "epochs": e["epochs"],
                   "seeds": list(e["seed"]), "l1": e.get("l1", 0.0), "l2": e.get("l2", 0.0),
                   "output": e.get("output", "linear")} for name, e in spec
                  if not prefixes or name.startswith(tuple(prefixes.split(",")))]
        out["parts"].append({"kind": kind, "data": path, "models": models,
                             "validate_every_epoch": kind == "regression"})
    path = os.path.join(folder, "workload.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    return path


def nnfit_side(scale):
    """Run the study in this process; print one JSON line of times and metrics per model."""
    import nnfit

    start = time.perf_counter()
    study = nnfit.sweep.seed004_study(scale)
    total = time.perf_counter() - start
    models = {}
    for result in (study.regression, study.classification):
        for _, row in result.table.iterrows():
            name = study.names[row.config_id]
            m = models.setdefault(name, {"group": row.group_id, "group_s": row.group_time_s,
                                         "hidden": list(row.hidden), "runs": 0, "metrics": {}})
            m["runs"] += 1
            for key in ("train_mse", "val_mse", "val_accuracy"):
                if key in row:
                    m["metrics"].setdefault(key, []).append(float(row[key]))
    print(json.dumps({"total_s": total, "seconds": study.seconds, "models": models,
                      "jax": __import__("jax").__version__, "nnfit": nnfit.__version__}))


def _run(cmd, env=None):
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{cmd[1]} failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--keras-python", default="/work/bench-venv/bin/python")
    parser.add_argument("--skip-keras", action="store_true")
    parser.add_argument("--keras-models", metavar="PREFIXES",
                        help="fit only the models whose names start with one of these "
                             "comma-separated prefixes in Keras (e.g. model_somany,clf); the "
                             "table then compares those network shapes only")
    parser.add_argument("--json", metavar="PATH", help="also write the raw results here")
    parser.add_argument("--side", choices=["nnfit"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side == "nnfit":
        return nnfit_side(args.scale)

    work = tempfile.mkdtemp(prefix="nnfit-bench-sweep-")
    workload = export(args.scale, work, args.keras_models)
    env = dict(os.environ, NNFIT_CACHE_DIR=os.path.join(work, "jax-cache"))
    me = [sys.executable, os.path.abspath(__file__), "--side", "nnfit", "--scale", args.scale]
    cold = _run(me, env)
    warm = _run(me, env)
    keras = None if args.skip_keras else _run(
        [args.keras_python, os.path.join(HERE, "keras_seed004.py"), workload])
    results = {"scale": args.scale, "machine": machine(), "cold": cold, "warm": warm,
               "keras_models": args.keras_models,
               "keras": keras, "command": " ".join(["python", *sys.argv])}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(markdown(results))


def markdown(r):
    """Per network shape: the runs, nnfit cold and warm, Keras, and Keras / nnfit."""
    cold, warm, keras = r["cold"]["models"], r["warm"]["models"], (r["keras"] or {}).get("models")
    groups = {}
    for name, m in cold.items():
        g = groups.setdefault(m["group"], {"names": [], "runs": 0, "hidden": m["hidden"]})
        g["names"].append(name)
        g["runs"] += m["runs"]
    lines = [f"Machine: {r['machine']}; nnfit {r['cold']['nnfit']} (jax {r['cold']['jax']})"
             + (f", Keras {r['keras']['keras']} (TensorFlow {r['keras']['tensorflow']})"
                if keras else ""), "",
             "| network (models) | runs | nnfit cold s | nnfit warm s | Keras s | Keras / nnfit "
             "cold | Keras / nnfit warm |", "|---|---|---|---|---|---|---|"]
    tot = {"cold": 0.0, "warm": 0.0, "keras": 0.0}
    for gid, g in groups.items():
        if keras and not all(n in keras for n in g["names"]):
            continue  # not fitted in Keras (--keras-models)
        c = cold[g["names"][0]]["group_s"]
        w = warm[g["names"][0]]["group_s"]
        k = sum(keras[n]["seconds"] for n in g["names"]) if keras else float("nan")
        tot["cold"] += c
        tot["warm"] += w
        tot["keras"] += k
        h = g["hidden"]
        shape = f"{len(h)} x {h[0]}" if len(set(h)) == 1 else "-".join(map(str, h))
        lines.append(f"| {shape} ({', '.join(g['names'])}) | {g['runs']} | {c:.1f} | {w:.1f} | "
                     f"{k:.1f} | {k / c:.1f} | {k / w:.1f} |")
    ran = [g for g in groups.values() if not keras or all(n in keras for n in g["names"])]
    lines.append(f"| **all compared** | {sum(g['runs'] for g in ran)} | "
                 f"{tot['cold']:.1f} | {tot['warm']:.1f} | {tot['keras']:.1f} | "
                 f"**{tot['keras'] / tot['cold']:.1f}** | **{tot['keras'] / tot['warm']:.1f}** |")
    lines += ["", f"Whole study call (with scoring, saving nothing): nnfit cold "
                  f"{r['cold']['total_s']:.1f} s, warm {r['warm']['total_s']:.1f} s"
              + (f"; Keras {r['keras']['total_s']:.1f} s" if keras else "")
              + (f" (Keras fitted only {r['keras_models']})." if r.get("keras_models") else "."),
              ""]
    lines += ["| model | nnfit train_mse | Keras train_mse | nnfit val_mse | Keras val_mse |",
              "|---|---|---|---|---|"]
    mean = lambda v: sum(v) / len(v) if v else float("nan")  # noqa: E731
    for name, m in cold.items():
        nm, km = m["metrics"], (keras[name]["metrics"] if keras and name in keras else {})
        if "val_accuracy" in nm:
            lines.append(f"| {name} (val accuracy) | | | {mean(nm['val_accuracy']):.4f} | "
                         f"{mean(km.get('val_accuracy', [])):.4f} |")
        else:
            lines.append(f"| {name} | {mean(nm['train_mse']):.4f} | "
                         f"{mean(km.get('train_mse', [])):.4f} | {mean(nm['val_mse']):.4f} | "
                         f"{mean(km.get('val_mse', [])):.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
