"""Compiled training programs: kept in-process, least recently used dropped, and on disk.

A program is compiled once per static configuration, argument shapes and dtype mode and kept
in this process, so hundreds of fits of one shape (a grid search) compile once; JAX's
persistent compilation cache lets a new process skip compilation as well.
"""

from __future__ import annotations

import os
import time

import jax


def enable_persistent_cache():
    """Turn on JAX's persistent compilation cache unless the user configured one.

    The folder is ``$NNFIT_CACHE_DIR`` or ``~/.cache/nnfit/jax``; ``NNFIT_CACHE_DIR=off``
    leaves JAX's configuration untouched.
    """
    folder = os.environ.get("NNFIT_CACHE_DIR", os.path.expanduser("~/.cache/nnfit/jax"))
    if folder.lower() in ("off", "none", "0", "") or jax.config.jax_compilation_cache_dir:
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:  # read-only home: run without the cache rather than fail
        return
    jax.config.update("jax_compilation_cache_dir", folder)
    # tiny programs compile in well under a second, and those are the ones nnfit runs most
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


_COMPILED: dict = {}  # key -> compiled program, least recently used first
# Every compiled XLA CPU program holds memory mappings of its own, and a process may have only
# vm.max_map_count of them (65530 by default): a long sweep or the test suite keeping every
# program crashed inside XLA. The least recently used programs beyond this many are dropped
# (JAX's persistent cache brings one back quickly if it is needed again).
MAX_PROGRAMS = 256


def compiled(name, fn, static, *args):
    """Compile ``fn(static, *args)`` once per static config, argument shapes and dtype mode."""
    leaves, tree = jax.tree.flatten(args)
    key = (name, static, tree, tuple((a.shape, a.dtype) for a in leaves),
           jax.config.jax_enable_x64, jax.default_backend())
    seconds = 0.0
    program = _COMPILED.pop(key, None)
    if program is None:
        start = time.perf_counter()
        program = jax.jit(fn, static_argnums=0).lower(static, *args).compile()
        seconds = time.perf_counter() - start
        while len(_COMPILED) >= MAX_PROGRAMS:
            del _COMPILED[next(iter(_COMPILED))]
    _COMPILED[key] = program  # (re)inserted last: the most recently used
    return program, seconds
