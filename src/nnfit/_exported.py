"""Traced programs kept on disk, so that a new process skips tracing them.

JAX's persistent compilation cache (:mod:`nnfit._programs`) spares a new process XLA's
compilation, but not tracing the program and lowering it to StableHLO, which JAX needs to find
the cache entry: 0.3-0.8 s for a training program, ~30 s of a warm ``nnfit demo``. Where that
cache is on, each program is also exported (:mod:`jax.export`: its StableHLO, serialized) under
a key of everything that shapes it, and a later process deserializes it instead of tracing,
then compiles it (from the persistent cache).

The key holds the program's name and function, the static configuration, the arguments' tree,
shapes and dtypes, the donated arguments, the JAX settings that change tracing, the versions
of jax and jaxlib and a hash of nnfit's own source files, so an edit of nnfit, a new JAX or
another setting never meets an old program. A static configuration is only keyed when it is
made of plain values: the ``repr`` of a callable (a user's schedule function) holds an
address, which says nothing of what it computes, so such programs are traced as before.

Each version of nnfit's source and of JAX keeps its programs in a folder of its own
(:func:`version_folder`), a few megabytes for the five demos; the first program a new version
keeps removes the folders of all but the :data:`KEEP_VERSIONS` most recently used
(:func:`prune`), so that editing nnfit or upgrading it does not grow the cache without end.

A kept file is plain data: a JSON line (the function's name and its outputs' tree structure,
described by :func:`describe_tree`) and the bytes of ``Exported.serialize()``. Nothing in it is
executed or imported when read; a tree that cannot be described so is not kept.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile

import jax

FOLDER = "nnfit-exported"
# the versions (of nnfit's source and JAX) whose kept programs stay on disk: the most recently
# used ones, so that switching between a few checkouts or environments keeps theirs
KEEP_VERSIONS = 8
# the jax.config settings that change what a traced program computes
SETTINGS = ("jax_enable_x64", "jax_default_matmul_precision", "jax_numpy_rank_promotion",
            "jax_numpy_dtype_promotion", "jax_default_prng_impl", "jax_threefry_partitionable")


@functools.lru_cache(maxsize=1)
def source_hash():
    """A hash of every Python file of the nnfit package (read once a process)."""
    root = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as f:
                    digest.update(f.read())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def version_tag():
    """A short name of this version of nnfit's source, jax and jaxlib."""
    import jaxlib

    text = repr((jax.__version__, jaxlib.__version__, source_hash()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def version_folder(folder):
    """Where this version keeps its programs in the cache ``folder``."""
    return os.path.join(folder, FOLDER, version_tag())


# version folders whose use this process has recorded (their modification time, once)
_USED = set()


def _mark_used(where):
    if where not in _USED:
        _USED.add(where)
        try:
            os.utime(where)
        except OSError:
            pass


def prune(folder, keep=KEEP_VERSIONS):
    """Remove the kept programs of all but the ``keep`` most recently used versions in the
    cache ``folder`` (by their folders' modification times), and the files that nnfit releases
    before version folders kept at the top. A process of a removed version still running
    traces its programs again and keeps them anew."""
    top = os.path.join(folder, FOLDER)
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    versions = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                versions.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
            elif entry.name.endswith((".bin", ".tmp")):
                os.unlink(entry.path)
        except OSError:  # removed meanwhile by another process
            pass
    for _, path in sorted(versions, reverse=True)[keep:]:
        shutil.rmtree(path, ignore_errors=True)


def plain(value):
    """Whether ``repr(value)`` says all of it: None, numbers, strings, enums, and tuples,
    lists, dicts and dataclasses of those."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, enum.Enum)):
        return True
    if isinstance(value, (tuple, list, frozenset)):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(plain(k) and plain(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def key(name, fn, static, tree, avals, donate):
    """The file name of a program's export, or None when ``static`` is not :func:`plain`."""
    if not plain(static):
        return None
    import jaxlib

    settings = tuple(getattr(jax.config, s, None) for s in SETTINGS)
    text = repr((name, fn.__module__, fn.__qualname__, static, str(tree), avals, donate,
                 settings, jax.default_backend(), jax.__version__, jaxlib.__version__,
                 source_hash()))
    return hashlib.sha256(text.encode()).hexdigest() + ".bin"


def _flat(fn, static, tree):
    """``fn(static, *args)`` as a function of the arguments' leaves returning its outputs'
    leaves (what :mod:`jax.export` serializes without knowing nnfit's types); the outputs'
    tree is appended to the returned list when traced."""
    out_trees = []

    def flat(*leaves):
        leaves_out, out_tree = jax.tree.flatten(fn(static, *jax.tree.unflatten(tree, leaves)))
        out_trees.append(out_tree)
        return leaves_out

    return flat, out_trees


def _flat_donate(args, donate):
    """The leaf positions of the arguments at ``donate``."""
    positions, at = [], 0
    for i, a in enumerate(args):
        n = len(jax.tree.leaves(a))
        if i in donate:
            positions.extend(range(at, at + n))
        at += n
    return tuple(positions)


def describe_tree(tree):
    """A JSON-able description of the tree structure ``tree``: None for a leaf, else
    ``[module, qualified name of the node's type, repr of its auxiliary data, [children]]``.

    Raises TypeError where :func:`build_tree` could not rebuild the same structure (a node
    type that is not a module's attribute, auxiliary data whose ``repr`` is not a literal: the
    equinox modules of optimistix's solver states).
    """
    description = _describe(tree)
    try:
        same = build_tree(description) == tree
    except (KeyError, AttributeError, TypeError, ValueError):
        same = False
    if not same:
        raise TypeError(f"{tree} does not rebuild from its description")
    return description


def _describe(tree):
    data = tree.node_data()
    if data is None:
        return None
    kind, aux = data
    text = repr(aux)
    try:
        same = ast.literal_eval(text) == aux
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise TypeError(f"{kind.__qualname__}'s auxiliary data is not a literal")
    return [kind.__module__, kind.__qualname__, text, [_describe(c) for c in tree.children()]]


def build_tree(description):
    """The tree structure :func:`describe_tree` described; node types are looked up in
    modules already imported (nothing is imported or run). Raises on anything unknown."""
    if description is None:
        return jax.tree.structure(0)
    module, qualname, aux, children = description
    if (module, qualname) == ("builtins", "NoneType"):
        return jax.tree.structure(None)
    kind = sys.modules[module]
    for part in qualname.split("."):
        kind = getattr(kind, part)
    return jax.tree_util.PyTreeDef.from_node_data_and_children(
        jax.tree_util.default_registry, (kind, ast.literal_eval(aux)),
        [build_tree(child) for child in children])


def _compile(exported, out_tree, leaves, donate, title):
    def call(*args):
        return exported.call(*args)

    # named as the traced function was (JAX names its cache entries "jit_<name>-...")
    call.__name__ = call.__qualname__ = title
    compiled = jax.jit(call, donate_argnums=donate).lower(*leaves).compile()

    def program(*args):
        return jax.tree.unflatten(out_tree, compiled(*jax.tree.leaves(args)))

    return program


def load(folder, name, args, donate):
    """The program exported as ``name`` in ``folder``, compiled for ``args``; None if absent
    or unreadable."""
    from jax import export

    where = version_folder(folder)
    try:
        with open(os.path.join(where, name), "rb") as f:
            header, blob = f.read().split(b"\n", 1)
        header = json.loads(header)
        out_tree, title = build_tree(header["out_tree"]), header["title"]
        exported = export.deserialize(bytearray(blob))
    except Exception:  # absent, partly written by a killed process, or from another version
        return None
    _mark_used(where)
    return _compile(exported, out_tree, jax.tree.leaves(args), _flat_donate(args, donate),
                    title)


def save(folder, name, fn, static, args, donate):
    """Trace ``fn(static, *args)`` once, keep its export as ``name`` in ``folder`` (atomically;
    a folder that cannot be written is skipped) and return it compiled."""
    from jax import export

    leaves, tree = jax.tree.flatten(args)
    flat, out_trees = _flat(fn, static, tree)
    positions = _flat_donate(args, donate)
    exported = export.export(jax.jit(flat, donate_argnums=positions))(*leaves)
    try:
        header = json.dumps({"title": fn.__name__, "out_tree": describe_tree(out_trees[0])})
        payload = header.encode() + b"\n" + bytes(exported.serialize())
        where = version_folder(folder)
        if not os.path.isdir(where):  # a new version: make room for it
            os.makedirs(where, exist_ok=True)
            prune(folder)
        _mark_used(where)
        fd, tmp = tempfile.mkstemp(dir=where, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, os.path.join(where, name))
        except OSError:
            os.unlink(tmp)
    except Exception:  # not serializable, or a folder that cannot be written: not kept
        pass
    return _compile(exported, out_trees[0], leaves, positions, fn.__name__)
