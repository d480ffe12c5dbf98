"""A narrow dense layer, feature-major: activations (k, rows), products unrolled, its own VJP.

Under ``jax.vmap`` over members (the flat layout's ensembles, :mod:`nnfit._flatnet`), a tiny
layer's product ``h @ [W; b]`` becomes a batched product of M small matrices, and XLA's CPU
kernels for those run each member's 5 x 5 product apart: 100 members of seed 000's network
(2 -> 5 -> 5 -> 1, batch 32) took ~31x one member's time. Written as sums of broadcast
products over the k inputs, ``z[j] = b[j] + sum_k W[k, j] * h[k]`` with the rows as the minor
(contiguous) axis, the same layer is a few elementwise loops that XLA fuses and that the
member axis only makes longer.

The backward pass is written by hand (:func:`dense`'s ``jax.custom_vjp``): ``jax.grad`` of the
unrolled forward pass builds a chain of k small updates per layer for the input gradient and
k x j single-row reductions for the weight gradient, and gained 1.6x against the product where
the hand-written one, three fused expressions, gained ~3x (benchmarks/explore_ensemble_layouts.py,
layouts ``vf`` and ``a``).

A program of several members takes :func:`dense_members` instead, the same layer whose weight
and bias gradient is one product ``[h; 1] @ dz.T``: under ``vmap`` XLA runs it as a batched
product, where the sums over the rows of :func:`dense`'s ``h * dz`` became reductions with a
fixed cost of ~85 us each, five a step of seed 000's network, whatever the member count. Seed
000's fit, the two alternating in one process (10 pairs, 2-core CPU): 100 members 0.69 s
against 0.86 s, 4 members 0.054 s against 0.072 s; one member 0.032 s against 0.030 s, so a
single member keeps the sums.

Only the affine part is here: the activations between layers are differentiated by JAX as
everywhere else.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

# a network whose every width (inputs, hidden layers, outputs) is at most this many runs its
# flat program feature-major: the unrolled sums cost k + j passes over (width, rows) arrays a
# layer, which a wider layer's product kernel beats. Seed 000's fit (2 inputs, batch 32, 200
# epochs, 2-core CPU, loaded) with hidden (16, 16): 1 member 0.058 s against 0.093 s as
# products, 100 members 2.16 s against 2.87 s; with (32, 32): 0.176 s against 0.110 s and
# 6.38 s against 5.79 s
NARROW = 16


@jax.custom_vjp
def dense(Wb, h):
    """One member's dense layer, feature-major.

    Parameters
    ----------
    Wb : array (k + 1, j)
        The layer's [W; b]: its weights W, (k, j), and then its bias b as the last row.
    h : array (k, rows)
        The layer's inputs, one row per input unit.

    Returns
    -------
    array (j, rows)
        ``(h.T @ W + b).T``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> Wb = jnp.array([[1.0, 2.0], [3.0, 4.0], [0.5, -0.5]])  # W (2, 2), b (2,)
    >>> dense(Wb, jnp.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])).tolist()
    [[1.5, 3.5, 5.5], [1.5, 3.5, 7.5]]
    """
    return _affine(Wb, h)


@jax.custom_vjp
def dense_members(Wb, h):
    """:func:`dense`, whose gradient with respect to ``Wb`` is one product (see the module's
    docstring): the layer of a program that trains several members. Same shapes and values."""
    return _affine(Wb, h)


def _affine(Wb, h):
    k = h.shape[0]
    z = Wb[k][:, None]
    for i in range(k):  # unrolled: each term one fused broadcast multiply-add
        z = z + Wb[i][:, None] * h[i][None, :]
    return z


def _forward(Wb, h):
    return _affine(Wb, h), (Wb, h)


def _input_gradient(Wb, dz):
    """dz (j, rows) -> the gradient of h, (k, rows)."""
    k, j = Wb.shape[0] - 1, Wb.shape[1]
    dh = Wb[:k, 0, None] * dz[0][None, :]
    for out in range(1, j):  # unrolled as the forward pass: the bias row takes no part
        dh = dh + Wb[:k, out, None] * dz[out][None, :]
    return dh


def _summed_bwd(residuals, dz):
    """dz (j, rows) -> the gradients of Wb, (k + 1, j), and of h, (k, rows)."""
    Wb, h = residuals
    dW = jnp.sum(h[:, None, :] * dz[None, :, :], axis=2)
    return jnp.concatenate([dW, jnp.sum(dz, axis=1)[None]]), _input_gradient(Wb, dz)


def _product_bwd(residuals, dz):
    """:func:`_summed_bwd` with [W; b]'s gradient as the product [h; 1] @ dz.T."""
    Wb, h = residuals
    augmented = jnp.concatenate([h, jnp.ones((1, h.shape[1]), h.dtype)])
    return jnp.einsum("kr,jr->kj", augmented, dz), _input_gradient(Wb, dz)


dense.defvjp(_forward, _summed_bwd)
dense_members.defvjp(_forward, _product_bwd)
