"""Seed 002's least-squares fit, its gradient and Hessian at the end point, and its parameters."""

from __future__ import annotations

import time

import numpy as np

from ..diagnose import least_squares_stop_reason
from ._seed002_shared import _nnfit_to_seed_names, _params_frame, _quiet_fit, seed_parameters


def least_squares(ctx):
    """The seed's ``least_squares`` call as ``nnfit.fit(..., optimizer="trf")``, and its report.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).

    Returns
    -------
    ls : nnfit fit
    ls_pred : numpy.ndarray
        Its predictions at the training inputs.
    ls_mse : float
    """
    report, say, cfg, timings, numbers, X, y, model = (ctx.report, ctx.say, ctx.cfg, ctx.timings,
                                                       ctx.numbers, ctx.X, ctx.y, ctx.model)
    say("least squares fit (trf, the seed's least_squares)")
    t0 = time.perf_counter()
    ls, ls_warnings = _quiet_fit(model, X, y, optimizer="trf", epochs=cfg["max_nfev"], seed=0,
                                 dtype="float64")
    timings["least squares fit"] = time.perf_counter() - t0
    info = ls.solver_info[0]
    reason = least_squares_stop_reason(info["status"])
    ls_pred = ls.predict(X)
    ls_mse = float(np.mean((ls_pred - y) ** 2))
    numbers.update(ls_cost=info["cost"], ls_mse=ls_mse, ls_status=info["status"],
                   ls_stop_reason=reason, ls_message=info["message"], ls_nfev=info["nfev"])
    report.add_section("Least squares fit")
    report.add_text(
        "The seed calls least_squares(resid, x0=np.random.randn(10) * 0.1): scipy's trust-region "
        "method with its default limit of 100 evaluations per parameter. In nnfit that is "
        f"nnfit.fit(model, X, y, optimizer='trf', epochs={cfg['max_nfev']}, seed=0, "
        "dtype='float64'), with the exact Jacobian from JAX.")
    report.add_table({"cost (half the sum of squared residuals)": info["cost"],
                      "MSE": ls_mse, "stop reason": f"{reason} (scipy status {info['status']})",
                      "message": info["message"],
                      "success": info["success"], "function evaluations": info["nfev"],
                      "Jacobian evaluations": info["njev"],
                      "first-order optimality (max |gradient of cost|)": info["optimality"]},
                     "scipy.optimize.least_squares' report")
    if not info["success"]:
        report.add_warning(
            f"As in the seed, 'that looks bad, like we did not succeed': the solver stopped with "
            f"{reason} (scipy status {info['status']}: {info['message']}). The cost is small "
            f"though ({info['cost']:.3g}, an MSE of {ls_mse:.3g}): we just have not reached the "
            "tolerances for least_squares to claim success.", level="note")
    return ls, ls_pred, ls_mse


def curvature(ctx, ls):
    """The gradient and the Hessian's eigenvalues, determinant and flattest directions at ``ls``.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    ls : nnfit fit
        The least-squares fit.
    """
    import pandas as pd

    from nnfit import diagnose, plots

    report, say, timings, numbers, X, y = (ctx.report, ctx.say, ctx.timings, ctx.numbers, ctx.X,
                                           ctx.y)
    say("gradient and Hessian at the end point")
    t0 = time.perf_counter()
    # the seed differentiates sse = sum(resid ** 2); nnfit's 'sse' is half of it (scipy's cost)
    curv = diagnose.curvature(ls, X, y, loss="sse")
    grad = 2.0 * curv.gradient
    eig = 2.0 * curv.eigenvalues
    H = 2.0 * curv.hessian
    det = float(np.linalg.det(H))
    timings["gradient and Hessian"] = time.perf_counter() - t0
    names = diagnose.parameter_names(ls.network)
    seed_name = dict(zip(names, _nnfit_to_seed_names(names)))
    numbers.update(gradient_norm=float(np.linalg.norm(grad)),
                   gradient_max=float(np.max(np.abs(grad))),
                   hessian_eigenvalues=eig.tolist(), n_near_zero=int(curv.n_near_zero),
                   n_negative=int(np.sum(eig < -curv.threshold * 2.0)),
                   condition_number=float(curv.condition_number), determinant=det)
    report.add_section("Gradient and Hessian at the end point")
    report.add_text(
        "The seed's sse(params) = sum(resid ** 2) is differentiated exactly (JAX, float64) at "
        "the least-squares end point. The gradient is close to zero in every direction:")
    report.add_table(pd.DataFrame({"parameter": [seed_name[n] for n in names], "nnfit name": names,
                                   "d sse / d parameter": grad}),
                     f"Gradient at the end point (norm {np.linalg.norm(grad):.3g})")
    report.add_text(
        f"The Hessian's eigenvalues span {_decades(eig)} decades. {curv.n_near_zero} of the 10 "
        f"are near zero (below {2.0 * curv.threshold:.3g}, a millionth of the largest): "
        "directions in which the cost barely changes. The zeros suggest the model is too "
        "complex: it has more parameters than are required. The Hessian is singular to "
        f"working precision (determinant {det:.3g}, condition number "
        f"{curv.condition_number:.3g}: inverting it loses about "
        f"{max(0, int(round(np.log10(max(curv.condition_number, 1.0))))):d} of float64's 16 "
        "digits), so no method that needs an inverse Hessian (Newton's) can help with this "
        "optimization.")
    report.add_table(pd.DataFrame({"eigenvalue": eig,
                                   "near zero": np.isin(np.arange(eig.size), curv.near_zero)}),
                     "Eigenvalues of the Hessian of sse (ascending)")
    report.add_figure(plots.plot_hessian_spectrum(eig),
                      "Hessian spectrum by magnitude; crosses are near zero (|lambda| <= 1e-6 max)")
    nulls = curv.null_space_frame().set_axis([f"direction {k + 1}" for k in
                                              range(curv.n_near_zero)], axis=1)
    nulls.index = [f"{seed_name[n]} ({n})" for n in nulls.index]
    if curv.n_near_zero:
        report.add_table(nulls.iloc[:, :3].round(3),
                         "The flattest directions (unit eigenvectors): parameter combinations the "
                         "data barely determine", index=True)
    if curv.n_near_zero:
        flattest = nulls.iloc[:, 0]
        big = flattest[flattest.abs() >= 0.3].sort_values(key=np.abs, ascending=False)
        report.add_text(
            "The flattest direction moves " + ", ".join(
                f"{name.split(' ')[0]} ({value:+.2f})" for name, value in big.items())
            + " together: units that are nearly constant on [0, 1] (saturated tanh, see "
            "'Extrapolation') act like a second output bias, so b1 and their output weights can "
            "trade off without changing the fit.")
    if curv.n_near_zero == 0:
        report.add_warning("Not reproduced: no near-zero Hessian eigenvalue at the end point "
                           "(the seed finds several).")
    if numbers["gradient_norm"] > 1e-2:
        report.add_warning(f"The gradient at the end point is not small (norm "
                           f"{numbers['gradient_norm']:.3g}).")
    if numbers["n_negative"]:
        report.add_warning(f"{numbers['n_negative']} Hessian eigenvalue(s) are clearly negative: "
                           "the end point is not a minimum.")


def parameters(ctx, ls, ls_pred):
    """The least-squares fit drawn over the data, and its parameters by the seed's names.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    ls : nnfit fit
        The least-squares fit.
    ls_pred : numpy.ndarray
        Its predictions at the training inputs.

    Returns
    -------
    dict of str -> float
        The fitted parameters (:func:`seed_parameters`).
    """
    from nnfit import plots

    report, numbers, X, y = ctx.report, ctx.numbers, ctx.X, ctx.y
    report.add_section("The fit and its parameters")
    report.add_figure(plots.plot_fit(X[:, 0], y, ls_pred, series=False, title="least squares fit"),
                      "Data and the least-squares fit: the model works")
    ls_params = seed_parameters(ls.params)
    values = np.array(list(ls_params.values()))
    report.add_table(_params_frame({"least squares": ls_params}),
                     "The fitted parameters (the seed's names)")
    spread = np.log10(np.max(np.abs(values)) / max(np.min(np.abs(values)), 1e-300))
    report.add_text(
        f"The parameter values span {spread:.1f} orders of magnitude ({np.min(np.abs(values)):.3g} "
        f"to {np.max(np.abs(values)):.3g} in size); {int(np.sum(values < 0))} of 10 are negative "
        "here (the seed found all negative from its start: signs depend on the start, see the "
        "exercise below). Large output weights of opposite signs nearly cancel: the fit is a "
        "small difference of big terms.")
    numbers["ls_params"] = ls_params
    return ls_params


def _decades(values):
    mag = np.abs(np.asarray(values, dtype=np.float64))
    mag = mag[mag > 0]
    return f"{np.log10(mag.max() / mag.min()):.0f}" if mag.size > 1 else "0"
