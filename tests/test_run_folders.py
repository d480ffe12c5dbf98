"""Run folders: saved as a whole (old or new, never a mix), read back with every file checked,
bad output paths refused before training, and ``nnfit report`` reading only the folder's files.

The kills of real processes are in test_signals.py; here the save is stopped at chosen points
in this process (an exception where a signal or a full disk would strike).
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import nnfit
from _tiny_fits import X1, Y1, classification, ensemble, regression
from nnfit import _runfolder as rf
from nnfit import cli, training
from nnfit.errors import InvalidOptionError, RunFolderError
from nnfit.runs import read_data, save_run

CONFIG = {"data": {"dataset": "cubic"}, "model": {"hidden": [4]}, "train": {"epochs": 20}}


def files(folder):
    """Every file's bytes, by name (the manifest included)."""
    return {e.name: open(e.path, "rb").read() for e in os.scandir(folder) if e.is_file()}


def siblings(folder):
    parent, name = os.path.split(os.fspath(folder))
    return [e for e in os.listdir(parent) if e.startswith(f".{name}.nnfit-")]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Run folders saved once: a one-member and a three-member run."""
    where = tmp_path_factory.mktemp("templates")
    save_run(where / "one", regression(), CONFIG, X=X1, y=Y1)
    save_run(where / "three", ensemble(), CONFIG, X=X1, y=Y1)
    return where


@pytest.fixture()
def fast_report(monkeypatch):
    """save_run with a stub report.html: these tests are about the folder, not the figures."""
    import nnfit.runs

    def write_report(folder, fit, X=None, y=None, *, title=None):
        with open(os.path.join(folder, "report.html"), "w") as f:
            f.write(f"<html>{fit.n_members}</html>")
        return "report.html"

    monkeypatch.setattr(nnfit.runs, "write_report", write_report)


@pytest.fixture()
def two_runs(tmp_path, templates, fast_report):
    """An old run folder and a different fit to save over it."""
    folder = tmp_path / "run"
    shutil.copytree(templates / "one", folder)
    return folder, files(folder), ensemble()


# ------------------------------------------------------------------------------ writing
def test_a_run_folder_is_written_whole_with_a_manifest(tmp_path, templates):
    folder = templates / "one"
    written = [folder / n for n in os.listdir(folder) if n != "manifest.json"]
    names = {os.path.basename(p) for p in written}
    assert names == {"fit.json", "params.npz", "history.csv", "config.toml", "status.json",
                     "data.npz", "report.html"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == names - {"report.html"}  # the report is rewritten later
    for name, entry in manifest["files"].items():
        assert entry["size"] == (folder / name).stat().st_size
    assert siblings(folder) == []
    fit = nnfit.load_fit(folder)
    np.testing.assert_array_equal(fit.predict(X1), regression().predict(X1))
    X, y = read_data(folder, 1)
    np.testing.assert_array_equal(X, X1)
    np.testing.assert_array_equal(y, Y1)
    assert "data" not in json.loads((folder / "fit.json").read_text())  # the model holds no data
    assert "<img" in (folder / "report.html").read_text()
    assert oct((folder / "fit.json").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-fallback"])
def test_saving_over_an_old_run_replaces_it_whole(two_runs, exchange, monkeypatch):
    folder, old_files, new = two_runs
    if not exchange:
        monkeypatch.setattr(rf, "_exchange_function", lambda: None)
    (folder / "notes.txt").write_text("mine")  # a file of the user's own is kept
    save_run(folder, new, CONFIG, status="interrupted", X=X1, y=Y1)
    assert nnfit.load_fit(folder).n_members == 3
    assert json.loads((folder / "status.json").read_text())["status"] == "interrupted"
    assert (folder / "notes.txt").read_text() == "mine"
    assert "notes.txt" not in json.loads((folder / "manifest.json").read_text())["files"]
    assert siblings(folder) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-fallback"])
@pytest.mark.parametrize("where", ["writing", "manifest", "swap"])
def test_a_save_stopped_anywhere_leaves_the_complete_old_run(two_runs, where, exchange,
                                                             monkeypatch):
    folder, old_files, new = two_runs
    if not exchange:
        monkeypatch.setattr(rf, "_exchange_function", lambda: None)

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "writing":
        monkeypatch.setattr(new.__class__, "_write_files", lambda self, f: stop())
    elif where == "manifest":
        monkeypatch.setattr(rf, "_write_manifest", stop)
    else:
        monkeypatch.setattr(rf, "_swap_in", stop)
    with pytest.raises(KeyboardInterrupt):
        save_run(folder, new, CONFIG, X=X1, y=Y1)
    assert files(folder) == old_files
    assert nnfit.load_fit(folder).n_members == 1
    assert siblings(folder) == []


def test_the_fallback_swap_rolls_back_when_the_new_folder_cannot_go_in(two_runs, monkeypatch):
    folder, old_files, new = two_runs
    monkeypatch.setattr(rf, "_exchange_function", lambda: None)
    renames = []
    real = os.rename

    def rename(a, b):
        renames.append(b)
        if len(renames) == 2:  # the new folder's rename into place
            raise KeyboardInterrupt
        return real(a, b)

    monkeypatch.setattr(rf.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        save_run(folder, new, CONFIG, X=X1, y=Y1)
    monkeypatch.undo()
    assert files(folder) == old_files and siblings(folder) == []


def test_leftovers_of_a_killed_save_are_recovered_or_removed(two_runs):  # noqa: C901
    folder, old_files, new = two_runs
    parent = folder.parent
    dead = _dead_pid()
    # killed while writing the new folder (exchange mode): an incomplete sibling
    half = parent / f".run.nnfit-new-{dead}-aa11"
    half.mkdir()
    (half / "fit.json").write_text("{")
    # killed after the exchange, before deleting the old folder: the old run under a sibling name
    shutil.copytree(folder, parent / f".run.nnfit-new-{dead}-bb22")
    assert nnfit.load_fit(folder).n_members == 1  # nothing reads the siblings
    new.save(folder)
    assert siblings(folder) == []
    assert nnfit.load_fit(folder).n_members == 3

    # the fallback, killed between its two renames: no folder, the old and the complete new one
    # beside it; the next load (or save) finishes the swap with the new one
    one = parent / "one"
    regression().save(one)
    shutil.copytree(one, parent / f".run.nnfit-old-{dead}-cc33")
    shutil.move(folder, parent / f".run.nnfit-new-{dead}-cc33")
    assert nnfit.load_fit(folder).n_members == 3
    assert siblings(folder) == [f".run.nnfit-old-{dead}-cc33"]  # removed by the next save
    # ... or with the old one when the new one was not complete
    shutil.rmtree(folder)
    (parent / f".run.nnfit-new-{dead}-dd44").mkdir()
    shutil.copytree(one, parent / f".run.nnfit-old-{dead}-dd44")
    assert nnfit.load_fit(folder).n_members == 1
    ensemble().save(folder)
    assert siblings(folder) == [] and nnfit.load_fit(folder).n_members == 3


def test_a_mount_point_gets_its_files_replaced_manifest_last(two_runs, monkeypatch):
    folder, old_files, new = two_runs
    real = os.path.realpath(folder)
    monkeypatch.setattr(rf.os.path, "ismount", lambda p: os.fspath(p) == real)
    save_run(folder, new, CONFIG, X=X1, y=Y1)  # a mount point cannot be renamed
    assert nnfit.load_fit(folder).n_members == 3 and siblings(folder) == []
    assert [e for e in os.listdir(folder) if e.startswith(".")] == []
    # stopped halfway: the old manifest meets new files, and the folder is refused, not mixed
    def replace(a, b):
        if b.endswith("manifest.json"):  # every other file is new by now
            raise KeyboardInterrupt
        return os.rename(a, b)

    monkeypatch.setattr(rf.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_run(folder, regression(), CONFIG, X=X1, y=Y1)
    monkeypatch.undo()
    with pytest.raises(RunFolderError, match="does not match manifest.json"):
        nnfit.load_fit(folder)


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_fit_save_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(InvalidOptionError, match="already holds other files .'mine.txt'. and no saved fit"):
        regression().save(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidOptionError, match="is a file, not a folder"):
        regression().save(tmp_path / "file")
    with pytest.raises(InvalidOptionError, match="which is a file, not a folder"):
        regression().save(tmp_path / "file" / "run")
    regression().save(tmp_path / "empty")  # new folders, empty folders and old saves are fine
    regression().save(tmp_path / "empty")


# ------------------------------------------------------------------------------ reading
@pytest.fixture()
def saved(tmp_path, templates):
    folder = tmp_path / "run"
    shutil.copytree(templates / "three", folder)
    return folder


def _edit_json(path, **changes):
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def _params(folder, **changes):
    with np.load(folder / "params.npz") as npz:
        arrays = dict(npz)
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(folder / "params.npz", **arrays)


CORRUPTIONS = {
    # name: (file, how, message)
    "fit.json no spec": ("fit.json", lambda f: _edit_json(f / "fit.json", spec=None),
                         "'spec' is None, not a table"),
    "fit.json missing key": ("fit.json", lambda f: (f / "fit.json").write_text(json.dumps(
        {k: v for k, v in json.loads((f / "fit.json").read_text()).items() if k != "spec"})),
        "has no 'spec'"),
    "n_inputs a string": ("fit.json", lambda f: _edit_json(f / "fit.json", n_inputs="1"),
                          "'n_inputs' is '1', not an integer >= 1"),
    "dtype": ("fit.json", lambda f: _edit_json(f / "fit.json", dtype="float16"),
              "'dtype' is 'float16'"),
    "task": ("fit.json", lambda f: _edit_json(f / "fit.json", task="regresion"), "'task'"),
    "bad spec": ("fit.json", lambda f: _edit_json(f / "fit.json", spec={"hidden": [4], "activation": "relux"}),
                 "'spec' is not a network"),
    "fit.json not JSON": ("fit.json", lambda f: (f / "fit.json").write_text('{"format": 1, '),
                          "is not valid JSON"),
    "fit.json not UTF-8": ("fit.json", lambda f: (f / "fit.json").write_bytes(b"\xff\xfe{}"),
                           "is not valid JSON"),
    "fit.json a list": ("fit.json", lambda f: (f / "fit.json").write_text("[1, 2]"),
                        "holds a JSON list"),
    "format": ("fit.json", lambda f: _edit_json(f / "fit.json", format=99), "format 99 is not 1"),
    "members disagree": ("fit.json", lambda f: _edit_json(f / "fit.json", stop_reasons=["completed"]),
                         "'stop_reasons' has 1 entries but params.npz holds 3"),
    "params not a zip": ("params.npz", lambda f: (f / "params.npz").write_bytes(b"PK\x03\x04junk"),
                         "cannot be read as nnfit's parameters"),
    "params truncated": ("params.npz", lambda f: (f / "params.npz").write_bytes(
        (f / "params.npz").read_bytes()[:300]), "cannot be read as nnfit's parameters"),
    "params empty": ("params.npz", lambda f: (f / "params.npz").write_bytes(b""),
                     "cannot be read as nnfit's parameters"),
    "params pickled": ("params.npz", lambda f: _params(f, W0=np.array([{"a": 1}], dtype=object)),
                       "cannot be read as nnfit's parameters"),
    "params shape": ("params.npz", lambda f: _params(f, W0=np.zeros((3, 2, 4), np.float32)),
                     "W0 has shape (3, 2, 4), but layer sizes (1, 4, 1)"),
    "params members": ("params.npz", lambda f: _params(f, b1=np.zeros((2, 1), np.float32)),
                       "b1 has 2 members but W0 has 3"),
    "params missing layer": ("params.npz", lambda f: _params(f, W1=None), "has no W1"),
    "params extra layer": ("params.npz", lambda f: _params(f, W2=np.zeros((3, 1, 1))),
                           "holds arrays ['W2']"),
    "params integers": ("params.npz", lambda f: _params(f, W0=np.zeros((3, 1, 4), np.int64)),
                        "W0 holds int64 values"),
    "history truncated": ("history.csv", lambda f: (f / "history.csv").write_text(
        (f / "history.csv").read_text()[:-7]), "ends in the middle of a line"),
    "history rows lost": ("history.csv", lambda f: (f / "history.csv").write_text(
        "".join((f / "history.csv").read_text().splitlines(True)[:-3])),
        "epochs per member but fit.json says"),
    "history no member": ("history.csv", lambda f: (f / "history.csv").write_text("epoch,loss\n1,0.5\n"),
                          "has no 'member' column"),
    "history text": ("history.csv", lambda f: (f / "history.csv").write_text(
        (f / "history.csv").read_text().replace("\n1,", "\nabc,", 1)), "not numbers"),
    "history binary": ("history.csv", lambda f: (f / "history.csv").write_bytes(b"\x80\x81\n"),
                       "not text"),
    "history members": ("history.csv", lambda f: (f / "history.csv").write_text(
        (f / "history.csv").read_text().replace("\n2,", "\n7,")), "members 0..7"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupt_folder_without_manifest_is_refused_naming_the_file(saved, case):
    name, corrupt, message = CORRUPTIONS[case]
    (saved / "manifest.json").unlink()  # a folder of an older nnfit: every file is checked
    corrupt(saved)
    with pytest.raises(RunFolderError) as err:
        nnfit.load_fit(saved)
    text = str(err.value)
    assert "\n" not in text and str(saved / name) in text and message in text, text


@pytest.mark.parametrize("case", ["n_inputs a string", "params shape", "history rows lost",
                                  "params truncated"])
def test_the_manifest_catches_any_change(saved, case):
    name, corrupt, _ = CORRUPTIONS[case]
    corrupt(saved)
    with pytest.raises(RunFolderError, match=f"{name} does not match manifest.json"):
        nnfit.load_fit(saved)


def test_a_mix_of_two_saves_is_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    regression().save(a)
    nnfit.fit(nnfit.MLP(hidden=(4,), activation="tanh"), X1, Y1, epochs=20, learning_rate=0.05,
              seed=1).save(b)
    shutil.copy(b / "params.npz", a / "params.npz")  # what a file-by-file save could leave
    with pytest.raises(RunFolderError, match="params.npz does not match manifest.json"):
        nnfit.load_fit(a)
    os.unlink(b / "history.csv")
    with pytest.raises(RunFolderError, match="history.csv is missing .listed in"):
        nnfit.load_fit(b)


def test_a_classifier_and_an_old_folder_load(tmp_path):
    fit, X, y = classification()
    fit.save(tmp_path / "c")
    back = nnfit.load_fit(tmp_path / "c")
    np.testing.assert_array_equal(back.predict(X), fit.predict(X))
    # a folder written before manifests and data.npz: read as it is
    (tmp_path / "c" / "manifest.json").unlink()
    meta = json.loads((tmp_path / "c" / "fit.json").read_text())
    del meta["epochs_run"]
    (tmp_path / "c" / "fit.json").write_text(json.dumps(meta))
    np.testing.assert_array_equal(nnfit.load_fit(tmp_path / "c").predict(X), fit.predict(X))


def test_no_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no fit.json"):
        nnfit.load_fit(tmp_path / "nowhere")


@pytest.mark.parametrize("case", ["n_inputs a string", "params shape", "history truncated"])
def test_report_of_a_corrupt_folder_is_one_line_exit_2(saved, case, capsys):
    name, corrupt, message = CORRUPTIONS[case]
    (saved / "manifest.json").unlink()
    corrupt(saved)
    assert cli.main(["report", str(saved)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(saved / name) in lines[0] and message in lines[0], lines


def test_corrupt_data_npz_is_refused_by_the_report(saved, capsys):
    with zipfile.ZipFile(saved / "data.npz", "a") as z:
        z.writestr("extra.npy", b"junk")
    assert cli.main(["report", str(saved)]) == 2
    assert "data.npz does not match manifest.json" in capsys.readouterr().err
    (saved / "manifest.json").unlink()
    assert cli.main(["report", str(saved)]) == 2
    assert "data.npz holds ['X', 'extra', 'y'], not X and y" in capsys.readouterr().err


# ------------------------------------------------------------------------------ nnfit report
def test_report_reads_only_the_run_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    x = np.linspace(0, 1, 30)
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{a},{a ** 3}\n" for a in x))
    assert cli.main(["fit", "--data", "d.csv", "--target", "y", "--hidden", "3", "--epochs", "5",
                     "--out", "run", "--quiet"]) == 0
    secret = tmp_path / "secret.csv"
    secret.write_text("top secret line\n1,2\n")
    config = (tmp_path / "run" / "config.toml").read_text()
    (tmp_path / "run" / "config.toml").write_text(config.replace(str(tmp_path / "d.csv"), str(secret)))
    os.unlink(tmp_path / "d.csv")  # the data is in the run folder
    (tmp_path / "run" / "report.html").unlink()
    opened = []
    watching = [True]

    def hook(event, args):
        if watching[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.append(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(hook)  # there is no removing it: it stops watching after this test
    try:
        capsys.readouterr()
        assert cli.main(["report", "run"]) == 0
    finally:
        watching[0] = False
    out, err = capsys.readouterr()
    assert "secret" not in out + err and err == ""
    outside = [p for p in opened if p.startswith(str(tmp_path))
               and not p.startswith(str(tmp_path / "run") + os.sep)]
    assert outside == [], outside
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Data and fit" in html  # drawn from the run folder's data.npz


def test_report_of_an_old_folder_without_data_warns_and_writes(saved, capsys):
    (saved / "manifest.json").unlink()
    (saved / "data.npz").unlink()
    assert cli.main(["report", str(saved)]) == 0
    err = capsys.readouterr().err
    assert "keeps no training rows (data.npz" in err and len(err.strip().splitlines()) == 1


def test_report_refuses_a_folder_whose_listed_data_was_deleted(saved, capsys):
    (saved / "data.npz").unlink()  # listed in the manifest: the folder was changed
    assert cli.main(["report", str(saved)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "data.npz is missing (listed in" in err[0], err


# ------------------------------------------------------------------------------ --out
@pytest.fixture()
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(training, "fit", refuse)
    monkeypatch.setattr(training, "fit_options", refuse)  # what nnfit fit calls
    import nnfit.sweep.executors as executors
    monkeypatch.setattr(executors, "train_group", refuse)


@pytest.mark.parametrize("command", ["fit", "sweep"])
@pytest.mark.parametrize("out, message", [
    ("afile", "--out 'afile' is a file, not a folder"),
    ("afile/run", "which is a file, not a folder"),
    ("locked/run", "cannot be written"),
])
def test_bad_out_exits_2_before_training(tmp_path, monkeypatch, capsys, no_training, command,
                                         out, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "locked").mkdir()
    if out.startswith("locked"):
        _lock(tmp_path / "locked")
    (tmp_path / "sw.toml").write_text('[data]\ndataset = "capacity"\n[train]\nepochs = 5\n'
                                      '[sweep]\ngrid = { hidden = [[2]] }\n')
    args = (["fit", "--dataset", "cubic", "--hidden", "3", "--epochs", "5"] if command == "fit"
            else ["sweep", "sw.toml"])
    try:
        assert cli.main([*args, "--out", out, "--quiet"]) == 2
    finally:
        _unlock(tmp_path / "locked")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert sorted(os.listdir(tmp_path)) == ["afile", "locked", "sw.toml"]
    assert os.listdir(tmp_path / "locked") == []


def test_fit_refuses_an_out_folder_of_other_files(tmp_path, monkeypatch, capsys, no_training):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("years of work")
    assert cli.main(["fit", "--dataset", "cubic", "--out", "docs", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "already holds other files ('thesis.tex')" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "years of work"


def _lock(path):
    """A folder no one can write into, root included (chattr +i), or chmod for other users."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("root, and no chattr +i here: every folder is writable")
    else:
        os.chmod(path, 0o555)


def _unlock(path):
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        os.chmod(path, 0o755)
