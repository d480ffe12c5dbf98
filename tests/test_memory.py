"""nnfit._memory: the training run's memory, estimated before compiling, against the network's
real parameter count, a written-out machine (fake /proc and cgroup files), and the peak resident
memory of real fits (slow)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nnfit import _memory
from nnfit._memory import (
    available_memory,
    check_training_memory,
    format_bytes,
    parameter_count,
    training_bytes,
)
from nnfit.errors import InvalidOptionError

GiB = 1 << 30


@pytest.mark.parametrize("sizes", [(1, 3, 1), (4, 16, 16, 2), (2, 1), (10, 1024, 1024, 3)])
def test_parameter_count_equals_the_built_network(sizes):
    import jax

    import nnfit

    net = nnfit.MLP(hidden=sizes[1:-1]).build(sizes[0], sizes[-1])
    params = net.init(jax.random.key(0))
    assert parameter_count(net.layer_sizes) == sum(W.size + b.size for W, b in params)


def test_huge_widths_are_exact_python_integers():
    width = 10**12
    parts = training_bytes((1, width, 1), n_train=100, batch_size=32)
    assert all(type(v) is int for v in parts.values())
    # 3e12 parameters of 4 bytes, each kept in many copies: far beyond any machine, and no
    # wrap-around into a small or negative number as int64 arithmetic would give
    assert parts["parameters"] > 3 * width * 4 * 10
    assert parts["total"] == sum(v for k, v in parts.items() if k != "total")
    assert parameter_count((1, width, width, 1)) == (2 * width) + (width + 1) * width + width + 1


def test_members_and_itemsize_scale_the_parameters_exactly():
    one = training_bytes((3, 64, 64, 1), n_train=1000, batch_size=32)
    four = training_bytes((3, 64, 64, 1), n_members=4, n_train=1000, batch_size=32)
    wide = training_bytes((3, 64, 64, 1), n_train=1000, batch_size=32, itemsize=8)
    assert four["parameters"] == 4 * one["parameters"]
    assert four["activations"] == 4 * one["activations"]
    assert wide["parameters"] == 2 * one["parameters"]


def test_optimizers_order_by_their_state():
    sizes, kw = (1, 512, 512, 1), dict(n_train=200, batch_size=None)
    sgd, adam, lbfgs = (training_bytes(sizes, optimizer=o, **kw)["parameters"]
                        for o in ("sgd", "adam", "lbfgs"))
    assert sgd < adam < lbfgs
    lm = training_bytes(sizes, optimizer="lm", **kw)
    assert lm["jacobian"] > lm["parameters"]  # the Jacobian is what least squares pays for


def test_the_reported_width_is_refused_with_one_line():
    with pytest.raises(InvalidOptionError) as err:
        check_training_memory((1, 10**12, 1), n_train=100, batch_size=32)
    message = str(err.value)
    assert "\n" not in message
    assert "(1, 1,000,000,000,000, 1)" in message
    assert "TiB of memory" in message and "is available" in message
    assert "narrower or fewer hidden layers" in message
    assert isinstance(err.value, ValueError)


def test_seed_004_network_passes_easily():
    """Five layers of 1024 relu units, 4 members: a few GiB at most, on any machine."""
    need = check_training_memory((1, 1024, 1024, 1024, 1024, 1024, 1), n_members=4,
                                 n_train=800, n_val=200, batch_size=32, optimizer="adam")
    assert need < 2 * GiB
    assert need < available_memory() / 4


def test_the_tip_names_the_largest_number_of_members_that_fits():
    sizes, kw = (1, 4096, 4096, 1), dict(n_train=200, batch_size=32, optimizer="adam")
    room = 8 * GiB
    with pytest.raises(InvalidOptionError, match=r"train at most (\d+) members together "
                                                 r"\(n_members=64\)") as err:
        check_training_memory(sizes, n_members=64, available=room, **kw)
    best = int(err.value.args[0].split("train at most ")[1].split()[0])
    def need(members):
        return training_bytes(sizes, n_members=members, **kw)["total"] + _memory.RUNTIME_RESERVE

    assert need(best) <= room < need(best + 1)
    assert check_training_memory(sizes, n_members=best, available=room, **kw) < room


def test_the_tip_names_the_largest_batch_that_fits():
    sizes = (1, 1_000_000, 1)
    with pytest.raises(InvalidOptionError, match=r"use batch_size=(\d+) or less") as err:
        check_training_memory(sizes, n_train=100_000, batch_size=None, available=8 * GiB)
    batch = int(err.value.args[0].split("batch_size=")[1].split()[0])
    assert check_training_memory(sizes, n_train=100_000, batch_size=batch,
                                 available=8 * GiB) > 0
    with pytest.raises(InvalidOptionError):
        check_training_memory(sizes, n_train=100_000, batch_size=batch + 1, available=8 * GiB)


def test_least_squares_is_told_to_use_a_gradient_optimizer():
    with pytest.raises(InvalidOptionError, match="use a gradient optimizer such as 'adam': 'lm' "
                                                 "builds the Jacobian"):
        check_training_memory((1, 300, 300, 1), n_train=20_000, optimizer="lm",
                              available=8 * GiB)


def test_unknown_memory_checks_nothing(monkeypatch):
    monkeypatch.setattr(_memory, "available_memory", lambda: None)
    assert check_training_memory((1, 10**12, 1), n_train=10) > 10**13


def test_format_bytes():
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * GiB + GiB // 5) == "3.2 GiB"
    assert format_bytes(1 << 50) == "1 PiB"
    assert format_bytes(10**30).endswith("EiB")


# ---------------------------------------------------------------- the machine, written out

def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_meminfo_is_read_in_bytes(tmp_path):
    write(tmp_path / "meminfo", """\
        MemTotal:       24683784 kB
        MemFree:        22987076 kB
        MemAvailable:   23619740 kB
        """)
    assert _memory._meminfo("MemAvailable", tmp_path / "meminfo") == 23619740 * 1024
    assert _memory._meminfo("MemTotal", tmp_path / "meminfo") == 24683784 * 1024
    assert _memory._meminfo("MemAvailable", tmp_path / "missing") is None


def test_cgroup_v2_limit_less_use_over_the_hierarchy(tmp_path):
    write(tmp_path / "self", "0::/job/step\n")
    root = tmp_path / "cg"
    write(root / "job" / "step" / "memory.max", "max\n")  # no limit of its own
    write(root / "job" / "memory.max", f"{4 * GiB}\n")
    write(root / "job" / "memory.current", f"{3 * GiB}\n")
    write(root / "job" / "memory.stat", f"anon 123\ninactive_file {GiB // 2}\n")
    limit, free = _memory._cgroup_memory(str(root), str(tmp_path / "self"))
    assert limit == 4 * GiB
    assert free == 4 * GiB - (3 * GiB - GiB // 2)  # reclaimable page cache counts as free


def test_cgroup_v1_unlimited_and_limited(tmp_path):
    write(tmp_path / "self", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n")
    root = tmp_path / "cg"
    folder = root / "memory" / "docker" / "abc"
    write(folder / "memory.limit_in_bytes", "9223372036854771712\n")
    assert _memory._cgroup_memory(str(root), str(tmp_path / "self")) == (None, None)
    write(folder / "memory.limit_in_bytes", f"{2 * GiB}\n")
    write(folder / "memory.usage_in_bytes", f"{GiB}\n")
    write(folder / "memory.stat", "total_inactive_file 0\n")
    assert _memory._cgroup_memory(str(root), str(tmp_path / "self")) == (2 * GiB, GiB)


def test_available_memory_is_the_smallest_bound(monkeypatch):
    monkeypatch.setattr(_memory, "_meminfo", lambda key: 20 * GiB)
    monkeypatch.setattr(_memory, "_cgroup_memory", lambda: (4 * GiB, 3 * GiB))
    assert available_memory() == 3 * GiB
    assert _memory.total_memory() == 4 * GiB
    monkeypatch.setattr(_memory, "_cgroup_memory", lambda: (None, None))
    assert available_memory() == 20 * GiB


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="Linux only")
def test_available_memory_on_this_machine_is_plausible():
    have, total = available_memory(), _memory.total_memory()
    assert 0 < have <= total


# ---------------------------------------------------------------- through nnfit.fit and the CLI

def run_python(code, timeout=120):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout)


# widths that nnfit.MLP accepts (int32 counts) but no machine of this project's kind can train
TOO_WIDE = 2_000_000_000


def test_fit_refuses_a_huge_width_instead_of_aborting():
    # in a child process: were the check missing, XLA would abort the interpreter (exit 134)
    out = run_python(textwrap.dedent(f"""
        import numpy as np, nnfit
        from nnfit.errors import InvalidOptionError
        X = np.linspace(-1, 1, 20)[:, None]
        try:
            nnfit.fit(nnfit.MLP(hidden=({TOO_WIDE},)), X, X[:, 0] ** 3, epochs=1)
        except InvalidOptionError as err:
            print("REFUSED", err)
        """))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "REFUSED training a network of layer sizes (1, 2,000,000,000, 1)" in out.stdout
    assert "GiB of memory" in out.stdout and "narrower or fewer hidden layers" in out.stdout


@pytest.mark.parametrize("width, words", [(10**12, "hidden"), (TOO_WIDE, "of memory")])
def test_cli_exits_2_with_one_line(tmp_path, width, words):
    out = subprocess.run([sys.executable, "-m", "nnfit.cli", "fit", "--dataset", "cubic",
                          "--hidden", str(width), "--out", str(tmp_path / "run")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], lines


# ---------------------------------------------------------------- against real fits (slow)

CHILD = textwrap.dedent("""
    import json, resource, sys, warnings
    import numpy as np, nnfit
    cfg = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(cfg["n"], 1)), rng.normal(size=cfg["n"])
    warnings.simplefilter("ignore")
    nnfit.fit(nnfit.MLP(hidden=tuple(cfg["hidden"]), activation="tanh"), X, y,
              optimizer=cfg["optimizer"], epochs=2, batch_size=cfg["batch_size"],
              n_members=cfg["n_members"])
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    """)


def peak_rss(**cfg):
    out = run_python_args([json.dumps(cfg)])
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.split()[-1])


def run_python_args(args):
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("cfg", [
    dict(n=200, hidden=[2048, 2048], batch_size=32, n_members=2, optimizer="adam"),
    dict(n=512, hidden=[300_000], batch_size=64, n_members=1, optimizer="sgd"),
    dict(n=200, hidden=[1024, 1024], batch_size=None, n_members=1, optimizer="lbfgs"),
])
def test_estimate_brackets_the_measured_peak(cfg):
    """The estimate is above the growth of peak RSS over one-unit layers, and within 2x."""
    grown = peak_rss(**cfg) - peak_rss(**dict(cfg, hidden=[1] * len(cfg["hidden"])))
    est = training_bytes((1, *cfg["hidden"], 1), n_members=cfg["n_members"], n_train=cfg["n"],
                         batch_size=cfg["batch_size"], optimizer=cfg["optimizer"])["total"]
    assert grown > 100 << 20  # the case is big enough to measure
    assert grown * 0.95 < est < 2 * grown, (format_bytes(est), format_bytes(grown))
