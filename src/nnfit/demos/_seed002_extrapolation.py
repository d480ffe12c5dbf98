"""Seed 002's extrapolation to [0, 10] and the network read as a basis expansion."""

from __future__ import annotations

import numpy as np

from ._seed002_shared import _line_figure


def extrapolation(ctx, ls):
    """The least-squares fit on [0, 10]: the saturating tanh and how far outside the data it is.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    ls : nnfit fit
        The least-squares fit.

    Returns
    -------
    numpy.ndarray
        ``EX``, the seed's 50 inputs on [0, 10], shape (50, 1).
    """
    from nnfit import diagnose, plots
    from nnfit.report import fit_warnings

    report, say, numbers, X, y = ctx.report, ctx.say, ctx.numbers, ctx.X, ctx.y
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
    return EX


def basis_expansion(ctx, ls):
    """The network as a sum of fitted tanh basis functions, drawn unit by unit.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed002_shared.Run`).
    ls : nnfit fit
        The least-squares fit.
    """
    from nnfit import diagnose, plots

    report, say, numbers, X, y = ctx.report, ctx.say, ctx.numbers, ctx.X, ctx.y
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
