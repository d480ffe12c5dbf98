"""Fault tests: ``nnfit fit`` and ``nnfit sweep`` stopped by SIGINT, SIGTERM and SIGKILL.

Whatever the signal and wherever it lands (start-up, training, the save over an older run), the
run folder afterwards is either the complete old run or the complete new one, never a mix, and
``load_fit`` and ``nnfit report`` read it; SIGINT exits 130 and SIGTERM 143. Training is seen to
be under way from the progress bar (rich, told that its pipe is a terminal) and the save from
its temporary sibling folder, so no test depends on how fast this machine is.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib

import numpy as np
import pytest

import nnfit
from nnfit import _runfolder as rf
from nnfit import cli
from nnfit.runs import read_data, save_run

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

OLD_HIDDEN, NEW_HIDDEN = (2,), (3,)


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    """A finished run of another network (hidden 2) to save over, made once."""
    data = nnfit.load_dataset("cube_root")
    fit = nnfit.fit(nnfit.MLP(hidden=OLD_HIDDEN, activation="tanh"), data.X, data.y, epochs=5,
                    batch_size=None)
    folder = tmp_path_factory.mktemp("old") / "run"
    save_run(folder, fit, {"data": {"dataset": "cube_root"}, "model": {"hidden": [2]},
                           "train": {"epochs": 5}}, X=data.X, y=data.y)
    return folder


class Fit:
    """``nnfit fit`` in a subprocess, its progress bar read as it trains."""

    def __init__(self, cwd, out="run", epochs=100_000_000, quiet=False):
        env = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "100"}
        self.cwd, self.out = cwd, cwd / out
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nnfit.cli", "fit", "--dataset", "cube_root", "--hidden",
             ",".join(map(str, NEW_HIDDEN)), "--activation", "tanh", "--epochs", str(epochs),
             "--batch-size", "full", "--out", str(self.out), *(["--quiet"] if quiet else [])],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.epochs, self.stdout, self.stderr = 0, b"", b""
        self._readers = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._read_errors, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            self.stdout += chunk
            counts = re.findall(rb"(\d+)/\d+ epochs", self.stdout[-2000:])
            if counts:
                self.epochs = max(self.epochs, int(counts[-1]))

    def _read_errors(self):
        for chunk in iter(lambda: self.proc.stderr.read1(4096), b""):
            self.stderr += chunk

    def wait_for(self, condition, timeout=240):
        """Wait until ``condition()``; False if the process ended first."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                return False
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)
        return True

    def training(self):
        return self.epochs > 0

    def saving(self):
        parent, name = os.path.split(self.out)
        return any(e.startswith(f".{name}.nnfit-new-") for e in os.listdir(parent))

    def send(self, sig):
        self.proc.send_signal(sig)

    def finish(self, timeout=240):
        self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return self.proc.returncode, self.stderr.decode(errors="replace")


def whole_run(folder):
    """Check that ``folder`` is one complete run; return its hidden widths and status."""
    rf.verify(folder, None)  # every file the manifest lists, as saved
    fit = nnfit.load_fit(folder)
    hidden = fit.network.spec.hidden
    with open(folder / "config.toml", "rb") as f:
        assert tuple(tomllib.load(f)["model"]["hidden"]) == hidden  # files of one run
    status = json.loads((folder / "status.json").read_text())
    assert status["epochs_run"] == fit.epochs_run.tolist()
    X, y = read_data(folder, fit.network.n_inputs)
    assert np.all(np.isfinite(fit.predict(X)))
    return hidden, status["status"]


def copy_old(old_run, tmp_path):
    import shutil

    shutil.copytree(old_run, tmp_path / "run")
    return tmp_path / "run"


# ------------------------------------------------------------------------------ nnfit fit
def test_sigterm_during_training_saves_what_was_trained_and_exits_143(old_run, tmp_path, capsys):
    copy_old(old_run, tmp_path)
    run = Fit(tmp_path)
    assert run.wait_for(run.training), run.finish()
    run.send(signal.SIGTERM)
    code, err = run.finish()
    assert code == 143, err
    assert whole_run(tmp_path / "run") == (NEW_HIDDEN, "interrupted")
    assert err.strip().splitlines()[-1].startswith("nnfit fit: interrupted by SIGTERM after epoch")
    assert nnfit.load_fit(tmp_path / "run").stop_reasons == ["interrupted"]
    assert cli.main(["report", str(tmp_path / "run")]) == 0
    assert "Data and fit" in (tmp_path / "run" / "report.html").read_text()


def test_a_second_signal_during_the_save_waits_for_it(old_run, tmp_path):
    copy_old(old_run, tmp_path)
    run = Fit(tmp_path)
    assert run.wait_for(run.training), run.finish()
    run.send(signal.SIGINT)
    assert run.wait_for(run.saving), run.finish()
    run.send(signal.SIGINT)
    run.send(signal.SIGTERM)
    code, err = run.finish()
    assert code == 130, err  # the first signal's
    assert "saving the run to" in err and "Traceback" not in err
    assert whole_run(tmp_path / "run") == (NEW_HIDDEN, "interrupted")
    assert [e for e in os.listdir(tmp_path) if e.startswith(".")] == []


def test_sigkill_during_the_save_leaves_the_old_run_or_the_new_one(old_run, tmp_path):
    folder = copy_old(old_run, tmp_path)
    run = Fit(tmp_path)
    assert run.wait_for(run.training), run.finish()
    run.send(signal.SIGINT)
    assert run.wait_for(run.saving), run.finish()
    run.send(signal.SIGKILL)
    code, _ = run.finish()
    assert code == -signal.SIGKILL
    hidden, _ = whole_run(folder)
    assert hidden in (OLD_HIDDEN, NEW_HIDDEN)
    assert cli.main(["report", str(folder)]) == 0
    # the killed save's sibling is removed by the next save of the folder
    fit = nnfit.load_fit(folder)
    save_run(folder, fit, {"model": {"hidden": list(hidden)}}, X=None, y=None)
    assert [e for e in os.listdir(tmp_path) if e.startswith(".")] == []


def test_handlers_are_the_command_lines_alone(tmp_path, monkeypatch, capsys):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    monkeypatch.chdir(tmp_path)
    seen = []

    def train(*args, **kwargs):
        seen.append(signal.getsignal(signal.SIGTERM))
        raise KeyboardInterrupt  # as the handler raises at the first signal

    monkeypatch.setattr(nnfit.training, "fit_options", train)  # what nnfit fit calls
    assert cli.main(["fit", "--dataset", "cube_root", "--quiet"]) == 130
    assert seen and seen[0] not in before
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert "nnfit fit: interrupted" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(12))
def test_signals_at_random_points_never_mix_two_runs(old_run, tmp_path, trial):
    """SIGINT, SIGTERM or SIGKILL anywhere: start-up, compilation, training, the save."""
    rng = random.Random(trial)
    folder = copy_old(old_run, tmp_path)
    sig = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
    phase = rng.choice(["start", "training", "saving"])
    run = Fit(tmp_path, epochs=rng.choice([2_000, 100_000_000]), quiet=phase == "start")
    if phase == "start":
        time.sleep(rng.uniform(0.0, 6.0))
    elif run.wait_for(run.training):  # a short run can finish before the point is reached
        if phase == "saving":
            run.send(signal.SIGINT)
            run.wait_for(run.saving)
        time.sleep(rng.uniform(0.0, 1.5))
    if run.proc.poll() is None:
        run.send(sig)
    code, err = run.finish()
    allowed = {signal.SIGINT: {0, 130, -signal.SIGINT}, signal.SIGTERM: {0, 130, 143, -signal.SIGTERM},
               signal.SIGKILL: {0, 130, -signal.SIGKILL}}[sig]
    assert code in allowed, err
    assert "Traceback" not in err or code < 0, err
    hidden, status = whole_run(folder)
    assert hidden in (OLD_HIDDEN, NEW_HIDDEN)

    if code == 0:
        assert (hidden, status) == (NEW_HIDDEN, "finished")
    assert cli.main(["report", str(folder)]) == 0


# ------------------------------------------------------------------------------ nnfit sweep
SWEEP = ('[data]\ndataset = "capacity"\n[train]\nepochs = 10\nbatch_size = "full"\n'
         '[sweep]\ngrid = { hidden = [[2], [3], [4]] }\nseeds = [0, 1]\n')


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_sweep_exits_130_or_143_with_one_line(tmp_path, monkeypatch, capsys, sig,
                                                             code):
    import nnfit.sweep.executors as executors

    monkeypatch.chdir(tmp_path)
    (tmp_path / "sw.toml").write_text(SWEEP)
    real = executors.train_group
    groups = []

    def train_group(task, data):
        groups.append(task)
        if len(groups) == 2:
            os.kill(os.getpid(), sig)  # arrives while the second group trains
        return real(task, data)

    monkeypatch.setattr(executors, "train_group", train_group)
    assert cli.main(["sweep", "sw.toml", "--out", "s", "--quiet"]) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0] == (f"nnfit sweep: interrupted by {signal.Signals(sig).name}: 2 of 6 runs "
                        "finished and saved in 's'; run the same command again to resume")
    assert out == ""  # no summary as if complete
    assert len(groups) == 2
    monkeypatch.setattr(executors, "train_group", real)
    assert cli.main(["sweep", "sw.toml", "--out", "s", "--quiet"]) == 0  # resumes
    assert "report:" in capsys.readouterr().out


def test_python_m_nnfit_sweep_exits_130_when_interrupted(tmp_path, monkeypatch, capsys):
    import nnfit.sweep.executors as executors
    from nnfit.sweep.__main__ import main

    (tmp_path / "grid.toml").write_text('seeds = [0]\n[base]\nepochs = 10\n'
                                        '[grid]\nhidden = [[2], [3]]\n')
    real = executors.train_group

    def train_group(task, data):
        os.kill(os.getpid(), signal.SIGINT)
        return real(task, data)

    monkeypatch.setattr(executors, "train_group", train_group)
    assert main(["run", str(tmp_path / "grid.toml"), "--data", "capacity", "--out",
                 str(tmp_path / "s"), "--quiet"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "interrupted by SIGINT" in err
