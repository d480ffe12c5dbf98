"""Nonlinear least squares for regression networks: Levenberg–Marquardt and trust region.

Both minimise ``0.5 * sum(r ** 2)`` over the flat parameter vector with the *exact* Jacobian
of the residuals from JAX, and report what ``scipy.optimize.least_squares`` reports (cost,
status, message, nfev, njev, optimality, success) in ``fit.solver_info``. It is what seed 002
does by hand with autograd: a tiny cost, a near-zero gradient, and a solver report.

- ``lm``: ``optimistix.LevenbergMarquardt`` compiled whole, every member at once under
  ``jax.vmap`` (:mod:`nnfit._lm`, which states how scipy's report and stopping tests map).
- ``trf``: ``scipy.optimize.least_squares(method='trf')`` with ``jax.jacfwd``'s Jacobian
  (compiled once per network shape), in float64 on the host, member after member: the
  seed's own call (``least_squares``' default method), which also takes fewer residuals than
  parameters.

Residuals are ``sqrt(c * w_i) * (f(x_i) - y_i)`` for every sample and output, plus
``sqrt(2 * l2_l) * W_l`` for every penalised weight, with ``c = 2 / sum(w)`` (per output) for
``mse`` and ``c = 1`` for ``sse``, so that the cost ``0.5 * sum(r ** 2)`` is exactly
nnfit's training loss — the same objective, and the same meaning of ``l2``, as every other
solver. With ``loss="sse"`` the cost is seed 002's ``0.5 * sum((y - f(x)) ** 2)``. An L1
penalty is not a sum of squares and is refused.

``trf``'s path is reproducible to rounding, but its compiled loops round differently with the
memory alignment of their work arrays, which a singular problem (seed 002's flat directions)
can amplify into a different, equally good end point.

Every member keeps a history with one row per accepted step (``trf``: scipy's iteration
callback; ``lm``: each step whose point the solver accepted).
"""

from __future__ import annotations

import functools
import time

import numpy as np

from . import engine, objectives
from .mlp import Network, flatten_params, unflatten_params
from .errors import InvalidOptionError


@functools.lru_cache(maxsize=None)
def _functions(spec, n_inputs, n_outputs):
    """Jitted residual, Jacobian and metrics for one network shape (cached)."""
    import jax
    import jax.numpy as jnp

    sizes = (n_inputs, *spec.hidden, n_outputs)
    unravel = functools.partial(unflatten_params, sizes=sizes)

    def residuals(flat, X, y, sw, mean, var, l2_sqrt):
        params = unravel(flat)
        net = Network(spec, n_inputs, n_outputs, mean, var)
        r = ((net.apply(params, X) - y) * sw[:, None]).ravel()
        pen = [(l2_sqrt[i] * W).ravel() for i, (W, _) in enumerate(params)]
        return jnp.concatenate([r, *pen])

    def metrics(flat, X, y, w, mean, var):
        net = Network(spec, n_inputs, n_outputs, mean, var)
        pred = net.apply(unravel(flat), X)
        return objectives.regression_metrics(y, pred, w)

    return (jax.jit(residuals), jax.jit(jax.jacfwd(residuals)), jax.jit(metrics))


def solve(static, data, hyper, seeds, n_epochs, *, method, init_params=None, on_chunk=None):
    """Fit every member by least squares; return an ``EngineResult``.

    Parameters
    ----------
    static, data, hyper, seeds, n_epochs, init_params, on_chunk
        As for :func:`nnfit.engine.train`; ``n_epochs`` caps the residual evaluations
        (scipy's ``max_nfev``). ``on_chunk`` is called after each compiled call of ``lm``
        (with the steps done) or after each member of ``trf`` (with the members done).
    method : {'lm', 'trf'}
        ``lm``: every member at once (:mod:`nnfit._lm`); an interrupt keeps every member's
        last accepted point and the report of those that had stopped. ``trf``: member after
        member; an interrupt keeps the members solved and the best point of the one being
        solved, and leaves the rest at their start.

    Returns
    -------
    EngineResult
        With ``solver_info``: one dict per member (cost, status, message, nfev, njev,
        optimality, success).
    """
    import jax
    import jax.numpy as jnp
    from scipy.optimize import least_squares

    if np.any(np.asarray(hyper.l1) > 0):
        raise InvalidOptionError("least squares cannot minimise an L1 penalty (not a sum of squares); "
                         "use l2, or a gradient optimizer such as 'adam' or 'lbfgs'")
    start = time.perf_counter()
    net = Network(static.spec, static.n_inputs, static.n_outputs, data.mean, data.var)
    n_rows = data.X.shape[0] * static.n_outputs
    keys = [jax.random.key(s) for s in seeds]
    starts = [flatten_params(net.init(key, data.X.dtype) if init_params is None
                             else jax.tree.map(lambda a: a[m], init_params))
              for m, key in enumerate(keys)]
    unravel = functools.partial(unflatten_params, sizes=net.layer_sizes)
    if method == "lm" and n_rows < starts[0].size:
        raise InvalidOptionError(f"method 'lm' needs at least as many residuals as parameters "
                                 f"({n_rows} < {starts[0].size}); use optimizer='trf'")
    k = static.n_outputs
    total_w = float(np.sum(np.asarray(data.w))) * k
    # residual scale so that the cost 0.5 * |r|^2 *is* nnfit's loss: the weighted mean
    # (mse) or half the weighted sum (sse) of squares, plus l2 * |W|^2
    scale = 2.0 / total_w if static.loss == "mse" else 1.0
    if method == "lm":
        from . import _lm

        flat = np.stack([np.asarray(s) for s in starts])
        members, timings = _lm.solve(static, data, hyper, flat, n_epochs, scale=scale,
                                     on_chunk=on_chunk)
        for mem in members:
            mem["params"] = unravel(mem["params"])
        return _as_result(members, start, static.monitor, timings)
    fun, jac, metrics = _functions(static.spec, static.n_inputs, static.n_outputs)
    members = []
    try:
        for m, flat0 in enumerate(starts):
            members.append(_solve_member(least_squares, fun, jac, metrics, flat0, unravel, data,
                                         hyper, m, static, n_epochs, scale, jnp))
            if members[-1]["interrupted"]:
                break
            if on_chunk is not None:
                on_chunk(m + 1, {"loss": np.array([[members[-1]["records"]["loss"][-1]]])})
    except KeyboardInterrupt:  # between two members' solves: the solved ones are kept
        pass
    # an interrupt stops the run: members not reached keep their start, with no history
    for flat0 in starts[len(members):]:
        members.append({"params": unravel(flat0), "records": {}, "interrupted": True,
                        "finite": True, "info": {"cost": None, "status": None,
                                                 "message": "interrupted", "success": False}})
    return _as_result(members, start, static.monitor)


def _solve_member(least_squares, fun, jac, metrics, flat0, unravel, data, hyper, m, static,
                  n_epochs, scale, jnp):
    """One member's ``trf`` solve, with its history and the best point seen if interrupted."""
    from threadpoolctl import threadpool_limits

    k = data.y.shape[1]
    total_w = float(np.sum(np.asarray(data.w))) * k
    has_validation, loss, opt = static.has_validation, static.loss, static.optimizer
    sw = jnp.sqrt(data.w * scale)
    l2_sqrt = jnp.sqrt(2.0 * hyper.l2[m])
    args = (data.X, data.y, sw, data.mean, data.var, l2_sqrt)
    rows, best = [], {"cost": np.inf, "x": np.asarray(flat0)}
    dtype = flat0.dtype
    n_data = data.X.shape[0] * k
    sw_host = np.repeat(np.sqrt(np.asarray(data.w, np.float64) * scale), k)
    val_total = float(np.sum(np.asarray(data.w_val))) * k if has_validation else 0.0

    def record(x, cost, r):
        # the residuals already hold the scaled errors and the penalty terms: no second pass
        r = np.asarray(r, dtype=np.float64)
        pen = 0.5 * float(r[n_data:] @ r[n_data:])
        mse = float(r[:n_data] @ r[:n_data]) / (scale * total_w)
        mae = float(np.abs(r[:n_data]) @ sw_host) / (scale * total_w)
        row = {"loss": cost, "penalty": pen, "mae": mae, "mse": mse}
        if has_validation:
            val = {key: float(v) for key, v in metrics(as_jax(x), data.X_val, data.y_val, data.w_val,
                                                       data.mean, data.var).items()}
            data_loss = val["mse"] if loss == "mse" else 0.5 * val["mse"] * val_total
            row.update(val_loss=data_loss + pen, **{f"val_{key}": v for key, v in val.items()})
        rows.append(row)

    def as_jax(x):
        # copy first: jnp.asarray may alias the NumPy buffer, which MINPACK rewrites in place
        # while JAX still reads it, and then two runs of one problem differ
        return jnp.asarray(np.array(x, dtype=np.float64), dtype)

    def residual(x):
        r = np.array(fun(as_jax(x), *args), dtype=np.float64)
        cost = 0.5 * float(r @ r)
        if cost < best["cost"]:
            best.update(cost=cost, x=np.array(x))
        return r

    def callback(intermediate_result):
        r = getattr(intermediate_result, "fun", None)
        if r is None:
            r = fun(as_jax(intermediate_result.x), *args)
        record(intermediate_result.x, float(intermediate_result.cost), r)

    interrupted, info = False, {}
    try:
        # one BLAS thread: the Jacobians here are small, and OpenBLAS' threads, contending with
        # XLA's or another process's, made each SVD of 'trf' ~70x slower on a busy 2-core CPU
        with threadpool_limits(limits=1, user_api="blas"):
            # a test at 0 is off: scipy's None (0 itself draws its below-epsilon warning)
            sol = least_squares(residual, np.asarray(flat0, np.float64),
                                jac=lambda x: np.array(jac(as_jax(x), *args), np.float64),
                                method="trf", max_nfev=n_epochs, callback=callback,
                                ftol=opt.ftol or None, xtol=opt.xtol or None,
                                gtol=opt.gtol or None)
        x, info = sol.x, {"cost": float(sol.cost), "status": int(sol.status),
                          "message": str(sol.message), "nfev": int(sol.nfev),
                          "njev": None if sol.njev is None else int(sol.njev),
                          "optimality": float(sol.optimality), "success": bool(sol.success)}
    except KeyboardInterrupt:
        x, interrupted = best["x"], True
        info = {"cost": best["cost"], "status": None, "message": "interrupted", "success": False}
    finite = bool(np.all(np.isfinite(x)))
    return {"params": unravel(jnp.asarray(x if finite else best["x"], dtype)), "records": _columns(rows),
            "info": info, "interrupted": interrupted, "finite": finite}


def _columns(rows):
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return {k: np.array([r[k] for r in rows], dtype=np.float64) for k in keys}


def _as_result(members, start, monitor, timings=None):
    """Pad the members' histories to one length and package them as an EngineResult."""
    length = max(len(next(iter(mem["records"].values()), [])) for mem in members)
    names = list(dict.fromkeys(k for mem in members for k in mem["records"]))
    records = {k: np.full((len(members), length), np.nan) for k in names}
    recorded = np.zeros((len(members), length), dtype=bool)
    for i, mem in enumerate(members):
        for k, v in mem["records"].items():
            records[k][i, :len(v)] = v
        recorded[i, :len(next(iter(mem["records"].values()), []))] = True
    records["recorded"] = recorded
    import jax

    stacked = jax.tree.map(lambda *a: np.stack([np.asarray(x) for x in a]),
                           *[mem["params"] for mem in members])
    epochs = recorded.sum(axis=1)
    reasons = ["interrupted" if mem["interrupted"] else "diverged" if not mem["finite"]
               else "completed" if mem["info"].get("success") else "max_evaluations"
               for mem in members]
    loss = records[monitor] if monitor in records else records.get("loss")
    if monitor.endswith("accuracy"):
        loss = -loss
    best_epoch = np.array([int(np.nanargmin(r)) if np.any(np.isfinite(r)) else -1 for r in loss])
    seconds = time.perf_counter() - start
    result = engine.EngineResult(
        params=stacked, best_params=stacked, records=records, epochs_run=epochs,
        best_epoch=best_epoch, best_score=np.array([np.nanmin(r) if np.any(np.isfinite(r)) else np.inf for r in loss]),
        reasons=reasons, interrupted=any(m["interrupted"] for m in members),
        timings={"compile_s": 0.0, "train_s": seconds, **(timings or {}), "engine_s": seconds})
    result.solver_info = [m["info"] for m in members]
    return result
