"""Compiled training programs: kept in-process, least recently used dropped, and on disk.

A program is compiled once per static configuration, argument shapes and dtype mode and kept
by a :class:`ProgramCache` (the process's one is :data:`PROGRAMS`), so hundreds of fits of one
shape (a grid search) compile once.

JAX's persistent compilation cache lets a new process skip compilation as well, and in the
folder of a cache that nnfit turned on, nnfit keeps each traced program too
(:mod:`nnfit._exported`), so that a new process skips tracing: a small fit in a new process
took 1.0 s instead of 2.2 s (``benchmarks/bench_demo_parts.py --demos fit``). The cache is
configured through JAX's process-wide settings, which a library must not change behind its
user's back. So nnfit turns it on only when asked: by the command line (an application that
owns its process), by ``NNFIT_CACHE_DIR=FOLDER`` in the environment, or by calling
:func:`enable_compilation_cache` (``nnfit.enable_compilation_cache``) -- and never when the
user configured a cache folder of their own.
"""

from __future__ import annotations

import os
import time

import jax

DEFAULT_FOLDER = os.path.join("~", ".cache", "nnfit", "jax")


# The folder of the persistent cache that nnfit turned on, where traced programs are kept as
# well (nnfit._exported); None: every program is traced (a cache the user configured is left
# to JAX alone).
EXPORT_FOLDER = None


def enable_compilation_cache(folder=None):
    """Turn on JAX's persistent compilation cache in ``folder``, unless one is configured.

    Parameters
    ----------
    folder : str, optional
        Default ``$NNFIT_CACHE_DIR`` or ``~/.cache/nnfit/jax``; ``off`` leaves JAX as it is.

    Returns
    -------
    str or None
        The folder in use, or None when the cache was left off.
    """
    folder = folder or os.environ.get("NNFIT_CACHE_DIR") or os.path.expanduser(DEFAULT_FOLDER)
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    if folder.lower() in ("off", "none", "0"):
        return None
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:  # read-only home: run without the cache rather than fail
        return None
    jax.config.update("jax_compilation_cache_dir", folder)
    global EXPORT_FOLDER
    EXPORT_FOLDER = folder  # nnfit's own cache: its traced programs are kept there too
    # tiny programs compile in well under a second, and those are the ones nnfit runs most
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def cache_from_environment():
    """Turn the persistent cache on when ``NNFIT_CACHE_DIR`` names a folder (an opt-in)."""
    folder = os.environ.get("NNFIT_CACHE_DIR", "")
    if folder and folder.lower() not in ("off", "none", "0") and not jax.config.jax_compilation_cache_dir:
        enable_compilation_cache(folder)


class ProgramCache:
    """Compiled programs by key, the least recently used dropped past ``max_programs``.

    Every compiled XLA CPU program holds memory mappings of its own, and a process may have
    only vm.max_map_count of them (65530 by default): a long sweep or the test suite keeping
    every program crashed inside XLA. The least recently used programs beyond this many are
    dropped (JAX's persistent cache, when on, brings one back quickly).

    Attributes
    ----------
    compiles : dict
        How many programs of each name were compiled (tests use it to prove reuse).
    """

    def __init__(self, max_programs=256):
        self.max_programs = max_programs
        self.programs = {}  # key -> compiled program, least recently used first
        self.compiles = {}

    def __len__(self):
        return len(self.programs)

    def clear(self):
        """Drop every program (their memory mappings go with them)."""
        self.programs.clear()

    def compiled(self, name, fn, static, *args, donate=()):
        """Compile ``fn(static, *args)`` once per static config, argument shapes and dtype mode.

        ``donate``: positions in ``args`` whose buffers the program may reuse for its outputs
        (``jax.jit``'s ``donate_argnums``); the caller must not read those arguments again.

        Returns
        -------
        program : compiled callable of ``*args``
        seconds : float
            The time spent compiling (0.0 when the program was cached).
        """
        leaves, tree = jax.tree.flatten(args)
        key = (name, static, tree, tuple((a.shape, a.dtype) for a in leaves),
               jax.config.jax_enable_x64, jax.default_backend(), tuple(donate))
        seconds = 0.0
        program = self.programs.pop(key, None)
        if program is None:
            start = time.perf_counter()
            program = _compile(name, fn, static, args, tree, key[3], donate)
            seconds = time.perf_counter() - start
            self.compiles[name] = self.compiles.get(name, 0) + 1
            while len(self.programs) >= self.max_programs:
                del self.programs[next(iter(self.programs))]
        self.programs[key] = program  # (re)inserted last: the most recently used
        return program, seconds


PROGRAMS = ProgramCache()


def compiled(name, fn, static, *args, donate=()):
    """:meth:`ProgramCache.compiled` of the process's cache, :data:`PROGRAMS`."""
    return PROGRAMS.compiled(name, fn, static, *args, donate=donate)


def _compile(name, fn, static, args, tree, avals, donate):
    """``fn`` compiled for ``static`` and the shapes of ``args``: traced, or read back from
    :data:`EXPORT_FOLDER` where an earlier process kept it (:mod:`nnfit._exported`)."""
    from . import _exported

    disk = EXPORT_FOLDER and _exported.key(name, fn, static, tree, avals, donate)
    if disk:
        program = _exported.load(EXPORT_FOLDER, disk, args, donate)
        if program is not None:
            return program
        try:
            return _exported.save(EXPORT_FOLDER, disk, fn, static, args, donate)
        except Exception:  # a program that jax.export cannot take: traced as before
            pass
    return jax.jit(fn, static_argnums=0, donate_argnums=tuple(1 + i for i in donate)
                   ).lower(static, *args).compile()
