"""Seed 002's Adam fit, and least squares (Levenberg-Marquardt, trust region) against Adam."""

from __future__ import annotations

import time

import numpy as np

from ._seed002_shared import _params_frame, _quiet_fit, seed_parameters


def adam(ctx, ls_params, EX):
    """Adam with step 0.01 until the MSE is below 2e-5, as the seed's loop.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    ls_params : dict of str -> float
        The least-squares parameters, shown beside Adam's.
    EX : numpy.ndarray
        The extrapolation inputs on [0, 10], shape (50, 1).
    """
    import pandas as pd

    from nnfit import plots

    report, say, cfg, timings, numbers, X, y, model = (ctx.report, ctx.say, ctx.cfg, ctx.timings,
                                                       ctx.numbers, ctx.X, ctx.y, ctx.model)
    say("Adam with step 0.01 until MSE < 2e-5")
    t0 = time.perf_counter()
    adam, _ = _quiet_fit(model, X, y, optimizer="adam", learning_rate=0.01, batch_size=None,
                         epochs=cfg["adam_epochs"], target_loss=2e-5, seed=0, dtype="float64")
    timings["Adam fit"] = time.perf_counter() - t0
    adam_mse = float(np.mean((adam.predict(X) - y) ** 2))
    steps = int(adam.epochs_run[0])
    numbers.update(adam_fit_mse=adam_mse, adam_fit_steps=steps,
                   adam_fit_reason=adam.stop_reasons[0])
    report.add_section("Modern machine learning: Adam")
    report.add_text(
        "The seed reformulates the model as nn(params, inputs) with init_random_params(0.1, "
        "[1, 3, 1]), and trains it with autograd's Adam, step_size=0.01, on the mean squared "
        "error, 50 steps at a time for up to 500 rounds, stopping when the MSE is below 2e-5. "
        "In nnfit: nnfit.fit(model, X, y, optimizer='adam', learning_rate=0.01, "
        f"batch_size=None, epochs={cfg['adam_epochs']}, target_loss=2e-5): one compiled "
        "program, checked after every step. (The seed's loop restarts Adam's moment estimates "
        "each time it calls adam(); nnfit runs one uninterrupted Adam.)")
    print_every = 5000
    hist = adam.history
    rows = hist[(hist["epoch"] - 1) % print_every == 0][["epoch", "mse"]]
    rows = pd.concat([rows, hist.tail(1)[["epoch", "mse"]]]).drop_duplicates("epoch")
    rows = rows.reset_index(drop=True)
    report.add_table(rows.rename(columns={"epoch": "step", "mse": "MSE"}),
                     f"The loop's printout: MSE every {print_every} steps and at the end")
    if adam.stop_reasons[0] == "target_reached":
        report.add_text(f"Tolerance reached after {steps} steps (the seed would report round "
                        f"{(steps - 1) // 50}): MSE {adam_mse:.3g}.")
    else:
        report.add_warning(f"Not reproduced: Adam did not reach MSE < 2e-5 in {steps} steps "
                           f"(MSE {adam_mse:.3g}).")
    report.add_figure(plots.plot_learning_curves(hist, ["mse"], log=True),
                      "Adam's loss per step (log scale)")
    report.add_table(_params_frame({"Adam": seed_parameters(adam.params),
                                    "least squares": ls_params}),
                     "Adam's parameters next to least squares' (same seed, same start)")
    report.add_text(
        "A crucial point is they don't appear related at all. They aren't: many sets of "
        "parameters lead to similar fits, and they are not interpretable as physical "
        "parameters. As before, this model cannot extrapolate:")
    report.add_figure(plots.plot_extrapolation(EX[:, 0], EX[:, 0] ** (1 / 3), adam.predict(EX),
                                               X_train=X[:, 0], y_train=y,
                                               title="Adam's network on [0, 10]"),
                      "The seed's last figure: analytical x^(1/3) and the network, with the "
                      "training region shaded")


def compare(ctx):
    """Levenberg-Marquardt, trust region and Adam from the same start, timed.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).

    Returns
    -------
    lm_mse, adam_mse, lm_time, adam_time : float
        The MSEs and the times in seconds.
    """
    from nnfit import diagnose

    report, say, cfg, timings, numbers, X, y, model = (ctx.report, ctx.say, ctx.cfg, ctx.timings,
                                                       ctx.numbers, ctx.X, ctx.y, ctx.model)
    say("least squares against Adam (timed)")
    t0 = time.perf_counter()
    compare = diagnose.compare_least_squares(X, y, model=model, methods=("lm", "trf", "adam"),
                                             learning_rate=0.01, target_mse=2e-5,
                                             max_epochs=cfg["adam_epochs"],
                                             max_nfev=cfg["compare_nfev"], seed=0,
                                             repeat=cfg["repeat"])
    timings["least squares against Adam"] = time.perf_counter() - t0
    by = compare.set_index("method")
    lm_mse, adam_mse_c = float(by.loc["lm", "mse"]), float(by.loc["adam", "mse"])
    lm_t, adam_t = float(by.loc["lm", "time_s"]), float(by.loc["adam", "time_s"])
    numbers.update(lm_mse=lm_mse, trf_mse=float(by.loc["trf", "mse"]), adam_mse=adam_mse_c,
                   lm_time_s=lm_t, trf_time_s=float(by.loc["trf", "time_s"]), adam_time_s=adam_t,
                   adam_steps=int(by.loc["adam", "nfev"]),
                   lm_gradient_norm=float(by.loc["lm", "gradient_norm"]),
                   compare_stop_reasons=dict(zip(compare["method"], compare["stop_reason"])))
    report.add_section("Least squares against Adam")
    report.add_text(
        "The seed's two fits side by side, each from the same start (seed 0) in float64: "
        "Levenberg-Marquardt (optimistix's, the whole solve one compiled program) and scipy's "
        f"trust-region method (a Python loop) with at most {cfg['compare_nfev']} evaluations, "
        "and Adam with step 0.01 until MSE < 2e-5 (one compiled program; "
        "diagnose.compare_least_squares; times are the fastest of "
        f"{max(cfg['repeat'], 1)} run(s) after a first that compiles).")
    shown = compare.astype({"optimality": object})
    # first-order optimality is least squares' number: an empty cell, not NaN, for Adam
    shown.loc[shown["optimality"].isna(), "optimality"] = None
    report.add_table(shown.rename(columns={"stop_reason": "stop reason"}),
                     "Least squares against Adam on seed 002's problem (optimality: scipy's "
                     "first-order optimality, least squares only)")
    report.add_text(
        f"Levenberg-Marquardt reaches an MSE of {lm_mse:.3g}, "
        + (f"{adam_mse_c / lm_mse:.0f} times lower than" if lm_mse < adam_mse_c else "not below")
        + f" Adam's {adam_mse_c:.3g}, in {lm_t * 1e3:.0f} ms against Adam's "
        f"{adam_t * 1e3:.0f} ms ({int(by.loc['adam', 'nfev'])} steps): "
        f"{100 * lm_t / adam_t:.0f}% of the time. For a small model on a small data set, "
        "nonlinear least squares with an exact Jacobian is the tool; gradient descent is what "
        "scales to millions of parameters.")
    if not lm_mse < adam_mse_c:
        report.add_warning(f"Not reproduced: Levenberg-Marquardt's MSE {lm_mse:.3g} is not below "
                           f"Adam's {adam_mse_c:.3g}.")
    if not adam_mse_c < 2e-5:
        report.add_warning(f"Adam did not reach the seed's MSE < 2e-5 ({adam_mse_c:.3g}).")
    if not lm_t < adam_t:
        report.add_warning(f"Levenberg-Marquardt took longer than Adam here ({lm_t:.3g} s "
                           f"against {adam_t:.3g} s).")
    return lm_mse, adam_mse_c, lm_t, adam_t
