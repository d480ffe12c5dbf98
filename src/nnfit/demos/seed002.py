"""Seed 002, "Flexible nonlinear models for regression", reproduced end to end.

The seed fits ``y = x^(1/3)`` (50 points on [0, 1]) with the 10-parameter model

    y = b1 + w10 tanh(w00 x + b00) + w11 tanh(w01 x + b01) + w12 tanh(w02 x + b02),

a 1-3-1 tanh network, first with ``scipy.optimize.least_squares`` from N(0, 0.1) starting values,
then with autograd's Adam. Its notebook never ran: ``import autograd.numpy`` fails on a current
NumPy (``numpy.msort`` is gone), and every later cell fails with it. Here every cell of the seed
runs through nnfit, in the seed's order:

- the least-squares fit (``nnfit.fit(..., optimizer="trf", epochs=1000)``: scipy's own method and
  default evaluation limit) with its cost, status and message;
- the gradient at the end point and the Hessian's eigenvalues, determinant and condition number
  (:func:`nnfit.diagnose.curvature`);
- the fit, the parameter values, and the exercise "run with new initializations"
  (:func:`nnfit.diagnose.multistart`, with unit symmetries removed before comparing);
- extrapolation to [0, 10] (:func:`nnfit.diagnose.extrapolate`) and the saturating tanh;
- the network as a basis expansion (:func:`nnfit.diagnose.unit_contributions`);
- Adam with step 0.01 until the MSE is below 2e-5, and the comparison with least squares
  (:func:`nnfit.diagnose.compare_least_squares`).

``build(quick=False, progress=None)`` returns the :class:`~nnfit.report.Report`; its ``numbers``
attribute holds the key results for tests.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

TITLE = "Flexible nonlinear models for regression (seed 002)"
SUMMARY = ("y = x^(1/3) fitted by a 10-parameter 1-3-1 tanh network: least squares, a singular "
           "Hessian, equally good fits with different parameters, saturating extrapolation, and "
           "Levenberg-Marquardt against Adam")

# the seed's names for the 10 parameters, in the order of its ``pars`` vector
SEED_NAMES = ("b1", "w10", "w00", "b00", "w11", "w01", "b01", "w12", "w02", "b02")

GOOD_COST_RATIO = 2.0  # a start is "equally good" within this factor of the best start's cost

FULL = dict(n_starts=8, repeat=3, max_nfev=1000, compare_nfev=200, adam_epochs=25000)
QUICK = dict(n_starts=4, repeat=1, max_nfev=1000, compare_nfev=200, adam_epochs=25000)


def seed_parameters(params):
    """The seed's named parameters from nnfit's ``[(W0, b0), (W1, b1)]`` of a 1-3-1 network.

    ``w0j = W0[0, j]``, ``b0j = b0[j]``, ``w1j = W1[j, 0]``, ``b1 = b1[0]``.

    Returns
    -------
    dict of str -> float, in the seed's order (:data:`SEED_NAMES`).
    """
    (W0, b0), (W1, b1) = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
                          for W, b in params]
    values = {"b1": float(b1.reshape(-1)[0])}
    for j in range(3):
        values.update({f"w1{j}": float(W1[j, 0]), f"w0{j}": float(W0[0, j]),
                       f"b0{j}": float(b0[j])})
    return {name: values[name] for name in SEED_NAMES}


def _quiet_fit(*args, **kwargs):
    """``nnfit.fit`` with its convergence warnings caught: the report states the solver status."""
    import nnfit

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = nnfit.fit(*args, **kwargs)
    return fit, [str(w.message) for w in caught]


def _line_figure(panels, *, size=None):
    """A small figure of curves and points: ``panels`` is a list of dicts with ``title``,
    ``xlabel``, ``ylabel``, ``series``: (x, y, label, kind) with kind 'points' or 'line', and
    optionally ``shade`` (an x interval) and ``logy``."""
    from ..plots.style import COLORS, CYCLE, new_figure, styled

    @styled
    def draw():
        fig, axes = new_figure(1, len(panels), size=size, squeeze=False)
        for ax, panel in zip(axes[0], panels):
            for k, (x, y, label, kind) in enumerate(panel["series"]):
                if kind == "points":
                    ax.scatter(x, y, s=14, color=COLORS["data"], alpha=0.7, label=label, zorder=3)
                else:
                    ax.plot(x, y, color=CYCLE[k % len(CYCLE)] if k else COLORS["fit"],
                            label=label)
            if panel.get("shade") is not None:
                lo, hi = panel["shade"]
                ax.axvspan(lo, hi, color=COLORS["train_range"], alpha=0.3, lw=0,
                           label="training range")
            if panel.get("logy"):
                ax.set_yscale("log")
            ax.set(xlabel=panel.get("xlabel", "x"), ylabel=panel.get("ylabel", "y"),
                   title=panel.get("title", ""))
            if any(s[2] for s in panel["series"]):
                ax.legend()
        return fig

    return draw()


def _params_frame(columns):
    """A table of parameters: one row per seed name, one column per fit."""
    import pandas as pd

    frame = pd.DataFrame({name: [values[n] for n in SEED_NAMES]
                          for name, values in columns.items()})
    frame.insert(0, "parameter", list(SEED_NAMES))
    return frame


def build(quick=False, progress=None):
    """Reproduce seed 002 and return its report.

    Parameters
    ----------
    quick : bool
        Fewer starts and untimed repeats (for tests); the same sections and fits.
    progress : callable(str), optional
        Told each step as it starts.

    Returns
    -------
    nnfit.report.Report
        With ``numbers``: a dict of the key results (MSEs, gradient norm, eigenvalues, spreads,
        times).
    """
    import pandas as pd

    import nnfit
    from nnfit import diagnose, plots
    from nnfit.report import Report, fit_warnings

    say = progress or (lambda message: None)
    cfg = QUICK if quick else FULL
    started = time.perf_counter()
    timings = {}
    numbers = {"quick": bool(quick)}

    data = nnfit.load_dataset("cube_root")
    X, y = data.X, data.y
    _, _, model = diagnose.seed_002_problem()  # 1-3-1 tanh, N(0, 0.1) initial values
    report = Report(TITLE, subtitle="Seed 002 reproduced with nnfit: every cell of the seed "
                    "notebook runs" + (" (quick mode: fewer starts and timings)" if quick else ""))

    # ------------------------------------------------------------------ the model and data
    report.add_section("Flexible nonlinear models for regression")
    report.add_text(
        "The seed fits y = x^(1/3) with a very general looking nonlinear model of 10 "
        "parameters, y = b1 + w10 tanh(w00 x + b00) + w11 tanh(w01 x + b01) + w12 tanh(w02 x + "
        "b02): a neural network with one input, one hidden layer of 3 tanh units and a linear "
        "output.\n\n"
        "The seed's notebook crashed in its first cell: `import autograd.numpy` raises "
        "AttributeError (module 'numpy' has no attribute 'msort') on a current NumPy, and every "
        "later cell fails with a NameError. nnfit computes the same derivatives with JAX, so "
        "every analysis below runs.")
    report.add_table({"points": len(X), "x": "np.linspace(0, 1) (50 points)",
                      "y": "x ** (1/3), no noise", "model": "1-3-1 tanh, linear output",
                      "parameters": 10,
                      "initial values": "N(0, 0.1^2) for every weight and bias (the seed's "
                                        "np.random.randn(10) * 0.1)"},
                     "The data and the model")
    report.add_figure(_line_figure([{"title": "the data",
                                     "series": [(X[:, 0], y, None, "points")]}], size=(5.0, 3.4)),
                      "The data: 50 points of y = x^(1/3); steep at 0, flat towards 1")

    # ------------------------------------------------------------------ least squares
    say("least squares fit (trf, the seed's least_squares)")
    t0 = time.perf_counter()
    ls, ls_warnings = _quiet_fit(model, X, y, optimizer="trf", epochs=cfg["max_nfev"], seed=0,
                                 dtype="float64")
    timings["least squares fit"] = time.perf_counter() - t0
    info = ls.solver_info[0]
    ls_pred = ls.predict(X)
    ls_mse = float(np.mean((ls_pred - y) ** 2))
    numbers.update(ls_cost=info["cost"], ls_mse=ls_mse, ls_status=info["status"],
                   ls_message=info["message"], ls_nfev=info["nfev"])
    report.add_section("Least squares fit")
    report.add_text(
        "The seed calls least_squares(resid, x0=np.random.randn(10) * 0.1): scipy's trust-region "
        "method with its default limit of 100 evaluations per parameter. In nnfit that is "
        f"nnfit.fit(model, X, y, optimizer='trf', epochs={cfg['max_nfev']}, seed=0, "
        "dtype='float64'), with the exact Jacobian from JAX.")
    report.add_table({"cost (half the sum of squared residuals)": info["cost"],
                      "MSE": ls_mse, "status": info["status"], "message": info["message"],
                      "success": info["success"], "function evaluations": info["nfev"],
                      "Jacobian evaluations": info["njev"],
                      "first-order optimality (max |gradient of cost|)": info["optimality"]},
                     "scipy.optimize.least_squares' report")
    if not info["success"]:
        report.add_warning(
            f"As in the seed, 'that looks bad, like we did not succeed': the solver stopped with "
            f"status {info['status']} ({info['message']}). The cost is small though "
            f"({info['cost']:.3g}, an MSE of {ls_mse:.3g}): we just have not reached the "
            "tolerances for least_squares to claim success.", level="note")

    # ------------------------------------------------------------------ gradient and Hessian
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

    # ------------------------------------------------------------------ the fit and parameters
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

    # ------------------------------------------------------------------ the exercise: new starts
    say(f"exercise: {cfg['n_starts']} new initializations")
    t0 = time.perf_counter()
    left = np.linspace(-1, 0, 60)[:-1, None]
    right = np.linspace(1, 10, 200)[1:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = diagnose.multistart(model, X, y, n_starts=cfg["n_starts"], optimizer="trf",
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
        f"{cfg['n_starts'] - 1}, the seed's call for each) with diagnose.multistart. Part of any "
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

    # ------------------------------------------------------------------ extrapolation
    say("extrapolation to [0, 10]")
    EX = np.linspace(0, 10, 50)[:, None]
    table = diagnose.extrapolate(ls, X, EX)
    numbers.update(extrapolation_outside=int(table["outside"].sum()),
                   extrapolation_error_at_10=float(table["prediction"].iloc[-1] - 10 ** (1 / 3)),
                   prediction_at_10=float(table["prediction"].iloc[-1]))
    report.add_section("Extrapolation")
    report.add_text(
        "We fitted a nonlinear model to the data, so we should not expect it to extrapolate "
        "reliably. The seed shows it on EX = np.linspace(0, 10):")
    report.add_figure(plots.plot_extrapolation(EX[:, 0], EX[:, 0] ** (1 / 3), ls.predict(EX),
                                               X_train=X[:, 0], y_train=y,
                                               title="least squares fit on [0, 10]"),
                      "The model saturates for large x; the real function keeps rising")
    for level, text in fit_warnings(ls, EX, X):
        if text.startswith("Extrapolation"):
            report.add_warning(text, level=level)
    shown = table.iloc[[0, 4, 5, 10, 20, 30, 49]].reset_index(drop=True)
    shown.insert(2, "x^(1/3)", shown["x"] ** (1 / 3))
    report.add_table(shown.drop(columns=["std"]),
                     "diagnose.extrapolate: prediction and how far outside the training inputs "
                     "(range_score in training ranges; Mahalanobis distance)")
    tx = np.linspace(-5, 5, 200)
    fine = np.linspace(0, 10, 1000)
    hidden = ls.layer_outputs(fine[:, None])[1]
    report.add_figure(_line_figure([
        {"title": "tanh saturates", "series": [(tx, np.tanh(tx), "tanh(x)", "line")]},
        {"title": "the 3 hidden units on [0, 10]", "xlabel": "x",
         "ylabel": "1 - |tanh(w0j x + b0j)|", "shade": (0, 1), "logy": True,
         "series": [(fine, np.maximum(1 - np.abs(hidden[:, j]), 1e-16), f"unit {j + 1}", "line")
                    for j in range(hidden.shape[1])]}], size=(9.5, 3.4)),
        "Left: tanh is flat beyond a few units of its argument. Right: how far each hidden unit "
        "is from its limit +-1 (log scale). The units work in their tails already on [0, 1] "
        "and reach their limits beyond it, so their sum is flat too")
    report.add_text(
        f"At x = 10 the model predicts {numbers['prediction_at_10']:.3g} where x^(1/3) = "
        f"{10 ** (1 / 3):.3g}. That might be anticipated from the tanh function: it saturates at "
        "large values, and the network does not learn anything but a representation of the data "
        "in the region the regression is done.")

    # ------------------------------------------------------------------ basis expansion
    say("the network as a basis expansion")
    report.add_section("Another interpretation: a basis expansion")
    report.add_text(
        "In matrix notation the model is y = w1 @ tanh(w0 @ x + b0) + b1: multiply the input by "
        "the weights w0, add the biases b0, activate by tanh, multiply by w1 and add b1. That is "
        "a neural network with an input layer, one hidden layer of 3 tanh neurons and a linear "
        "output layer, drawn below.\n\n"
        "Like a partial Fourier series f(x) = a0/2 + sum a_n cos(n x), a one-layer network is an "
        "expansion in a basis of activation functions, but with the frequencies (w0), offsets "
        "(b0) and coefficients (w1) all fitted. The contributions w1j tanh(w0j x + b0j) of the "
        "three units, plus b1, add up to the prediction exactly:")
    report.add_figure(plots.plot_network(ls.network.layer_sizes, ls.network.activations,
                                         ls.params, input_names=("x",)),
                      "The 1-3-1 network: 10 parameters; edge width |w|, blue positive, red "
                      "negative")
    x_grid = np.linspace(0, 1, 200)
    C, bias, pred = plots.unit_contributions(ls, x_grid)
    report.add_figure(plots.plot_unit_contributions(x_grid, C, bias, pred, X_train=X[:, 0],
                                                    y_train=y),
                      "The basis functions w1j tanh(w0j x + b0j) (left) and their sum plus b1 "
                      "(right)")
    units = diagnose.unit_contributions(ls, x_grid)
    numbers["basis_max_abs_error"] = float(np.max(np.abs(units.contributions.sum(1) + units.bias
                                                          - units.prediction)))
    report.add_text(
        f"The largest contribution reaches {np.max(np.abs(C)):.3g} while the function stays "
        "between 0 and 1: this basis is far from orthogonal, and big terms cancel, which is "
        "another face of the near-zero Hessian eigenvalues.")

    # ------------------------------------------------------------------ Adam
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

    # ------------------------------------------------------------------ LM vs Adam
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
                   lm_gradient_norm=float(by.loc["lm", "gradient_norm"]))
    report.add_section("Least squares against Adam")
    report.add_text(
        "The seed's two fits side by side, each from the same start (seed 0) in float64: "
        f"Levenberg-Marquardt and the trust-region method with at most {cfg['compare_nfev']} "
        "evaluations, and Adam with step 0.01 until MSE < 2e-5 (diagnose.compare_least_squares; "
        f"times are the fastest of {max(cfg['repeat'], 1)} run(s) after a first that compiles).")
    report.add_table(compare, "Least squares against Adam on seed 002's problem")
    report.add_text(
        f"Levenberg-Marquardt reaches an MSE of {lm_mse:.3g}, {adam_mse_c / lm_mse:.0f} times "
        f"lower than Adam's {adam_mse_c:.3g}, in {lm_t * 1e3:.0f} ms against Adam's "
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

    # ------------------------------------------------------------------ summary
    total = time.perf_counter() - started
    timings["total"] = total
    numbers["total_s"] = total
    report.add_section("Summary")
    report.add_text(
        "Every analysis of the seed ran: the least-squares fit (small cost, 'not converged' "
        "status), a near-zero gradient, a singular Hessian with near-zero eigenvalues, equally "
        "good fits with different parameters, a model that saturates outside [0, 1], the "
        "network as a basis expansion, and Adam reaching MSE < 2e-5 where Levenberg-Marquardt "
        "goes lower in a fraction of the time.")
    report.add_table({
        "least squares MSE (trf, seed's call)": ls_mse,
        "gradient norm at the end point": numbers["gradient_norm"],
        "near-zero Hessian eigenvalues (of 10)": numbers["n_near_zero"],
        "Hessian condition number": numbers["condition_number"],
        "starts": cfg["n_starts"],
        "min parameter distance between starts, symmetries removed":
            numbers["multistart_canonical_distance_min"],
        "max prediction range across starts on [0, 1]": numbers["inside_max_range"],
        "equally good starts": numbers["n_good_starts"],
        "max prediction range across starts left of the data, [-1, 0)":
            numbers["left_max_range"],
        "max prediction range across starts on (1, 10]": numbers["right_max_range"],
        "prediction at x = 10 (truth 2.154)": numbers["prediction_at_10"],
        "Levenberg-Marquardt MSE": lm_mse, "Adam MSE": adam_mse_c,
        "Levenberg-Marquardt time (s)": lm_t, "Adam time (s)": adam_t,
        "Adam steps": numbers["adam_steps"]}, "Key numbers")
    report.add_timings(timings, "Time spent (seconds, including JAX compilation)")
    report.add_environment()
    report.numbers = numbers
    return report


def _nnfit_to_seed_names(names):
    """nnfit's flat names (``W0[0,j]``, ``b0[j]``, ``W1[j,0]``, ``b1[0]``) -> the seed's."""
    out = []
    for n in names:
        layer, rest = n[1], n[3:-1].split(",")
        if n[0] == "W":
            j = rest[1] if layer == "0" else rest[0]
            out.append(f"w{layer}{j}")
        else:
            out.append("b1" if layer == "1" else f"b0{rest[0]}")
    return out


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


def _decades(values):
    mag = np.abs(np.asarray(values, dtype=np.float64))
    mag = mag[mag > 0]
    return f"{np.log10(mag.max() / mag.min()):.0f}" if mag.size > 1 else "0"
