"""Test configuration: JAX runs with strict dtype and rank promotion, so a (n,) vs (n, 1) or a
float32/float64 mix-up inside nnfit fails loudly instead of broadcasting silently."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")


import pytest  # noqa: E402

import nnfit  # noqa: E402

# The suite opts in to JAX's persistent compilation cache, as the command line does (the
# library leaves JAX's settings alone unless asked): programs freed between modules (below)
# come back from disk instead of compiling again.
nnfit.enable_compilation_cache()
# ... but traces every program, as a library user's process does: keeping traced programs on
# disk (nnfit._exported) costs a first trace ~20 % more, and the suite's thousands of programs
# are each traced once. tests/test_programs_exported.py turns it on where it is tested.
from nnfit import _programs  # noqa: E402

_programs.EXPORT_FOLDER = None


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Free the programs a test module compiled when it ends.

    Every compiled XLA CPU program keeps memory mappings of its own, and nnfit's engine keeps
    every program it compiled (``_programs.PROGRAMS``): one process running the whole suite
    passed the kernel's ``vm.max_map_count`` (65530) and crashed inside XLA (a segfault in
    ``compile``). Within a module programs are still reused, as the cache tests need.
    """
    yield
    from nnfit import _programs

    _programs.PROGRAMS.clear()
    jax.clear_caches()
