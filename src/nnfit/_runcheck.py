"""Checking what a load reads from a saved folder, before anything is built from it.

A saved fit and a run folder (:mod:`nnfit._runfolder` writes them) are read back file by file:
each against ``manifest.json`` (every file's size and SHA-256, when there is one: folders
written before it are still read), then its contents against what the network needs (the keys
and types of ``fit.json``, the shapes of ``params.npz``, the members and epochs of
``history.csv``). Whatever is wrong raises :class:`~nnfit.errors.RunFolderError` naming the
file, what is wrong and the fix, never a traceback from deep inside NumPy or pandas.
"""

from __future__ import annotations

import hashlib
import io
import json
import os

import numpy as np

from .errors import RunFolderError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
REWRITE = "re-run nnfit fit (or Fit.save) to write it again"


def _describe(path, fsync=False):
    """``{"size": bytes, "sha256": hex}`` of a file (flushed to disk first with ``fsync``).

    What the manifest lists for a file: the writer (:mod:`nnfit._runfolder`) and :func:`verify`
    share this one definition, so the two cannot drift apart.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        if fsync:
            os.fsync(f.fileno())
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
        size = f.tell()
    return {"size": size, "sha256": digest.hexdigest()}


def verify(folder, names):
    """Check files of ``folder`` against its manifest; return the manifest (None if none).

    Parameters
    ----------
    folder : str
    names : iterable of str or None
        The files to check (those about to be read); None checks every listed file.
    """
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        return None
    manifest = read_json(path)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if (manifest.get("format") if isinstance(manifest, dict) else None) != MANIFEST_FORMAT or \
            not isinstance(files, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("size"), int)
                and isinstance(v.get("sha256"), str) for v in files.values()):
        raise RunFolderError(f"{path}: not a manifest this nnfit writes (format "
                             f"{MANIFEST_FORMAT}: files with size and sha256); {REWRITE}")
    for name in files if names is None else names:
        file = os.path.join(folder, name)
        if name not in files:
            if os.path.exists(file):
                raise RunFolderError(f"{file}: not listed in {path}: it was added after nnfit "
                                     f"saved the folder; {REWRITE}")
            continue
        if not os.path.isfile(file):
            raise RunFolderError(f"{file} is missing (listed in {path}): the folder was changed "
                                 f"after nnfit saved it; {REWRITE}")
        actual = _describe(file)
        if actual != files[name]:
            what = "size" if actual["size"] != files[name]["size"] else "SHA-256"
            raise RunFolderError(
                f"{file} does not match {MANIFEST} ({what} differs: {actual['size']} bytes, "
                f"{files[name]['size']} saved): it was changed or replaced after nnfit saved the "
                f"folder; {REWRITE}")
    return manifest


def read_json(path):
    """A JSON object from ``path``; RunFolderError naming the file when it is not one."""
    try:
        with open(path, "rb") as f:
            value = json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RunFolderError(f"{path} is not valid JSON ({_reason(err)}): the file is damaged or "
                             f"was not written by nnfit; {REWRITE}") from None
    except IsADirectoryError:
        raise RunFolderError(f"{path} is a folder, not a file; the folder was not written by "
                             "nnfit") from None
    if not isinstance(value, dict):
        raise RunFolderError(f"{path} holds a JSON {type(value).__name__}, not an object; the file "
                             f"was not written by nnfit; {REWRITE}")
    return value


def _reason(err):
    return str(err).split("\n")[0][:120]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_versioned_json(path, version, missing):
    """Read a folder's JSON metadata, checking its ``format`` number.

    Parameters
    ----------
    path : str
        The JSON file.
    version : int
        The format this nnfit writes and reads.
    missing : str
        The message when the file is absent (it names the folder and the fix).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    RunFolderError
        The file is not a JSON object, or of another format.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(missing)
    meta = read_json(path)
    if meta.get("format") != version:
        raise RunFolderError(f"{path}: format {meta.get('format')!r} is not {version}, the one "
                             f"this nnfit reads (written by another version, or not by nnfit); "
                             f"{REWRITE}")
    return meta


def check_meta(meta, path):
    """Check the fields of a fit.json (as :meth:`Fit.save` writes them); raise naming the key."""
    def bad(key, what):
        shown = repr(meta.get(key))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return RunFolderError(f"{path}: {key!r} is {shown}, not {what}; the file was changed or "
                              f"not written by nnfit; {REWRITE}")

    required = ("spec", "n_inputs", "n_outputs", "n_adapted", "config", "task", "classes",
                "y_shape", "feature_names", "dtype", "stop_reasons", "best_epoch", "timings")
    missing = [k for k in required if k not in meta]
    if missing:
        raise RunFolderError(f"{path} has no {', '.join(map(repr, missing))}: the file is not a "
                             f"complete fit.json of this nnfit; {REWRITE}")
    if not isinstance(meta["spec"], dict):
        raise bad("spec", "a table of the network's options")
    for key, low in (("n_inputs", 1), ("n_outputs", 1), ("n_adapted", 0)):
        if not _is_int(meta[key]) or meta[key] < low:
            raise bad(key, f"an integer >= {low}")
    if meta["config"] is not None and not isinstance(meta["config"], dict):
        raise bad("config", "a table of options")
    if meta["task"] not in ("regression", "classification"):
        raise bad("task", "'regression' or 'classification'")
    classes = meta["classes"]
    if meta["task"] == "classification":
        if not isinstance(classes, list) or len(classes) < 2 or not all(
                isinstance(c, (str, int, float)) for c in classes):
            raise bad("classes", "a list of at least 2 class labels")
        if len(classes) != (2 if meta["n_outputs"] == 1 else meta["n_outputs"]):
            raise bad("classes", f"a list of {max(2, meta['n_outputs'])} labels (the network has "
                                 f"{meta['n_outputs']} output(s))")
    elif classes is not None:
        raise bad("classes", "null for a regression")
    y_shape = meta["y_shape"]
    if not isinstance(y_shape, list) or len(y_shape) > 1 or not all(
            _is_int(s) and s >= 1 for s in y_shape):
        raise bad("y_shape", "[] or [n_outputs]")
    if meta["task"] == "regression" and y_shape and y_shape[0] != meta["n_outputs"]:
        raise bad("y_shape", f"[] or [{meta['n_outputs']}] (the network's outputs)")
    names = meta["feature_names"]
    if names is not None and (not isinstance(names, list) or len(names) != meta["n_inputs"]
                              or not all(isinstance(n, str) for n in names)):
        raise bad("feature_names", f"null or a list of {meta['n_inputs']} names")
    if meta["dtype"] not in ("float32", "float64"):
        raise bad("dtype", "'float32' or 'float64'")
    if not isinstance(meta["stop_reasons"], list) or not all(
            isinstance(r, str) for r in meta["stop_reasons"]):
        raise bad("stop_reasons", "a list of strings")
    best = meta["best_epoch"]
    if best is not None and (not isinstance(best, list) or not all(_is_int(b) for b in best)):
        raise bad("best_epoch", "null or a list of integers")
    if not isinstance(meta["timings"], dict) or not all(
            v is None or _is_number(v) for v in meta["timings"].values()):
        raise bad("timings", "a table of seconds")
    info = meta.get("solver_info")
    if info is not None and (not isinstance(info, list) or not all(isinstance(i, dict) for i in info)):
        raise bad("solver_info", "null or a list of tables")
    epochs = meta.get("epochs_run")
    if epochs is not None and (not isinstance(epochs, list) or not all(
            _is_int(e) and e >= 0 for e in epochs)):
        raise bad("epochs_run", "a list of integers >= 0")


def check_members(meta, path, n_members):
    """The per-member lists of fit.json have one entry per member of params.npz."""
    for key in ("stop_reasons", "best_epoch", "solver_info", "epochs_run"):
        value = meta.get(key)
        if value is not None and not (key == "stop_reasons" and value == []) \
                and len(value) != n_members:
            raise RunFolderError(f"{path}: {key!r} has {len(value)} entries but params.npz holds "
                                 f"{n_members} member(s); the files are of different saves; "
                                 f"{REWRITE}")


def read_npz(path, what):
    """The arrays of the ``.npz`` archive ``path`` (no pickles), as a dict.

    Raises RunFolderError naming the file and ``what`` it should hold when it cannot be read.
    """
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an .npz archive")
        with loaded as npz:
            return {key: npz[key] for key in npz.files}
    except Exception as err:  # BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError
        raise RunFolderError(f"{path} cannot be read as {what} ({type(err).__name__}: "
                             f"{_reason(err)}): the file is damaged or was not written by nnfit; "
                             f"{REWRITE}") from None


def read_params(path, layer_sizes, normalize):
    """params.npz checked against the network: ``(member_params, mean, var, input_stats)``.

    Every ``W{i}`` is (n_members, n_in, n_out) and ``b{i}`` (n_members, n_out) of the layer
    sizes, every member axis the same length, the arrays floating point.
    """
    n_layers = len(layer_sizes) - 1
    n_in = layer_sizes[0]
    expected = {f"W{i}": (layer_sizes[i], layer_sizes[i + 1]) for i in range(n_layers)}
    expected.update({f"b{i}": (layer_sizes[i + 1],) for i in range(n_layers)})
    optional = {"mean": (n_in,), "var": (n_in,), "input_min": (n_in,), "input_max": (n_in,),
                "input_mean": (n_in,), "input_cov": (n_in, n_in)}
    if not os.path.isfile(path):
        raise RunFolderError(f"{path} is missing; the folder holds no complete saved fit; {REWRITE}")
    arrays = read_npz(path, "nnfit's parameters")
    unknown = sorted(set(arrays) - set(expected) - set(optional))
    if unknown:
        raise RunFolderError(f"{path} holds arrays {unknown} that a network of layer sizes "
                             f"{tuple(layer_sizes)} (fit.json) does not have; the files are of "
                             f"different saves or not nnfit's; {REWRITE}")
    missing = [k for k in expected if k not in arrays]
    if missing:
        raise RunFolderError(f"{path} has no {', '.join(missing)} for the network of layer sizes "
                             f"{tuple(layer_sizes)} in fit.json; the files are of different saves; "
                             f"{REWRITE}")
    n_members = None
    for key, shape in expected.items():
        a = arrays[key]
        if not np.issubdtype(a.dtype, np.floating):
            raise RunFolderError(f"{path}: {key} holds {a.dtype} values, not floating point; "
                                 f"{REWRITE}")
        if a.ndim != len(shape) + 1 or a.shape[1:] != shape or a.shape[0] < 1:
            raise RunFolderError(
                f"{path}: {key} has shape {a.shape}, but layer sizes {tuple(layer_sizes)} in "
                f"fit.json need (n_members, {', '.join(map(str, shape))}); the files are of "
                f"different saves; {REWRITE}")
        if n_members is None:
            n_members = a.shape[0]
        elif a.shape[0] != n_members:
            raise RunFolderError(f"{path}: {key} has {a.shape[0]} members but W0 has {n_members}; "
                                 f"every array needs the same member axis; {REWRITE}")
    for key, shape in optional.items():
        if key in arrays and (arrays[key].shape != shape
                              or not np.issubdtype(arrays[key].dtype, np.floating)):
            raise RunFolderError(f"{path}: {key} has shape {arrays[key].shape} "
                                 f"({arrays[key].dtype}), not {shape} floats; {REWRITE}")
    if ("mean" in arrays) != ("var" in arrays) or ("mean" in arrays) != bool(normalize):
        raise RunFolderError(
            f"{path}: the network {'normalises' if normalize else 'does not normalise'} its "
            f"inputs (fit.json) but the file {'lacks' if normalize else 'holds'} mean and var; "
            f"{REWRITE}")
    params = [(arrays[f"W{i}"], arrays[f"b{i}"]) for i in range(n_layers)]
    stats = {k[len("input_"):]: arrays[k] for k in optional if k.startswith("input_") and k in arrays}
    return params, arrays.get("mean"), arrays.get("var"), stats or None


def read_history(path, n_members, epochs_run=None):
    """history.csv checked: member and epoch columns, numbers, epochs 1..k of each member."""
    import pandas as pd

    if not os.path.isfile(path):
        raise RunFolderError(f"{path} is missing; the folder holds no complete saved fit; {REWRITE}")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RunFolderError(f"{path} is not text (not UTF-8): the file is damaged or was not "
                             f"written by nnfit; {REWRITE}") from None
    if not text.strip():  # a run stopped before its first epoch
        frame = pd.DataFrame(columns=["member", "epoch"])
    else:
        if not text.endswith("\n"):
            raise RunFolderError(f"{path} ends in the middle of a line: the file is truncated; "
                                 f"{REWRITE}")
        try:
            frame = pd.read_csv(io.StringIO(text))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
            raise RunFolderError(f"{path} cannot be read as a table ({_reason(err)}); "
                                 f"{REWRITE}") from None
    for column in ("member", "epoch"):
        if column not in frame.columns:
            raise RunFolderError(f"{path} has no {column!r} column (columns: "
                                 f"{list(map(str, frame.columns))[:8]}); the file was not written "
                                 f"by nnfit; {REWRITE}")
    for column in frame.columns:
        if len(frame) and not pd.api.types.is_numeric_dtype(frame[column]):
            raise RunFolderError(f"{path}: column {column!r} holds values that are not numbers; "
                                 f"{REWRITE}")
    if frame.empty:
        counts = np.zeros(n_members, dtype=int)
    else:
        member, epoch = frame["member"].to_numpy(), frame["epoch"].to_numpy()
        if not (np.all(np.isfinite(member)) and np.all(np.isfinite(epoch))
                and np.all(member == np.round(member)) and np.all(epoch == np.round(epoch))):
            raise RunFolderError(f"{path}: the member and epoch columns must hold whole numbers "
                                 f"in every row (a row is incomplete); {REWRITE}")
        member, epoch = member.astype(np.int64), epoch.astype(np.int64)
        if member.min() < 0 or member.max() >= n_members:
            raise RunFolderError(f"{path}: members {member.min()}..{member.max()}, but params.npz "
                                 f"holds {n_members} member(s); the files are of different saves; "
                                 f"{REWRITE}")
        counts = np.bincount(member, minlength=n_members)
        for m in range(n_members):
            if not np.array_equal(epoch[member == m], np.arange(1, counts[m] + 1)):
                raise RunFolderError(f"{path}: member {m}'s epochs are not 1, 2, ... in order "
                                     f"(rows missing or repeated); {REWRITE}")
        frame = frame.assign(member=member, epoch=epoch)
    if epochs_run is not None and list(counts) != list(epochs_run):
        raise RunFolderError(f"{path} holds {list(map(int, counts))} epochs per member but "
                             f"fit.json says {list(epochs_run)}: the file is truncated or of "
                             f"another save; {REWRITE}")
    return frame


def read_table_spec(meta, path):
    """The fit.json's ``table`` (how raw rows become inputs) as a TableSpec, or None."""
    from .errors import InvalidOptionError
    from .tabular import TableSpec

    values = meta.get("table")
    if values is None:
        return None
    if not isinstance(values, dict):
        raise RunFolderError(f"{path}: 'table' is not a table of column rules; {REWRITE}")
    try:
        spec = TableSpec.from_dict(values)
    except InvalidOptionError as err:
        raise RunFolderError(f"{path}: 'table' is {err}; {REWRITE}") from None
    if len(spec.input_names) != meta["n_inputs"]:
        raise RunFolderError(f"{path}: 'table' gives {len(spec.input_names)} inputs but the "
                             f"network takes {meta['n_inputs']}; {REWRITE}")
    if spec.task != meta["task"] or (spec.labels is not None
                                     and list(spec.labels) != meta["classes"]):
        raise RunFolderError(f"{path}: 'table' disagrees with the task or classes; {REWRITE}")
    return spec


def string_list(meta, key, path):
    """An optional list of strings of fit.json (``notes``, ``data_warnings``)."""
    values = meta.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RunFolderError(f"{path}: {key!r} is not a list of strings; {REWRITE}")
    return values


def scores(meta, path):
    """fit.json's ``scores``: None, or a table of tables (split -> name -> value)."""
    values = meta.get("scores")
    if values is not None and not isinstance(values, dict):
        raise RunFolderError(f"{path}: 'scores' is not a table; {REWRITE}")
    return values
