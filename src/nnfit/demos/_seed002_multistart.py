"""Seed 002's exercise "run with new initializations": equally good fits, different parameters."""

from __future__ import annotations

import time
import warnings

import numpy as np

from ._seed002_shared import _params_frame, seed_parameters

GOOD_COST_RATIO = 2.0  # a start is "equally good" within this factor of the best start's cost


def new_initializations(ctx):
    """Several starts of the seed's fit, compared with the unit symmetries removed.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    """
    import pandas as pd

    from nnfit import diagnose, plots

    report, say, cfg, timings, numbers, X, y, model = (ctx.report, ctx.say, ctx.cfg, ctx.timings,
                                                       ctx.numbers, ctx.X, ctx.y, ctx.model)
    say(f"exercise: {cfg['n_starts']} new initializations")
    t0 = time.perf_counter()
    left = np.linspace(-1, 0, 60)[:-1, None]
    right = np.linspace(1, 10, 200)[1:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Levenberg-Marquardt solves every start at once (one compiled program, vmapped over
        # the starts); the seed's trust-region call solves them one after another in Python
        ms = diagnose.multistart(model, X, y, n_starts=cfg["n_starts"], optimizer="lm",
                                 epochs=cfg["max_nfev"], dtype="float64", seed=0,
                                 X_outside=np.vstack([left, right]))
    timings["multi-start"] = time.perf_counter() - t0
    costs = np.array([info["cost"] for info in ms.fit.solver_info])
    good = np.flatnonzero(costs <= GOOD_COST_RATIO * costs.min())
    numbers.update(_multistart_numbers(ms, y, good, left, right))
    report.add_section("Exercise: new initializations")
    report.add_text(
        f"'Run this sequence several times with new initializations. You should get equally good "
        f"fits, but different parameters.' nnfit runs {cfg['n_starts']} starts (seeds 0 to "
        f"{cfg['n_starts'] - 1}) with diagnose.multistart: Levenberg-Marquardt with the seed's "
        f"limit of {cfg['max_nfev']} evaluations, every start at once in one compiled program. "
        "Part of any "
        "difference is trivial: the 3 hidden units can be relabelled, and tanh is odd, so a "
        "unit's signs can be flipped without changing the function. diagnose.canonical_params "
        "removes both symmetries (sign: largest incoming weight positive; order: by change "
        "point -b/w) before the parameters are compared; what remains is real non-uniqueness. "
        f"A start counts as equally good when its cost is within {GOOD_COST_RATIO:g} times the "
        "best start's.")
    starts = {f"start {k}": seed_parameters(diagnose.canonical_params(
        ms.fit.network, ms.fit.member_params(k))) for k in range(cfg["n_starts"])}
    extra = pd.DataFrame([["cost", *costs],
                          ["equally good", *("yes" if k in good else "no"
                                             for k in range(cfg["n_starts"]))]],
                         columns=["parameter", *starts])
    table = pd.concat([_params_frame(starts).astype(object), extra.astype(object)],
                      ignore_index=True)
    report.add_table(table, "Each start's parameters after removing the unit symmetries, its "
                            "cost, and whether it is as good as the best")
    sub = np.ix_(good, good)
    off = ~np.eye(len(good), dtype=bool)
    pairs = lambda D: (D[sub][off].min(), np.median(D[sub][off]), D[sub][off].max())  # noqa: E731
    report.add_table(pd.DataFrame(
        [("raw", *pairs(ms.distance)), ("symmetries removed", *pairs(ms.canonical_distance))],
        columns=["parameters", "min", "median", "max"]),
        f"Euclidean distances between the {len(good)} equally good starts' 10-parameter vectors")
    report.add_table(pd.DataFrame(numbers["multistart_spreads"]),
                     "How much the equally good starts' predictions differ: standard deviation "
                     "across starts (mean and max over the points) and the largest max - min")
    zoom = np.linspace(-0.15, 1.15, 300)
    members = ms.fit.predict_members(zoom[:, None])[good]
    fig = plots.plot_ensemble_band(zoom, members.mean(0), members.std(0), X[:, 0], y,
                                   members=members, title="the equally good starts near the data")
    fig.axes[0].set_ylim(-1.0, 2.0)
    report.add_figure(fig, "The starts agree on [0, 1] and part ways as soon as they leave it "
                           "(left of 0 the curves run off the axes)")
    far = np.linspace(0, 10, 200)
    members = ms.fit.predict_members(far[:, None])[good]
    report.add_figure(plots.plot_ensemble_band(far, members.mean(0), members.std(0), X[:, 0], y,
                                               members=members, title="... and on [0, 10]"),
                      "To the right the saturating starts disagree far less")
    spreads = {row["where"]: row for row in numbers["multistart_spreads"]}
    inside, lft, rgt = (spreads[k] for k in ("inside the data, [0, 1]", "left, [-1, 0)",
                                             "right, (1, 10]"))
    report.add_text(
        f"{len(good)} of {cfg['n_starts']} starts fit equally well (cost {costs[good].min():.3g} "
        f"to {costs[good].max():.3g}); their predictions on [0, 1] differ by at most "
        f"{inside['max_range']:.2g}, yet their parameters are at least "
        f"{numbers['multistart_canonical_distance_min']:.3g} apart even with the symmetries "
        "removed. These models are not unique, and the parameters have no particular meaning. "
        f"Outside the data the predictions part: by up to {lft['max_range']:.3g} left of 0 and "
        f"{rgt['max_range']:.3g} on (1, 10].")
    if len(good) < cfg["n_starts"]:
        report.add_warning(
            f"{cfg['n_starts'] - len(good)} of {cfg['n_starts']} starts stopped at a worse cost "
            f"(seeds {', '.join(str(k) for k in range(cfg['n_starts']) if k not in good)}): "
            f"with the seed's limit of {cfg['max_nfev']} evaluations not every start reaches an "
            "equally good fit; the comparison uses the others.", level="note")
    if len(good) < 2 or numbers["multistart_canonical_distance_min"] <= 1e-6:
        report.add_warning("Not reproduced: fewer than two equally good starts with different "
                           "parameters (after removing the symmetries).")
    if inside["max_range"] > 1e-2:
        report.add_warning(f"The equally good starts' predictions differ by "
                           f"{inside['max_range']:.3g} inside the data.")


def _multistart_numbers(ms, y, good, left, right):
    """Spreads and distances of the equally good starts (indices ``good``) of a MultiStart."""
    sub = np.ix_(good, good)
    off = ~np.eye(len(good), dtype=bool)
    inside = ms.predictions_inside[good]
    outside = ms.predictions_outside[good]
    regions = [("inside the data, [0, 1]", inside),
               ("left, [-1, 0)", outside[:, :len(left)]),
               ("right, (1, 10]", outside[:, len(left):])]
    spreads = [{"where": name, "points": P.shape[1], "mean_std": float(P.std(0).mean()),
                "max_std": float(P.std(0).max()), "max_range": float((P.max(0) - P.min(0)).max())}
               for name, P in regions]
    canonical = ms.canonical_distance[sub][off] if len(good) > 1 else np.array([0.0])
    raw = ms.distance[sub][off] if len(good) > 1 else np.array([0.0])
    return {"n_starts": len(ms.fit.solver_info), "n_good_starts": int(len(good)),
            "multistart_mse_max": float(((inside - y[None, :]) ** 2).mean(axis=1).max()),
            "multistart_distance_min": float(raw.min()),
            "multistart_canonical_distance_min": float(canonical.min()),
            "multistart_canonical_distance_median": float(np.median(canonical)),
            "inside_max_range": spreads[0]["max_range"], "inside_max_std": spreads[0]["max_std"],
            "left_max_range": spreads[1]["max_range"], "right_max_range": spreads[2]["max_range"],
            "outside_max_range": max(spreads[1]["max_range"], spreads[2]["max_range"]),
            "multistart_spreads": spreads}
