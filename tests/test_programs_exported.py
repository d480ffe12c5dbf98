"""Traced programs kept on disk (nnfit._exported): a program read back computes exactly what
the traced one does, and only programs whose key says all of them are kept."""

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import optax
import nnfit
from nnfit import _exported, _programs

X = np.linspace(-1, 1, 60)[:, None]
Y = np.sin(3 * X[:, 0])


def _fit(**options):
    return nnfit.fit(nnfit.MLP(hidden=(6, 4), activation="tanh"), X, Y, epochs=30,
                     batch_size=16, validation_split=0.2, n_members=2, seed=5, **options)


def _fresh_programs(monkeypatch, folder):
    """An empty in-process cache, programs kept in ``folder`` (None: traced every time)."""
    monkeypatch.setattr(_programs, "PROGRAMS", _programs.ProgramCache())
    monkeypatch.setattr(_programs, "EXPORT_FOLDER", None if folder is None else str(folder))
    jax.clear_caches()


def _same(a, b):
    assert a.history.equals(b.history)
    for m in range(a.n_members):
        for p, q in zip(jax.tree.leaves(a.member_params(m)), jax.tree.leaves(b.member_params(m))):
            np.testing.assert_array_equal(p, q)


def _never_trace(*args, **kwargs):
    raise AssertionError("the program was traced again instead of read back")


def test_a_program_read_back_trains_exactly_as_the_traced_one(tmp_path, monkeypatch):
    _fresh_programs(monkeypatch, None)
    traced = _fit()
    _fresh_programs(monkeypatch, tmp_path)
    kept = _fit()
    files = os.listdir(_exported.version_folder(tmp_path))
    assert len(files) == 2, files  # the initialisation and the training program
    _fresh_programs(monkeypatch, tmp_path)
    monkeypatch.setattr(_exported, "save", _never_trace)
    read_back = _fit()
    _same(traced, kept)
    _same(traced, read_back)


def test_a_damaged_file_is_traced_again_and_replaced(tmp_path, monkeypatch):
    _fresh_programs(monkeypatch, tmp_path)
    first = _fit()
    folder = Path(_exported.version_folder(tmp_path))
    for name in os.listdir(folder):
        (folder / name).write_bytes(b"not a program")
    _fresh_programs(monkeypatch, tmp_path)
    again = _fit()
    _same(first, again)
    _fresh_programs(monkeypatch, tmp_path)
    monkeypatch.setattr(_exported, "save", _never_trace)
    _same(first, _fit())  # the replaced files read back


def test_a_program_shaped_by_a_callable_is_never_kept(tmp_path, monkeypatch):
    # a function's repr holds its address, not what it computes: no key can stand for it
    _fresh_programs(monkeypatch, tmp_path)
    schedule = optax.exponential_decay(0.01, transition_steps=10, decay_rate=0.5)
    fit = _fit(learning_rate=schedule)
    assert np.isfinite(fit.history["loss"]).all()
    folder = Path(_exported.version_folder(tmp_path))
    kept = os.listdir(folder) if folder.exists() else []
    assert kept == []  # both programs' static configuration holds the schedule


def test_least_squares_programs_whose_state_is_not_plain_data_are_traced(tmp_path, monkeypatch):
    # optimistix's solver state is an equinox module, whose tree structure holds functions and
    # objects no literal describes: those programs are traced every time, and give the same fit
    _fresh_programs(monkeypatch, tmp_path)
    options = dict(optimizer="lm", epochs=300, n_members=2, seed=1)
    model = nnfit.MLP(hidden=(3,), activation="tanh")
    first = nnfit.fit(model, X, Y, **options)
    _fresh_programs(monkeypatch, tmp_path)
    again = nnfit.fit(model, X, Y, **options)
    _same(first, again)
    assert first.history["loss"].iloc[-1] < 0.5 * first.history["loss"].iloc[0]
    folder = Path(_exported.version_folder(tmp_path))
    assert not folder.exists() or os.listdir(folder) == []


def test_the_key_holds_everything_that_shapes_a_program(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Config:
        width: int
        activation: str = "tanh"

    def key(static=Config(4), shapes=(((60, 1), "float32"),), donate=()):
        tree = jax.tree.structure((0, 0))
        return _exported.key("chunk", _fit, static, tree, shapes, donate)

    base = key()
    assert base == key() and base.endswith(".bin")
    assert len({base, key(Config(5)), key(Config(4, "relu")), key(shapes=(((61, 1), "float32"),)),
                key(donate=(0,))}) == 5
    monkeypatch.setattr(_exported, "source_hash", lambda: "an edited nnfit")
    assert key() != base
    assert _exported.key("chunk", _fit, Config(lambda x: x), jax.tree.structure(0), (), ()) is None


def test_a_tree_structure_is_described_as_plain_data_and_rebuilt():
    import collections
    import json

    state = optax.adam(1e-3).init({"a": np.zeros(3), "b": (np.zeros(2), None)})
    tree = jax.tree.structure((state, {"x": 1, "z": [2, 3]}, None,
                               collections.OrderedDict(b=1, a=2), ()))
    text = json.dumps(_exported.describe_tree(tree))
    assert "ScaleByAdamState" in text
    assert _exported.build_tree(json.loads(text)) == tree
    assert _exported.build_tree(_exported.describe_tree(jax.tree.structure(7))) == \
        jax.tree.structure(0)


def test_a_tree_no_literal_describes_is_refused():
    @jax.tree_util.register_static
    class Opaque:  # no repr that reads back: equinox modules are such nodes
        pass

    tree = jax.tree.structure(({"a": 1}, Opaque()))
    try:
        _exported.describe_tree(tree)
    except TypeError as error:
        assert "Opaque" in str(error)
    else:
        raise AssertionError("an opaque node was described")
    # a description naming a type no loaded module holds rebuilds nothing
    try:
        _exported.build_tree(["no_such_module_here", "Thing", "None", []])
    except KeyError:
        pass
    else:
        raise AssertionError("an unknown module was accepted")


def test_plain_values():
    assert _exported.plain((1, 2.5, "a", None, True, (("x", 1),), {"k": (1, 2)}))
    assert not _exported.plain((1, print))
    assert not _exported.plain({"k": object()})


def test_a_new_process_reads_the_programs_back(tmp_path):
    code = ("import numpy as np, nnfit\n"
            "from nnfit import _exported\n"
            "calls = []\n"
            "save = _exported.save\n"
            "_exported.save = lambda *a, **k: calls.append(1) or save(*a, **k)\n"
            "X = np.linspace(0, 1, 30)[:, None]\n"
            "fit = nnfit.fit(nnfit.MLP(hidden=(4,)), X, X[:, 0] ** 2, epochs=20, seed=3)\n"
            "print(len(calls), repr(float(fit.history.loss.iloc[-1])))\n")
    env = {**os.environ, "NNFIT_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-2000:] for r in runs]
    (traced, loss), (again, loss_again) = (r.stdout.split() for r in runs)
    assert (traced, again) == ("2", "0") and loss == loss_again


def test_a_folder_that_cannot_be_written_only_costs_the_keeping(tmp_path, monkeypatch):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    _fresh_programs(monkeypatch, None)
    traced = _fit()
    _fresh_programs(monkeypatch, blocked)
    _same(traced, _fit())
    assert blocked.read_text() == ""


def _version(top, name, age_s, files=1):
    """A version folder ``name`` in the kept-programs folder ``top``, last used ``age_s`` ago."""
    folder = top / name
    folder.mkdir(parents=True)
    for i in range(files):
        (folder / f"{i}.bin").write_bytes(b"x")
    when = time.time() - age_s
    os.utime(folder, (when, when))
    return folder


def test_a_new_version_keeps_the_most_recently_used_versions_only(tmp_path, monkeypatch):
    top = tmp_path / _exported.FOLDER
    old = [_version(top, f"old{i}", age_s=1000 * (i + 1)) for i in range(_exported.KEEP_VERSIONS)]
    (top / "legacy.bin").write_bytes(b"a program of the flat layout before version folders")
    (top / "dead.tmp").write_bytes(b"left by a killed process")
    monkeypatch.setattr(_exported, "_USED", set())
    _fresh_programs(monkeypatch, tmp_path)
    _fit()
    current = Path(_exported.version_folder(tmp_path))
    kept = sorted(p.name for p in top.iterdir())
    # the new version and the KEEP_VERSIONS - 1 most recent old ones; the oldest and the
    # files outside any version folder are gone
    assert kept == sorted([current.name] + [p.name for p in old[:-1]]), kept
    assert len(os.listdir(current)) == 2
    _fresh_programs(monkeypatch, tmp_path)
    monkeypatch.setattr(_exported, "save", _never_trace)
    _fit()  # what the new version kept reads back


def test_reading_a_program_marks_its_version_used(tmp_path, monkeypatch):
    _fresh_programs(monkeypatch, tmp_path)
    _fit()
    current = Path(_exported.version_folder(tmp_path))
    os.utime(current, (1, 1))  # as if last used long ago
    monkeypatch.setattr(_exported, "_USED", set())
    _fresh_programs(monkeypatch, tmp_path)
    monkeypatch.setattr(_exported, "save", _never_trace)
    _fit()
    assert time.time() - current.stat().st_mtime < 600
    # another version's first program now removes the older ones, never this one
    top = tmp_path / _exported.FOLDER
    for i in range(_exported.KEEP_VERSIONS):
        _version(top, f"older{i}", age_s=3600 * (i + 1))
    _exported.prune(str(tmp_path))
    assert current.exists() and not (top / f"older{_exported.KEEP_VERSIONS - 1}").exists()
    assert len(list(top.iterdir())) == _exported.KEEP_VERSIONS
