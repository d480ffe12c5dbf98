"""Wide networks and ensembles: nnfit, a bare JAX loop and PyTorch side by side, in one process.

W2 (issue 15): seed 004's 5 x 1024 relu network (Keras' RandomNormal(0.05) weights and biases,
no input normalisation, 4,201,473 parameters) on its 50 training points (1 input, 1 output),
mini-batches of 32 reshuffled every epoch, Adam 0.001, MSE, 100 epochs: two steps an epoch, a
batch of 32 rows and one of 18, 200 steps in all. Three peers run the same steps:

- ``nnfit``: ``nnfit.fit(MLP(...), X, y, optimizer="adam", learning_rate=0.001, epochs=100,
  batch_size=32)``, the wall clock of the whole call (validation of the inputs, planning, the
  compiled program, the Fit), after one untimed call that compiled the program;
- ``jax``: what an experienced JAX user writes: ``jax.jit`` over ``lax.scan`` over epochs, each
  epoch the two steps on a host-drawn permutation (``optax.adam``, a list of (W, b)), compiled
  apart, timed from the call to ``block_until_ready``;
- ``torch``: the plain PyTorch loop (``randperm`` index batches, ``nn.Sequential``, ``Adam``),
  torch's default threads, timed from the first step to the last.

``--members 4`` is the seed 004 demo's penalty variants of the same network (unpenalised, L2
0.01, L2 0.001, L1 0.001, Keras' penalty: ``l * sum W**2`` or ``l * sum |W|`` over the
weights, added to the batch's mean loss): one nnfit fit with ``n_members=4`` against four bare
JAX runs and four PyTorch fits. ``--ensembles`` times seed 000's two-relu network
(``workload.py``) with 1 and with 100 members in nnfit and reports the ratio.

Each round runs every peer once, the order turning round from round to round; compile times are
reported apart. Printed: one JSON line per timed run (with the share of the machine that *other*
processes used meanwhile, from /proc/stat), then a summary of medians, [min-max] and ratios, the
machine and ``uptime`` before and after. The nnfit under test is ``$NNFIT_SRC`` (default: this
checkout's ``src/``)::

    python benchmarks/bench_wide.py --repeat 5                 # W2, one member
    python benchmarks/bench_wide.py --members 4 --repeat 3     # the four penalty variants
    python benchmarks/bench_wide.py --ensembles --repeat 5     # 100 members / 1 member
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("NNFIT_SRC", str(Path(__file__).resolve().parents[1] / "src")))

import numpy as np  # noqa: E402
from _machine import busy_cpu_s  # noqa: E402

HIDDEN = (1024,) * 5
EPOCHS = 100
BATCH = 32
RATE = 0.001
SCALE = 0.05  # Keras' RandomNormal(stddev=0.05), weights and biases, as seed 004
VARIANTS = ((0.0, 0.0), (0.0, 0.01), (0.0, 0.001), (0.001, 0.0))  # (l1, l2) of each member


def own_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(run):
    """``run()``'s wall clock and the share of the machine other processes used meanwhile."""
    busy, own, start = busy_cpu_s(), own_cpu_s(), time.perf_counter()
    out = run()
    wall = time.perf_counter() - start
    others = None
    if busy is not None:
        used = busy_cpu_s() - busy - (own_cpu_s() - own)
        others = round(min(1.0, max(0.0, used) / (wall * (os.cpu_count() or 1))), 3)
    return wall, others, out


def orders(seed, n, epochs):
    """Each epoch's row order, drawn on the host: (epochs, n) int32."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int32)


# ------------------------------------------------------------------------------------ peers

def nnfit_peer(X, y, members, epochs):
    import nnfit

    model = nnfit.MLP(hidden=HIDDEN, activation="relu", init="normal", bias_init="normal",
                      init_scale=SCALE)
    options = dict(optimizer="adam", learning_rate=RATE, epochs=epochs, batch_size=BATCH, seed=0)
    if members > 1:
        options.update(n_members=members, l1=[[v[0]] for v in VARIANTS[:members]],
                       l2=[[v[1]] for v in VARIANTS[:members]])

    def run():
        fit = nnfit.fit(model, X, y, **options)
        return fit, [float(v) for v in fit.histories.groupby("member")["loss"].last()]
    return run


def jax_peer(X, y, members, epochs):
    """The bare loop: one compiled program per member (penalties are its arguments)."""
    import jax
    import jax.numpy as jnp
    import optax

    X, y = jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32).reshape(-1, 1)
    sizes = (X.shape[1], *HIDDEN, 1)
    tx = optax.adam(RATE)

    def init(seed):
        keys = jax.random.split(jax.random.key(seed), 2 * (len(sizes) - 1))
        return [(SCALE * jax.random.normal(keys[2 * i], (a, b)),
                 SCALE * jax.random.normal(keys[2 * i + 1], (b,)))
                for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def loss(params, rows, l1, l2):
        h = X[rows]
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        if members == 1:  # no penalty: none computed
            return jnp.mean((h - y[rows]) ** 2)
        penalty = sum(l1 * jnp.sum(jnp.abs(W)) + l2 * jnp.sum(W * W) for W, _ in params)
        return jnp.mean((h - y[rows]) ** 2) + penalty

    @jax.jit
    def train(params, order, l1, l2):
        state = tx.init(params)

        def step(carry, rows):
            params, state = carry
            value, grads = jax.value_and_grad(loss)(params, rows, l1, l2)
            updates, state = tx.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), value

        def epoch(carry, perm):  # the batches of 32 and of n - 32 rows
            carry, first = step(carry, perm[:BATCH])
            carry, last = step(carry, perm[BATCH:])
            return carry, (first * BATCH + last * (len(perm) - BATCH)) / len(perm)

        (params, _), losses = jax.lax.scan(epoch, (params, state), order)
        return params, losses

    starts = [init(m) for m in range(members)]
    order = orders(0, X.shape[0], epochs)
    pens = [tuple(np.float32(v) for v in VARIANTS[m]) for m in range(members)]
    start = time.perf_counter()
    program = train.lower(starts[0], order, *pens[0]).compile()
    compile_s = time.perf_counter() - start

    def run():
        outs = [program(starts[m], order, *pens[m]) for m in range(members)]
        jax.block_until_ready(outs)
        return None, [float(losses[-1]) for _, losses in outs]
    return run, compile_s


def torch_peer(X, y, members, epochs):
    import torch

    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    sizes = (X.shape[1], *HIDDEN, 1)

    def fit(member):
        torch.manual_seed(member)
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = torch.nn.Linear(a, b)
            torch.nn.init.normal_(linear.weight, std=SCALE)
            torch.nn.init.normal_(linear.bias, std=SCALE)
            layers += [linear] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
        model = torch.nn.Sequential(*layers)
        weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
        l1, l2 = VARIANTS[member] if members > 1 else (0.0, 0.0)
        opt = torch.optim.Adam(model.parameters(), lr=RATE)
        n = len(Xt)
        for _ in range(epochs):
            perm = torch.randperm(n)
            total = 0.0
            for start in range(0, n, BATCH):
                rows = perm[start:start + BATCH]
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(Xt[rows]), yt[rows])
                if l1:
                    loss = loss + l1 * sum(w.abs().sum() for w in weights)
                if l2:
                    loss = loss + l2 * sum((w * w).sum() for w in weights)
                loss.backward()
                opt.step()
                total += float(loss) * len(rows)
        return total / n

    def run():
        return None, [fit(m) for m in range(members)]
    return run, torch


# ------------------------------------------------------------------------------- workloads

def wide(args):
    import nnfit

    data = nnfit.load_dataset("capacity")
    X, y = np.asarray(data.X, np.float32), np.asarray(data.y, np.float32)
    members, epochs = args.members, args.epochs
    runs, compile_s = {}, {}
    start = time.perf_counter()
    nnfit_run = nnfit_peer(X, y, members, epochs)
    cold, _ = nnfit_run()
    compile_s["nnfit"] = round(time.perf_counter() - start, 2)
    compile_s["nnfit_engine"] = round(cold.timings.get("compile_s", 0.0), 2)
    runs["nnfit"] = nnfit_run
    runs["jax"], compile_s["jax"] = jax_peer(X, y, members, epochs)
    if not args.no_torch:
        runs["torch"], torch = torch_peer(X, y, members, epochs)
        compile_s["torch_threads"] = torch.get_num_threads()
        torch_warm, _ = torch_peer(X, y, 1, 1)
        torch_warm()
    return runs, compile_s


def ensembles(args):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import workload as w

    import nnfit

    X, y = w.make_data()
    model = nnfit.MLP(hidden=w.HIDDEN, activation="relu", normalize=True)

    def peer(n_members):
        def run():
            fit = nnfit.fit(model, X, y, optimizer="adam", learning_rate=w.LEARNING_RATE,
                            epochs=w.EPOCHS, batch_size=w.BATCH_SIZE,
                            validation_split=w.VALIDATION_SPLIT, n_members=n_members, seed=0)
            return fit, [float(fit.mean_history["val_loss"].iloc[-1])]
        return run

    runs = {"nnfit_1": peer(1), f"nnfit_{args.ensemble_size}": peer(args.ensemble_size)}
    compile_s = {}
    for name, run in runs.items():
        start = time.perf_counter()
        run()
        compile_s[name] = round(time.perf_counter() - start, 2)
    return runs, compile_s


# --------------------------------------------------------------------------------- summary

def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine():
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("jax", "jaxlib", "optax", "torch", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {"cpu": cpu, "logical_cores": os.cpu_count(), "python": platform.python_version(),
            **versions}


def summarise(times, base):
    rows = {}
    for name, values in times.items():
        walls = [v["wall_s"] for v in values]
        rows[name] = {"median_s": round(statistics.median(walls), 3),
                      "min_s": round(min(walls), 3), "max_s": round(max(walls), 3),
                      "others_share_median": statistics.median(
                          [v["others"] for v in values if v["others"] is not None] or [0.0])}
    for name, row in rows.items():
        if name != base and base in rows:
            row[f"x_{base}"] = round(row["median_s"] / rows[base]["median_s"], 2)
            # paired ratios (same round, neighbours in time) are less hurt by a change of load
            pairs = [a["wall_s"] / b["wall_s"] for a, b in zip(times[name], times[base])]
            row[f"x_{base}_paired_median"] = round(statistics.median(pairs), 2)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1, choices=(1, 2, 3, 4))
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--ensembles", action="store_true",
                        help="seed 000's network: 1 member against --ensemble-size members")
    parser.add_argument("--ensemble-size", type=int, default=100)
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between runs (PyTorch's OpenMP threads spin after a loop)")
    parser.add_argument("--json", help="also write everything to this file")
    args = parser.parse_args(argv)

    load_before = uptime()
    runs, compile_s = ensembles(args) if args.ensembles else wide(args)
    base = "nnfit_1" if args.ensembles else "nnfit"
    times = {name: [] for name in runs}
    names = list(runs)
    for r in range(args.repeat):
        for name in (names if r % 2 == 0 else names[::-1]):
            time.sleep(args.pause)
            wall, others, (_, losses) = timed(runs[name])
            entry = {"peer": name, "round": r, "wall_s": round(wall, 4), "others": others,
                     "final_loss": [round(v, 6) for v in losses]}
            times[name].append(entry)
            print(json.dumps(entry), flush=True)
    result = {"workload": "ensembles" if args.ensembles else f"W2 x {args.members}",
              "epochs": args.epochs, "compile_s": compile_s, "summary": summarise(times, base),
              "machine": machine(), "uptime_before": load_before, "uptime_after": uptime(),
              "argv": sys.argv[1:] if argv is None else argv}
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"result": result, "runs": times}, indent=1))


if __name__ == "__main__":
    main()
