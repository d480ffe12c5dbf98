"""Where a warm ``nnfit demo`` spends its time, and what keeping traced programs on disk and
rendering figures in a worker process save.

Each demo is built in a fresh process (``nnfit.demos.<module>.build()`` then the report's
HTML, which waits for its figures), the persistent compilation cache on (``NNFIT_CACHE_DIR``,
default ``~/.cache/nnfit/jax``), in two set-ups, side by side, the order turning round each
round:

- ``before``: every program traced (``nnfit._programs.EXPORT_FOLDER = None``) and every figure
  rendered when it is added (the demos' ``RENDERER`` off);
- ``after``: nnfit as it is: traced programs read back from the cache folder
  (``nnfit._exported``), figures rendered by a background worker (``nnfit.report._background``).

``--demos fit`` times one small fit (a 1-10-10-1 tanh network, 3 members, 50 epochs) in a
new process instead: what a warm ``nnfit fit`` pays before and during training.

Per demo and set-up it prints one JSON line: the wall time of building the report, the time
spent getting compiled programs (``_programs.ProgramCache.compiled``: tracing, or reading back,
plus compiling from the cache) and, in ``before``, rendering PNGs. Run once untimed first (or
let ``--warm`` do it) so that both set-ups find their programs cached::

    python benchmarks/bench_demo_parts.py --warm --repeat 2
    python benchmarks/bench_demo_parts.py --demos seed000,seed003 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_wide import machine, uptime  # noqa: E402

DEMOS = ("seed000", "seed001", "seed002", "seed003", "seed004")

CHILD = r"""
import json, os, sys, time, importlib
from nnfit._programs import cache_from_environment
cache_from_environment()
from nnfit import _programs
import nnfit.demos._common as common
from nnfit.plots import style
setup, name = sys.argv[1], sys.argv[2]
if setup == "before":
    _programs.EXPORT_FOLDER = None
    common.RENDERER = None
spent = {"programs_s": 0.0, "png_s": 0.0}
compiled = _programs.ProgramCache.compiled
def timed_compiled(self, *args, **kwargs):
    t = time.perf_counter()
    try:
        return compiled(self, *args, **kwargs)
    finally:
        spent["programs_s"] += time.perf_counter() - t
_programs.ProgramCache.compiled = timed_compiled
to_png = style.figure_to_png
def timed_png(fig, dpi=None):
    t = time.perf_counter()
    try:
        return to_png(fig, dpi)
    finally:
        spent["png_s"] += time.perf_counter() - t
style.figure_to_png = timed_png
if name == "fit":  # one small fit in a new process: what `nnfit fit` pays before training
    import numpy as np, nnfit
    X = np.random.default_rng(0).random((200, 1))
    t = time.perf_counter()
    nnfit.fit(nnfit.MLP(hidden=(10, 10), activation="tanh"), X, np.sin(3 * X[:, 0]), epochs=50,
              batch_size=32, validation_split=0.2, n_members=3)
else:
    module = importlib.import_module("nnfit.demos." + name)
    t = time.perf_counter()
    report = module.build()
    report.to_html()
print(json.dumps({"setup": setup, "demo": name, "wall_s": round(time.perf_counter() - t, 2),
                  **{k: round(v, 2) for k, v in spent.items()}}))
"""


def run(setup, demo):
    env = dict(os.environ)
    env.setdefault("NNFIT_CACHE_DIR", os.path.expanduser("~/.cache/nnfit/jax"))
    out = subprocess.run([sys.executable, "-c", CHILD, setup, demo], env=env,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{setup} {demo} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demos", default=",".join(DEMOS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--warm", action="store_true", help="one untimed round first")
    args = parser.parse_args(argv)
    demos = args.demos.split(",")
    setups = ["before", "after"]
    if args.warm:
        for setup in setups:
            for demo in demos:
                run(setup, demo)
    before = uptime()
    rows = []
    for r in range(args.repeat):
        for setup in (setups if r % 2 == 0 else setups[::-1]):
            for demo in demos:
                row = run(setup, demo)
                row["round"] = r
                print(json.dumps(row), flush=True)
                rows.append(row)
    summary = {}
    for setup in setups:
        for demo in demos + ["all"]:
            mine = [x for x in rows if x["setup"] == setup and demo in (x["demo"], "all")]
            per_round = [sum(x["wall_s"] for x in mine if x["round"] == r)
                         for r in range(args.repeat)]
            summary[f"{setup} {demo}"] = {"median_wall_s": round(statistics.median(per_round), 1),
                                          "rounds": [round(v, 1) for v in per_round]}
    print(json.dumps({"summary": summary, "machine": machine(), "uptime_before": before,
                      "uptime_after": uptime()}, indent=1))


if __name__ == "__main__":
    main()
