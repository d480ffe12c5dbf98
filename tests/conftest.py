"""Test configuration: JAX runs with strict dtype and rank promotion, so a (n,) vs (n, 1) or a
float32/float64 mix-up inside nnfit fails loudly instead of broadcasting silently."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax  # noqa: E402

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")
