"""Exploration (issue 15): layouts for training an ensemble of M tiny networks as one XLA program.

Pure JAX + optax, no nnfit. The workload is seed 000's network (``workload.py``): 2 inputs
(normalised), Dense 5 relu, Dense 5 relu, Dense 1, MSE, Adam 0.01, batch 32, 400 training rows,
200 epochs of 13 steps (12 batches of 32, one of 16: padded to 32 with zero weights) = 2600 steps.
Every layout runs the full step (forward, MSE, ``jax.grad`` backward, ``optax.adam`` update) inside
one ``lax.scan`` over the 2600 steps, for M = 100 members, and is timed (compile excluded, best of
``--repeat``) against the 1-member loop in the same process. Each layout starts from the same
initial parameters and uses the same batches as its reference (``a``, or ``a-shared`` for layouts
whose members share one shuffle); the script prints the largest difference of the final
parameters and of the per-step loss trajectory against that reference.

Layouts (``--layouts``, comma-separated):

- ``a``        vmap over members of the per-member step, each member its own shuffle;
- ``a-shared`` the same with every member on the same shuffle (the reference of the ``*-shared``);
- ``bd``       block-diagonal packing: groups of G members (``--groups``), layers 2 and 3 as one
               (B, 5G) @ (5G, 5G) and (B, 5G) @ (5G, G) product built inside the step from the
               compact (G, 5, 5) / (G, 5, 1) parameters (so ``jax.grad`` returns compact
               gradients), layer 1 unrolled over its 2 inputs (per-member rows), vmap over groups;
- ``bd-shared`` the same, all members sharing a batch: layer 1 is one (B, 2) @ (2, 5G) product;
- ``bdc``, ``bdc-shared``  block-diagonal forward and input-gradient products, but the weight
               gradient computed compactly (a custom VJP: sum over the batch of the per-member
               outer products, not the full (5G, 5G) product whose off-diagonal blocks are thrown
               away);
- ``ew``       no matrix products at all: activations (B, M, 5), each contraction unrolled into
               its k-term sum of broadcast products (XLA fuses them into loops), ``jax.grad``;
- ``ewm``      the same with the member axis minor: activations (B, 5, M), parameters (k, j, M);
- ``dg``       ``lax.dot_general`` with the member axis as an explicit batch dimension placed last
               in the output (``bmk,mkj->bmj``), i.e. XLA's batched dot without vmap;
- ``ewt``, ``ewt2``, ``ewtc``, ``ewk``  batch axis minor: activations (M, k, B) (``ewt``: unrolled
               sums, jax.grad; ``ewt2``: one broadcast product summed over k; ``ewtc``: unrolled
               sums with a hand-written VJP per dense layer, ``dense_t``); ``ewk``: (k, M, B);
- ``vf``       the winner written per member and vmapped: each member's activations (k, B),
               ``dense_f`` (unrolled sum, custom VJP), ``jax.vmap`` over the per-member step;
- ``manualt``  as ``manual`` with the batch axis minor;
- ``manual``   per-member rows, layout (B, M, 5), hand-written backward pass (no ``jax.grad``) in
               the same elementwise form as ``ew``: what a fully fused program could cost.

Run (each well under three minutes on the 2-core machine)::

    flock /tmp/nnfit-bench.lock python benchmarks/explore_ensemble_layouts.py --layouts a,vf,ewtc,manualt --repeat 5
    flock /tmp/nnfit-bench.lock python benchmarks/explore_ensemble_layouts.py --layouts a,ew,ewm,ewt,ewt2,ewtc,ewk,dg,manual,manualt
    flock /tmp/nnfit-bench.lock python benchmarks/explore_ensemble_layouts.py --layouts a,bd,bdc --groups 5,10,20,25
    flock /tmp/nnfit-bench.lock python benchmarks/explore_ensemble_layouts.py --layouts a,bd,bdc --groups 50,100
    flock /tmp/nnfit-bench.lock python benchmarks/explore_ensemble_layouts.py --layouts a-shared,bd-shared,bdc-shared --groups 5,10,20,25,50
    python benchmarks/explore_ensemble_layouts.py --layouts a,vf,bd --epochs 5 --repeat 1   # exactness over 65 steps

Over the full 2600 steps float32 rounding differences grow (relu units switching, Adam's
normalised steps): every layout ends within ~5e-3 of the reference's parameters (largest |param|
~25) and within ~6e-5 relative on every step's loss; over 65 steps (``--epochs 5``) within ~1e-6.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from jax import lax  # noqa: E402

import workload  # noqa: E402

H = 5
B = workload.BATCH_SIZE
RATE = workload.LEARNING_RATE
EPOCHS = workload.EPOCHS
relu = jax.nn.relu
OPT = optax.adam(RATE)


# ----------------------------------------------------------------------------------------------
# data, batches, initial parameters


def load_data():
    X, y = workload.make_data()
    Xtr, ytr, _, _ = workload.split(X, y)
    mean, var = Xtr.mean(0), Xtr.var(0)
    Xn = (Xtr - mean) / np.sqrt(np.maximum(var, 1e-7))  # x0 = 1 has variance 0: it becomes 0
    return jnp.asarray(Xn, jnp.float32), jnp.asarray(ytr, jnp.float32)


def make_batches(n_rows, members, epochs, shared, seed=0):
    """Index batches (steps, members, B) int32 and row weights (steps, B) float32.

    Each epoch: a permutation of the rows, 12 batches of 32 and one of 16 padded to 32 (index 0,
    weight 0). Weights are 1/rows-in-batch, so the loss is the batch's mean squared error.
    """
    rng = np.random.default_rng(seed)
    per_epoch = -(-n_rows // B)
    steps = epochs * per_epoch
    idx = np.zeros((steps, members, B), np.int32)
    wts = np.zeros((steps, B), np.float32)
    for e in range(epochs):
        if shared:
            perm = np.broadcast_to(rng.permutation(n_rows), (members, n_rows))
        else:
            perm = np.stack([rng.permutation(n_rows) for _ in range(members)])
        for s in range(per_epoch):
            rows = perm[:, s * B:(s + 1) * B]
            t = e * per_epoch + s
            idx[t, :, :rows.shape[1]] = rows
            wts[t, :rows.shape[1]] = 1.0 / rows.shape[1]
    return jnp.asarray(idx), jnp.asarray(wts)


def init_params(members, seed=0):
    """Glorot-uniform weights, zero biases (Keras' defaults); leading member axis."""
    rng = np.random.default_rng(seed + 1)

    def glorot(fan_in, fan_out):
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-lim, lim, (members, fan_in, fan_out)).astype(np.float32)

    p = {"W1": glorot(2, H), "b1": np.zeros((members, H), np.float32),
         "W2": glorot(H, H), "b2": np.zeros((members, H), np.float32),
         "W3": glorot(H, 1), "b3": np.zeros((members, 1), np.float32)}
    return {k: jnp.asarray(v) for k, v in p.items()}


# ----------------------------------------------------------------------------------------------
# (a) the per-member step, vmapped


def mlp(p, x):
    h = relu(x @ p["W1"] + p["b1"])
    h = relu(h @ p["W2"] + p["b2"])
    return (h @ p["W3"] + p["b3"])[:, 0]


def member_step(X, Y, p, s, idx, w):
    def loss(p):
        return jnp.sum(w * (mlp(p, X[idx]) - Y[idx]) ** 2)

    l, g = jax.value_and_grad(loss)(p)
    u, s = OPT.update(g, s, p)
    return optax.apply_updates(p, u), s, l


def train_single(X, Y, p, idx, wts, step=None):
    """One member, no vmap: the reference time. p leaves without member axis, idx (steps, B)."""
    s = OPT.init(p)
    step = step or member_step

    def body(c, xs):
        p, s = c
        p, s, l = step(X, Y, p, s, *xs)
        return (p, s), l

    (p, s), ls = lax.scan(body, (p, s), (idx, wts))
    return p, ls


def train_vmap(X, Y, p, idx, wts, member=None):
    """p leaves (M, ...), idx (steps, M, B); ``member`` the per-member step (default
    :func:`member_step`). Returns final params and losses (steps, M)."""
    s = jax.vmap(OPT.init)(p)
    step = jax.vmap(partial(member or member_step, X, Y), in_axes=(0, 0, 0, None))

    def body(c, xs):
        p, s = c
        p, s, l = step(p, s, *xs)
        return (p, s), l

    (p, s), ls = lax.scan(body, (p, s), (idx, wts))
    return p, ls


# ----------------------------------------------------------------------------------------------
# (b, c) block-diagonal packing: groups of G members


def block_diag(W):
    """(G, a, c) -> (G*a, G*c) with W[g] on the diagonal; its VJP is the compact (G, a, c)."""
    G, a, c = W.shape
    eye = jnp.eye(G, dtype=W.dtype)
    return (W[:, :, None, :] * eye[:, None, :, None]).reshape(G * a, G * c)


@jax.custom_vjp
def bd_matmul(h, W):
    """h (B, G*a) @ block_diag(W) with W (G, a, c); the VJP returns dW compactly."""
    return h @ block_diag(W)


def _bd_fwd(h, W):
    return h @ block_diag(W), (h, W)


def _bd_bwd(res, dz):
    h, W = res
    G, a, c = W.shape
    dh = dz @ block_diag(W).T
    # dW[g, i, j] = sum_b h[b, g, i] * dz[b, g, j]: per-member outer products, summed over the batch
    dW = jnp.sum(h.reshape(-1, G, a, 1) * dz.reshape(-1, G, 1, c), axis=0)
    return dh, dW


bd_matmul.defvjp(_bd_fwd, _bd_bwd)


def group_forward(p, x, shared, compact_vjp):
    """p leaves (G, ...); x (B, 2) if shared else (B, G, 2). Returns predictions (B, G)."""
    G = p["W1"].shape[0]
    if shared:  # one dense (B, 2) @ (2, 5G) product
        z1 = x @ p["W1"].transpose(1, 0, 2).reshape(2, G * H)
    else:  # per-member rows: the 2-input contraction unrolled (elementwise, fused)
        z1 = (x[:, :, 0, None] * p["W1"][None, :, 0, :]
              + x[:, :, 1, None] * p["W1"][None, :, 1, :]).reshape(-1, G * H)
    h1 = relu(z1 + p["b1"].reshape(G * H))
    mm = bd_matmul if compact_vjp else (lambda h, W: h @ block_diag(W))
    h2 = relu(mm(h1, p["W2"]) + p["b2"].reshape(G * H))
    return mm(h2, p["W3"]) + p["b3"].reshape(G)


def group_step(X, Y, shared, compact_vjp, p, s, idx, w):
    """idx (G, B) (members' rows; with shared batches all rows equal, only idx[0] is used)."""
    if shared:
        x, y = X[idx[0]], Y[idx[0]][:, None]
    else:
        x, y = X[idx.T], Y[idx.T]  # (B, G, 2), (B, G)

    def loss(p):
        # the sum over members of each member's loss: d/d(member g's params) is member g's gradient
        return jnp.sum(w[:, None] * (group_forward(p, x, shared, compact_vjp) - y) ** 2)

    l, g = jax.value_and_grad(loss)(p)
    u, s = OPT.update(g, s, p)
    return optax.apply_updates(p, u), s, l


def train_grouped(X, Y, p, idx, wts, G, shared, compact_vjp):
    M = p["W1"].shape[0]
    n = M // G
    p = {k: v.reshape((n, G) + v.shape[1:]) for k, v in p.items()}
    s = jax.vmap(OPT.init)(p)
    idx = idx.reshape(idx.shape[0], n, G, B)
    step = jax.vmap(partial(group_step, X, Y, shared, compact_vjp), in_axes=(0, 0, 0, None))

    def body(c, xs):
        p, s = c
        p, s, l = step(p, s, *xs)
        return (p, s), l

    (p, s), ls = lax.scan(body, (p, s), (idx, wts))
    # per-member losses are not separated in the packed loss; the summed loss per group is returned
    return {k: v.reshape((M,) + v.shape[2:]) for k, v in p.items()}, ls


# ----------------------------------------------------------------------------------------------
# (d) elementwise layouts, dot_general with explicit batch dims, hand-written backward


def ew_forward(p, x):
    """x (B, M, 2); p leaves (M, ...). Contractions as unrolled broadcast sums, layout (B, M, k)."""
    def dense(h, W, b):  # h (B, M, k), W (M, k, j)
        z = b[None]
        for k in range(W.shape[1]):
            z = z + h[:, :, k, None] * W[None, :, k, :]
        return z

    h1 = relu(dense(x, p["W1"], p["b1"]))
    h2 = relu(dense(h1, p["W2"], p["b2"]))
    return dense(h2, p["W3"], p["b3"])[:, :, 0]


def ewm_forward(q, x):
    """Member axis minor: x (B, 2, M); q leaves (k, j, M) / (j, M)."""
    def dense(h, W, b):  # h (B, k, M), W (k, j, M)
        z = b[None]
        for k in range(W.shape[0]):
            z = z + h[:, k, None, :] * W[None, k, :, :]
        return z

    h1 = relu(dense(x, q["W1"], q["b1"]))
    h2 = relu(dense(h1, q["W2"], q["b2"]))
    return dense(h2, q["W3"], q["b3"])[:, 0, :]


def dg_forward(p, x):
    """lax.dot_general, member axis as batch dimension: (B, M, k) x (M, k, j) -> (B, M, j)."""
    def dense(h, W, b):
        z = lax.dot_general(h, W, (((2,), (1,)), ((1,), (0,))))  # -> (M, B, j)
        return jnp.swapaxes(z, 0, 1) + b[None]

    h1 = relu(dense(x, p["W1"], p["b1"]))
    h2 = relu(dense(h1, p["W2"], p["b2"]))
    return dense(h2, p["W3"], p["b3"])[:, :, 0]


def ewt_forward(p, x):
    """Batch axis minor: x (M, 2, B); p leaves (M, ...). Activations (M, k, B)."""
    def dense(h, W, b):  # h (M, k, B), W (M, k, j)
        z = b[:, :, None]
        for k in range(W.shape[1]):
            z = z + h[:, k, None, :] * W[:, k, :, None]
        return z

    h1 = relu(dense(x, p["W1"], p["b1"]))
    h2 = relu(dense(h1, p["W2"], p["b2"]))
    return dense(h2, p["W3"], p["b3"])[:, 0, :]


def ewt2_forward(p, x):
    """As ewt, each contraction one broadcast product summed over its k axis (not unrolled)."""
    def dense(h, W, b):  # h (M, k, B), W (M, k, j) -> (M, j, B)
        return jnp.sum(h[:, :, None, :] * W[:, :, :, None], axis=1) + b[:, :, None]

    h1 = relu(dense(x, p["W1"], p["b1"]))
    h2 = relu(dense(h1, p["W2"], p["b2"]))
    return dense(h2, p["W3"], p["b3"])[:, 0, :]


@jax.custom_vjp
def dense_t(h, W, b):
    """Members' dense layers, batch axis minor: h (M, k, B), W (M, k, j), b (M, j) -> (M, j, B).

    The forward unrolls the k-term contraction into broadcast multiply-adds (one fused loop); the
    hand-written VJP gives dh as the j-term unrolled sum, dW as ONE reduction over the minor batch
    axis of the (M, k, j, B) outer products and db as a minor-axis sum: a few fused loops instead
    of the many small reductions and concatenations that autodiff of the unrolled sum produces.
    """
    z = b[:, :, None]
    for k in range(W.shape[1]):
        z = z + h[:, k, None, :] * W[:, k, :, None]
    return z


def _dense_t_fwd(h, W, b):
    return dense_t(h, W, b), (h, W)


def _dense_t_bwd(res, dz):
    h, W = res
    dh = sum(dz[:, j, None, :] * W[:, :, j, None] for j in range(W.shape[2]))
    dW = jnp.sum(h[:, :, None, :] * dz[:, None, :, :], axis=3)
    return dh, dW, jnp.sum(dz, axis=2)


dense_t.defvjp(_dense_t_fwd, _dense_t_bwd)


def ewtc_forward(p, x):
    """As ewt, with the dense layers' custom VJP (``dense_t``); the rest is jax.grad's."""
    h1 = relu(dense_t(x, p["W1"], p["b1"]))
    h2 = relu(dense_t(h1, p["W2"], p["b2"]))
    return dense_t(h2, p["W3"], p["b3"])[:, 0, :]


@jax.custom_vjp
def dense_k(h, W, b):
    """Layout (k, M, B): h (k, M, B), W (k, j, M), b (j, M) -> (j, M, B); every operand slice a
    contiguous (M, B) plane. Custom VJP as ``dense_t``."""
    z = b[:, :, None]
    for k in range(W.shape[0]):
        z = z + h[k][None] * W[k][:, :, None]
    return z


def _dense_k_fwd(h, W, b):
    return dense_k(h, W, b), (h, W)


def _dense_k_bwd(res, dz):
    h, W = res
    dh = sum(dz[j][None] * W[:, j, :, None] for j in range(W.shape[1]))
    dW = jnp.sum(h[:, None] * dz[None], axis=3)
    return dh, dW, jnp.sum(dz, axis=2)


dense_k.defvjp(_dense_k_fwd, _dense_k_bwd)


def ewk_forward(q, x):
    """x (2, M, B); q leaves (k, j, M) / (j, M); activations (k, M, B)."""
    h1 = relu(dense_k(x, q["W1"], q["b1"]))
    h2 = relu(dense_k(h1, q["W2"], q["b2"]))
    return dense_k(h2, q["W3"], q["b3"])[0]


@jax.custom_vjp
def dense_f(h, W, b):
    """ONE member's dense layer, feature-major / batch-minor: h (k, B), W (k, j), b (j,) -> (j, B).

    Written per member so that an engine can keep ``jax.vmap`` over members: vmapped (member
    axis 0) it is exactly ``dense_t``'s (M, k, B) program, custom VJP included.
    """
    z = b[:, None]
    for k in range(W.shape[0]):
        z = z + W[k][:, None] * h[k][None, :]
    return z


def _dense_f_fwd(h, W, b):
    return dense_f(h, W, b), (h, W)


def _dense_f_bwd(res, dz):
    h, W = res
    dh = sum(W[:, j, None] * dz[j][None, :] for j in range(W.shape[1]))
    dW = jnp.sum(h[:, None, :] * dz[None, :, :], axis=2)
    return dh, dW, jnp.sum(dz, axis=1)


dense_f.defvjp(_dense_f_fwd, _dense_f_bwd)


def member_step_f(X, Y, p, s, idx, w):
    """The per-member step in the feature-major layout (x (2, B)), jax.grad over dense_f."""
    def loss(p):
        h = relu(dense_f(X[idx].T, p["W1"], p["b1"]))
        h = relu(dense_f(h, p["W2"], p["b2"]))
        out = dense_f(h, p["W3"], p["b3"])[0]
        return jnp.sum(w * (out - Y[idx]) ** 2)

    l, g = jax.value_and_grad(loss)(p)
    u, s = OPT.update(g, s, p)
    return optax.apply_updates(p, u), s, l


def to_minor(p):
    return {k: jnp.moveaxis(v, 0, -1) for k, v in p.items()}


def from_minor(q):
    return {k: jnp.moveaxis(v, -1, 0) for k, v in q.items()}


def train_stacked(X, Y, p, idx, wts, forward, minor):
    """Whole-ensemble step without vmap: the forward takes all members at once."""
    if minor in (True, "kmb"):
        p = to_minor(p)
    s = OPT.init(p)

    def body(c, xs):
        p, s = c
        ix, w = xs  # (M, B), (B,)
        if minor == "kmb":
            x, y = jnp.transpose(X[ix], (2, 0, 1)), Y[ix]  # (2, M, B), (M, B)
        elif minor == "batch":
            x, y = jnp.swapaxes(X[ix], 1, 2), Y[ix]  # (M, 2, B), (M, B)
        elif minor:
            x, y = jnp.transpose(X[ix], (1, 2, 0)), Y[ix].T  # (B, 2, M), (B, M)
        else:
            x, y = jnp.swapaxes(X[ix], 0, 1), Y[ix].T  # (B, M, 2), (B, M)

        def loss(p):
            d = forward(p, x) - y
            return jnp.sum((w[None, :] if minor in ("batch", "kmb") else w[:, None]) * d * d)

        l, g = jax.value_and_grad(loss)(p)
        u, s = OPT.update(g, s, p)
        return (optax.apply_updates(p, u), s), l

    (p, s), ls = lax.scan(body, (p, s), (idx, wts))
    return (from_minor(p) if minor in (True, "kmb") else p), ls


def manual_grads(p, x, y, w):
    """Hand-written backward of the (B, M, k) elementwise forward. Returns (loss, grads)."""
    W1, b1, W2, b2, W3, b3 = (p[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = b1[None] + sum(x[:, :, k, None] * W1[None, :, k, :] for k in range(2))
    h1 = relu(z1)
    z2 = b2[None] + sum(h1[:, :, k, None] * W2[None, :, k, :] for k in range(H))
    h2 = relu(z2)
    out = b3[None, :, 0] + sum(h2[:, :, k] * W3[None, :, k, 0] for k in range(H))  # (B, M)
    d = out - y
    loss = jnp.sum(w[:, None] * d * d)
    dout = 2.0 * w[:, None] * d  # (B, M)
    gW3 = jnp.sum(dout[:, :, None] * h2, axis=0)[:, :, None]  # (M, 5, 1)
    gb3 = jnp.sum(dout, axis=0)[:, None]
    dz2 = jnp.where(z2 > 0, dout[:, :, None] * W3[None, :, :, 0], 0.0)  # (B, M, 5)
    gW2 = jnp.sum(h1[:, :, :, None] * dz2[:, :, None, :], axis=0)  # (M, 5, 5)
    gb2 = jnp.sum(dz2, axis=0)
    dh1 = sum(dz2[:, :, j, None] * W2[None, :, :, j] for j in range(H))  # (B, M, 5)
    dz1 = jnp.where(z1 > 0, dh1, 0.0)
    gW1 = jnp.sum(x[:, :, :, None] * dz1[:, :, None, :], axis=0)  # (M, 2, 5)
    gb1 = jnp.sum(dz1, axis=0)
    return loss, {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2, "W3": gW3, "b3": gb3}


def manual_grads_t(p, x, y, w):
    """Hand-written backward, batch axis minor: x (M, 2, B), y (M, B), activations (M, k, B)."""
    W1, b1, W2, b2, W3, b3 = (p[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = b1[:, :, None] + sum(x[:, k, None, :] * W1[:, k, :, None] for k in range(2))
    h1 = relu(z1)
    z2 = b2[:, :, None] + sum(h1[:, k, None, :] * W2[:, k, :, None] for k in range(H))
    h2 = relu(z2)
    out = b3 + sum(h2[:, k, :] * W3[:, k, 0, None] for k in range(H))  # (M, B)
    d = out - y
    loss = jnp.sum(w[None, :] * d * d)
    dout = 2.0 * w[None, :] * d  # (M, B)
    gW3 = jnp.sum(dout[:, None, :] * h2, axis=2)[:, :, None]  # (M, 5, 1)
    gb3 = jnp.sum(dout, axis=1)[:, None]
    dz2 = jnp.where(z2 > 0, dout[:, None, :] * W3, 0.0)  # (M, 5, B)
    gW2 = jnp.sum(h1[:, :, None, :] * dz2[:, None, :, :], axis=3)  # (M, 5, 5)
    gb2 = jnp.sum(dz2, axis=2)
    dh1 = sum(dz2[:, j, None, :] * W2[:, :, j, None] for j in range(H))  # (M, 5, B)
    dz1 = jnp.where(z1 > 0, dh1, 0.0)
    gW1 = jnp.sum(x[:, :, None, :] * dz1[:, None, :, :], axis=3)  # (M, 2, 5)
    gb1 = jnp.sum(dz1, axis=2)
    return loss, {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2, "W3": gW3, "b3": gb3}


def train_manual(X, Y, p, idx, wts, batch_minor=False):
    s = OPT.init(p)

    def body(c, xs):
        p, s = c
        ix, w = xs
        if batch_minor:
            x, y = jnp.swapaxes(X[ix], 1, 2), Y[ix]
            l, g = manual_grads_t(p, x, y, w)
        else:
            x, y = jnp.swapaxes(X[ix], 0, 1), Y[ix].T
            l, g = manual_grads(p, x, y, w)
        u, s = OPT.update(g, s, p)
        return (optax.apply_updates(p, u), s), l

    (p, s), ls = lax.scan(body, (p, s), (idx, wts))
    return p, ls


# ----------------------------------------------------------------------------------------------
# timing and checks


def timed(fn, args, repeat):
    """Compile (excluded), then the best of ``repeat`` wall-clock runs.

    Returns (best s, compile s, out).
    """
    t0 = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    compile_s = time.perf_counter() - t0
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = jax.block_until_ready(compiled(*args))
        best = min(best, time.perf_counter() - t0)
    return best, compile_s, out


def max_diff(p, q):
    return max(float(jnp.max(jnp.abs(p[k] - q[k]))) for k in p)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layouts", default="a,ew,ewm,dg,manual")
    ap.add_argument("--groups", default="5,10,20,25,50,100")
    ap.add_argument("--members", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-check", action="store_true", help="skip the reference (a) run and check")
    args = ap.parse_args(argv)
    M, layouts = args.members, args.layouts.split(",")
    groups = [int(g) for g in args.groups.split(",")]

    X, Y = load_data()
    p0 = init_params(M)
    batches = {sh: make_batches(X.shape[0], M, args.epochs, sh) for sh in (False, True)}
    steps = batches[False][0].shape[0]
    print(f"jax {jax.__version__}, {os.cpu_count()} cpus, {M} members, {steps} steps, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)

    def single():
        idx, wts = batches[False]
        p1 = {k: v[0] for k, v in p0.items()}
        return timed(partial(train_single, X, Y), (p1, idx[:, 0], wts), args.repeat)

    t1, c1, (p1, l1) = single()
    print(f"1 member: {t1:.4f} s (compile {c1:.1f} s), final loss {float(l1[-1]):.2f}", flush=True)

    refs = {}

    def reference(shared):
        if shared not in refs:
            idx, wts = batches[shared]
            refs[shared] = timed(partial(train_vmap, X, Y), (p0, idx, wts), args.repeat)
            name = "a-shared" if shared else "a"
            t, c, (p, ls) = refs[shared]
            report(name, "-", t, c, p, ls, None)
        return refs[shared][2]

    rows = []

    def report(name, G, t, c, p, ls, ref):
        if ref is None:
            dp, dl = 0.0, 0.0
        else:
            rp, rls = ref
            dp = max_diff(p, rp)
            # the packed layouts return one summed loss per group: compare sums over members
            a = np.asarray(ls).reshape(steps, -1).sum(1)
            b = np.asarray(rls).reshape(steps, -1).sum(1)
            dl = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-6)))
        row = (name, G, t, t / t1, dp, dl, c)
        rows.append(row)
        print(f"{name:12s} G={G!s:>4s}  {t:8.4f} s  {t / t1:6.1f}x  max|dparam| {dp:.2e}  "
              f"max rel dloss {dl:.2e}  (compile {c:.1f} s)", flush=True)

    for name in layouts:
        shared = name.endswith("-shared")
        base = name.removesuffix("-shared")
        idx, wts = batches[shared]
        if base == "a":
            reference(shared)
            continue
        ref = None if args.no_check else reference(shared)
        if base in ("bd", "bdc"):
            for G in groups:
                if M % G:
                    continue
                fn = partial(train_grouped, X, Y, G=G, shared=shared, compact_vjp=base == "bdc")
                t, c, (p, ls) = timed(fn, (p0, idx, wts), args.repeat)
                report(name, str(G), t, c, p, ls, ref)
        elif base in ("ew", "ewm", "ewt", "ewt2", "ewtc", "ewk", "dg"):
            fwd = {"ew": ew_forward, "ewm": ewm_forward, "ewt": ewt_forward, "ewt2": ewt2_forward,
                   "ewtc": ewtc_forward, "ewk": ewk_forward, "dg": dg_forward}[base]
            minor = {"ewm": True, "ewt": "batch", "ewt2": "batch", "ewtc": "batch",
                     "ewk": "kmb"}.get(base, False)
            fn = partial(train_stacked, X, Y, forward=fwd, minor=minor)
            t, c, (p, ls) = timed(fn, (p0, idx, wts), args.repeat)
            report(name, "-", t, c, p, ls, ref)
        elif base == "vf":
            t, c, (p, ls) = timed(partial(train_vmap, X, Y, member=member_step_f), (p0, idx, wts),
                                 args.repeat)
            report(name, "-", t, c, p, ls, ref)
        elif base in ("manual", "manualt"):
            fn = partial(train_manual, X, Y, batch_minor=base == "manualt")
            t, c, (p, ls) = timed(fn, (p0, idx, wts), args.repeat)
            report(name, "-", t, c, p, ls, ref)
        else:
            raise SystemExit(f"unknown layout {name}")

    t1b, _, _ = single()
    print(f"1 member again: {t1b:.4f} s; load {os.getloadavg()[0]:.2f}", flush=True)
    if "vf" in layouts:  # the one-member loop written with dense_f (feature-major, custom VJP)
        idx, wts = batches[False]
        fn = partial(train_single, X, Y, step=member_step_f)
        tf, _, _ = timed(fn, ({k: v[0] for k, v in p0.items()}, idx[:, 0], wts), args.repeat)
        print(f"1 member with dense_f: {tf:.4f} s", flush=True)
    t1 = min(t1, t1b)
    scale = (max(float(jnp.max(jnp.abs(v))) for v in refs[False][2][0].values())
             if False in refs else float("nan"))
    print(f"\nratios against the faster of the two 1-member timings, {t1:.4f} s; "
          f"largest |param| of the reference: {scale:.3g}")
    print("\n| layout | G | s (M members) | / 1 member | max abs param diff | max rel loss diff |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, G, t, r, dp, dl, _ in rows:
        print(f"| {name} | {G} | {t:.3f} | {t / t1:.1f}x | {dp:.1e} | {dl:.1e} |")


if __name__ == "__main__":
    main()
