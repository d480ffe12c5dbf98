"""Run the peer benchmark: the same seed-000 workload in Keras, PyTorch, scikit-learn and nnfit.

Each peer runs as its own Python process, so "whole process" is the wall clock of that subprocess,
from the interpreter's start (imports included) to its exit, and one framework's threads, caches
or JIT state cannot help or hurt another. Each script reports its own training time and validation
MSE as one JSON line; this script collects them and prints a Markdown table with the ratios
peer / nnfit, plus the machine the numbers come from.

    python benchmarks/run_peers.py                      # all peers, once
    python benchmarks/run_peers.py --only keras,torch,sklearn --repeat 3 --json out.json
    python benchmarks/run_peers.py --from-json out.json     # the same report again, no runs

With ``--repeat N`` the peers take turns (round-robin, so slow drift in the machine's load hits all
of them alike) and run ``i`` uses ``--seed i``; the table shows medians and [min-max].
A peer that cannot run says so in the table ("unavailable", "failed"); no number is ever filled in.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import busy_cpu_s

HERE = Path(__file__).resolve().parent

# option name -> script; the table keeps this order.
PEERS = {
    "keras": "bench_keras.py",
    "torch": "bench_torch.py",
    "sklearn": "bench_sklearn.py",
    "nnfit": "bench_nnfit.py",
}
# distribution names whose versions describe the environment measured
# Above this share of the machine used by other processes, a run's times are not trusted.
BUSY = 0.10
LIBRARIES = ("tensorflow-cpu", "tensorflow", "keras", "torch", "scikit-learn", "numpy", "scipy",
             "pandas", "jax", "jaxlib", "optax", "threadpoolctl")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PEERS),
                        help=f"comma-separated peers to run, from {', '.join(PEERS)} (default all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each peer (default 1)")
    parser.add_argument("--json", type=Path, help="also write every run and the summary here")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs the peers (default: this one)")
    parser.add_argument("--timeout", type=float, default=1200,
                        help="seconds before one peer run is abandoned (default 1200)")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes to use "
                             "under 10%% of the machine (for shared machines; default 0: no wait)")
    parser.add_argument("--from-json", type=Path, metavar="FILE",
                        help="print the report of a saved --json file again; runs nothing")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in args.only if name not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


# ----------------------------------------------------------------------------------- running

def last_json_line(stdout: str):
    """The peer's result: the last stdout line that is a JSON object (libraries may print before)."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def others_share(busy_before, busy_after, own_cpu_s: float, wall_s: float):
    """Fraction of the machine's cores that *other* processes used while a peer ran.

    This machine may be shared; a peer that ran beside someone else's job has slower, unfair
    numbers, and this says so instead of leaving it to be guessed.
    """
    if busy_before is None or busy_after is None or wall_s <= 0:
        return None
    others = max(0.0, (busy_after - busy_before) - own_cpu_s)
    return min(1.0, others / (wall_s * (os.cpu_count() or 1)))


def run_peer(python: str, name: str, seed: int, timeout: float) -> dict:
    """Run one peer script once; the wall clock spans the whole subprocess."""
    command = [python, str(HERE / PEERS[name]), "--seed", str(seed)]
    run = {"peer": name, "seed": seed}
    busy_before, own_before = busy_cpu_s(), children_cpu_s()
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**run, "status": f"timeout after {timeout:g} s", "wall_s": None, "result": None,
                "others_share": None}
    run["wall_s"] = time.perf_counter() - start
    run["cpu_s"] = children_cpu_s() - own_before
    run["others_share"] = others_share(busy_before, busy_cpu_s(), run["cpu_s"],
                                       run["wall_s"])
    run["result"] = last_json_line(proc.stdout)
    run["status"] = peer_status(proc, run["result"])
    return run


def peer_status(proc: subprocess.CompletedProcess, result) -> str:
    """"ok", "unavailable: why", or "failed: the last line the peer wrote to stderr"."""
    if proc.returncode == 0 and result is not None:
        if result.get("status") == "unavailable":
            return f"unavailable: {result.get('reason', '')}"
        return "ok"
    tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
    return f"failed (exit {proc.returncode}): {tail[0][:200]}"


def wait_until_idle(max_wait_s: float, threshold: float = BUSY,
                    sample_s: float = 2.0) -> tuple[float, bool]:
    """Sleep until other processes use under ``threshold`` of the machine.

    Returns ``(seconds waited, whether the machine became idle)``.

    Gives up after ``max_wait_s`` (the run then goes ahead and its ``others_share`` says how busy
    the machine was), so a benchmark never hangs on a machine that is never idle.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < max_wait_s:
        before = busy_cpu_s()
        time.sleep(sample_s)
        share = others_share(before, busy_cpu_s(), 0.0, sample_s)
        if share is None or share < threshold:
            return time.perf_counter() - start, True
    return time.perf_counter() - start, False


def run_all(args) -> list[dict]:
    """Round-robin over the peers, ``--repeat`` rounds, round ``i`` with seed ``i``."""
    runs = []
    for seed in range(args.repeat):
        for name in args.only:
            if args.wait_idle > 0:
                waited, idle = wait_until_idle(args.wait_idle)
                print(f"[run_peers] waited {waited:.0f} s: machine "
                      f"{'idle' if idle else 'still busy, running anyway'}", file=sys.stderr)
            print(f"[run_peers] {name} seed {seed} ...", file=sys.stderr, flush=True)
            run = run_peer(args.python, name, seed, args.timeout)
            print(f"[run_peers]   {run['status']}, whole process {fmt(run['wall_s'])} s, "
                  f"other processes used {fmt_share(run['others_share'])} of the machine",
                  file=sys.stderr, flush=True)
            runs.append(run)
    return runs


# ------------------------------------------------------------------------------- summarising

def undisturbed(run: dict) -> bool:
    return run.get("others_share") is not None and run["others_share"] < BUSY


def summarise(runs: list[dict], names: list[str]) -> list[dict]:
    """One row per peer: medians and ranges over its successful runs, or why it has none.

    Times come from the undisturbed runs only (other processes under ``BUSY`` of the machine),
    when there is at least one: a run beside someone else's job times that job too. With none,
    all runs are used and the row is marked ``disturbed``. The validation MSE does not depend on
    the load, so it always spans every successful run (every seed).
    """
    rows = []
    for name in names:
        mine = [r for r in runs if r["peer"] == name]
        ok = [r for r in mine if r["status"] == "ok"]
        row = {"peer": name, "runs": len(mine), "ok": len(ok)}
        if not ok:
            row["status"] = mine[-1]["status"]
            rows.append(row)
            continue
        timed = [r for r in ok if undisturbed(r)] or ok
        result = ok[-1]["result"]
        row.update(status="ok", framework=result["framework"], version=result["version"],
                   epochs=result["epochs"], steps=result["steps"], timed=len(timed),
                   disturbed=not undisturbed(timed[0]),
                   train_s=spread([r["result"]["train_s"] for r in timed]),
                   whole_s=spread([r["wall_s"] for r in timed]),
                   val_mse=spread([r["result"]["val_mse"] for r in ok]))
        if "train_cold_s" in result:  # nnfit: the first (compiling) call of the process
            row["train_cold_s"] = spread([r["result"]["train_cold_s"] for r in timed])
        if "ensemble" in result:
            row["ensemble"] = {
                "n_members": result["ensemble"]["n_members"],
                "train_s": spread([r["result"]["ensemble"]["train_s"] for r in timed]),
                "ratio_to_single": spread([r["result"]["ensemble"]["ratio_to_single"]
                                           for r in timed]),
            }
        rows.append(row)
    return rows


def spread(values) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratio(row: dict, nnfit_row, key: str):
    """peer / nnfit for the median of ``key``; None when either side has no number."""
    if row.get("status") != "ok" or not nnfit_row or nnfit_row.get("status") != "ok":
        return None
    return row[key]["median"] / nnfit_row[key]["median"]


# ---------------------------------------------------------------------------------- machine

def cpu_model() -> str:
    """lscpu's model name; platform.processor() is often empty or just 'x86_64' on Linux."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


# Run in the peers' interpreter, which may not be this one: versions from package metadata only,
# so nothing heavy is imported just to read a version.
_VERSIONS_SNIPPET = """
import json, platform, importlib.metadata as md
names = {names!r}
found = {{}}
for name in names:
    try:
        found[name] = md.version(name)
    except md.PackageNotFoundError:
        pass
print(json.dumps({{"python": platform.python_version(), "libraries": found}}))
"""


def interpreter_info(python: str) -> dict:
    code = _VERSIONS_SNIPPET.format(names=LIBRARIES)
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return {"python": "unknown", "libraries": {}}


def machine_info(python: str) -> dict:
    return {"cpu": cpu_model(), "logical_cores": os.cpu_count(), "ram_gib": ram_gib(),
            "os": platform.platform(), **interpreter_info(python)}


# ---------------------------------------------------------------------------------- markdown

def fmt(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_spread(s: dict, digits: int = 2) -> str:
    """Median, with [min–max] when there was more than one run."""
    if s["min"] == s["max"]:
        return fmt(s["median"], digits)
    return f"{fmt(s['median'], digits)} [{fmt(s['min'], digits)}–{fmt(s['max'], digits)}]"


def fmt_share(value) -> str:
    return "unknown" if value is None else f"{100 * value:.0f} %"


def fmt_ratio(value) -> str:
    return "n/a" if value is None else f"{value:.1f}×"


def markdown_table(rows: list[dict]) -> str:
    nnfit_row = next((r for r in rows if r["peer"] == "nnfit"), None)
    lines = ["| framework | version | timed runs | training s | whole process s | val MSE "
             "| training / nnfit | whole process / nnfit |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if row.get("status") != "ok":
            lines.append(f"| {row['peer']} | {row['status']} | 0 of {row['runs']} "
                         "| – | – | – | – | – |")
            continue
        timed = (f"all {row['ok']}, all disturbed" if row["disturbed"]
                 else f"{row['timed']} of {row['ok']}")
        lines.append(
            f"| {row['framework']} | {row['version']} | {timed} | {fmt_spread(row['train_s'])} "
            f"| {fmt_spread(row['whole_s'])} | {fmt_spread(row['val_mse'], 1)} "
            f"| {fmt_ratio(ratio(row, nnfit_row, 'train_s'))} "
            f"| {fmt_ratio(ratio(row, nnfit_row, 'whole_s'))} |")
    return "\n".join(lines)


def nnfit_notes(rows: list[dict]) -> list[str]:
    """The nnfit-only numbers: cold first call, and the ensemble against one model."""
    row = next((r for r in rows if r["peer"] == "nnfit" and r.get("status") == "ok"), None)
    if row is None:
        if not any(r["peer"] == "nnfit" for r in rows):
            return ["nnfit was not run (--only), so the ratio columns are n/a."]
        return ["nnfit is unavailable, so the ratio columns are n/a; no nnfit number is shown."]
    notes = [f"nnfit training s is the warm call (second identical fit in the process); "
             f"the cold first call took {fmt_spread(row['train_cold_s'])} s."]
    if "ensemble" in row:
        ens = row["ensemble"]
        notes.append(f"nnfit with n_members={ens['n_members']}: {fmt_spread(ens['train_s'])} s "
                     f"warm, {fmt_spread(ens['ratio_to_single'])}× the single model's time.")
    return notes


def machine_lines(machine: dict, runs: list[dict]) -> list[str]:
    libs = ", ".join(f"{k} {v}" for k, v in machine["libraries"].items())
    shares = [r["others_share"] for r in runs if r.get("others_share") is not None]
    busy = (f"{fmt_share(min(shares))} to {fmt_share(max(shares))}" if shares else "unknown")
    return [f"- CPU: {machine['cpu']}, {machine['logical_cores']} logical cores, "
            f"{fmt(machine['ram_gib'], 1)} GiB RAM",
            f"- OS: {machine['os']}; Python {machine['python']}",
            f"- Libraries: {libs}",
            f"- CPU used by other processes while the peers ran: {busy} of the machine "
            f"(0 % means the numbers are not disturbed by anything else)"]


def runs_table(runs: list[dict]) -> str:
    """Every run, in the order run, with how busy the machine was meanwhile."""
    lines = ["| peer | seed | status | training s | whole process s | val MSE "
             "| others' CPU use |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for run in runs:
        result = run["result"] if run["status"] == "ok" else {}
        lines.append(f"| {run['peer']} | {run['seed']} | {run['status'].split(':')[0]} "
                     f"| {fmt(result.get('train_s'))} | {fmt(run.get('wall_s'))} "
                     f"| {fmt(result.get('val_mse'), 1)} | {fmt_share(run.get('others_share'))} |")
    return "\n".join(lines)


def render(rows, machine, runs, argv) -> str:
    command = " ".join(shlex.quote(a) for a in ["python", "benchmarks/run_peers.py", *argv])
    parts = [f"Command: `{command}`", "", markdown_table(rows), "",
             f"- Times are medians [min–max] over the timed runs: those during which other "
             f"processes used under {BUSY:.0%} of the machine (all runs if none was). "
             f"val MSE spans every run; run i uses seed i."]
    parts += [f"- {note}" for note in nnfit_notes(rows)]
    parts += ["", "Machine:", *machine_lines(machine, runs), "", "Every run:", "",
              runs_table(runs)]
    return "\n".join(parts)


def load_saved(path: Path):
    """``(argv, machine, runs)`` of a ``--json`` file, to print its report again without re-running."""
    saved = json.loads(path.read_text())
    return saved["argv"], saved["machine"], saved["runs"]


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.from_json:
        argv, machine, runs = load_saved(args.from_json)
        names = list(dict.fromkeys(run["peer"] for run in runs))
        print(render(summarise(runs, names), machine, runs, argv))
        return
    runs = run_all(args)
    rows = summarise(runs, args.only)
    machine = machine_info(args.python)
    print(render(rows, machine, runs, argv))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"argv": argv, "machine": machine, "summary": rows,
                                         "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
