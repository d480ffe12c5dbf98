"""Seed 000, "Regression Intuition", reproduced.

A line fitted four exact ways (pseudo-inverse, SVD, scikit-learn, nnfit), then Keras networks of
growing depth and non-linearity on three data sets — the line, a cubed feature and a sine —
each trained here by nnfit with the seed's settings (normaliser on ``[x0 = 1, x1]``, Adam,
learning rate, epochs, batches of 32, the seed's validation split). What the seed only says,
nnfit shows: a network of linear layers, "no matter how deep", collapses to one linear map
(``nnfit.diagnose.collapse_linear``), and that map is the least-squares line.

Differences from the seed, on purpose: Keras' ``Normalization.adapt`` saw every row, validation
included; nnfit learns the statistics from the training rows only, so validation stays unseen.
The Keras runs are unseeded; nnfit's are seeded (seed 0, or seeds 0-3 where four networks are
trained together), so every number here is reproducible.
"""

from __future__ import annotations

import numpy as np

from ._common import DemoReport, Steps, mse

TITLE = "Regression intuition"
SUMMARY = ("Seed 000: a line by pinv, SVD and scikit-learn; Keras-style networks of growing depth "
           "on a line, a cubed feature and a sine, trained by nnfit with the seed's settings; "
           "linear networks collapsed to the least-squares line.")

THETA_SEED = np.array([103.49534596, 49.82930935])  # the seed's printed theta
# df.head() of the cubic data as the seed prints it: x1, y
CUBIC_HEAD = np.array([[-0.528099, 57.401862], [0.000913, 102.950676], [0.105983, 123.553604],
                       [-3.232089, -9.967066], [-0.057206, 77.788884]])
BIG_EPOCHS_QUICK = 100  # the 40,806-parameter network in quick mode (the seed: 1000)

# The seed's networks: (key, heading, hidden, activation, learning rate, epochs,
# validation split, members, (total, trainable, non-trainable) as the seed's summary prints them)
LINE = [
    ("perceptron", "A neural net like perceptron", (), "linear", 0.1, 1000, 0.2, 4, (8, 3, 5)),
    ("line-linear-5-5", "A little bit deep neural net but no activation functions", (5, 5),
     "linear", 0.1, 100, 0.2, 4, (56, 51, 5)),
    ("line-sigmoid-5-5", "Now a neural net with sigmoid applied", (5, 5),
     ("sigmoid", "linear"), 0.1, 100, 0.2, 4, (56, 51, 5)),
    ("line-2sigmoid-5-5", "2 sigmoids applied in the net", (5, 5), "sigmoid", 0.1, 500, 0.2, 4,
     (56, 51, 5)),
]
CUBIC = [
    ("cubic-linear-5-5", "A completely linear model for complex data", (5, 5), "linear", 0.01,
     100, 0.2, 4, (56, 51, 5)),
    ("cubic-sigmoid-5-5", "With a sigmoid introducing non linearity", (5, 5),
     ("sigmoid", "linear"), 0.01, 100, 0.2, 4, (56, 51, 5)),
    ("cubic-relu-5-5", "With a relu layer", (5, 5), ("relu", "linear"), 0.01, 200, 0.2, 4,
     (56, 51, 5)),
    ("cubic-2relu-5-5", "With two relu layers", (5, 5), "relu", 0.01, 100, 0.2, 4, (56, 51, 5)),
]
SINE = [
    ("sine-linear-5", "Trying out with linear model", (5,), "linear", 0.01, 500, 0.2, 4,
     (26, 21, 5)),
    ("sine-2sigmoid-5-5", "Now with 2 sigmoid layers", (5, 5), "sigmoid", 0.01, 500, 0.3, 4,
     (56, 51, 5)),
    ("sine-deep-100", "6 layers neural network with sigmoid and tanh", (100,) * 5,
     ("sigmoid",) * 3 + ("tanh",) * 2, 0.01, 1000, 0.3, 1, (40806, 40801, 5)),
]

# What the seed says after each network (its own words, lightly edited), and what to look for.
SEED_SAYS = {
    "perceptron": "Trained, the single unit is a straight line through the data.",
    "line-linear-5-5": "“So I didn't introduce any activation / non-linearity, and it is, no "
                       "matter how deep the network is, a linear regression model.” Below, "
                       "nnfit proves it: the network is collapsed to the one linear map it "
                       "computes.",
    "line-sigmoid-5-5": "“A little bit curved from sigmoid, trying to fit the pattern.”",
    "line-2sigmoid-5-5": "“More curves / non-linear pattern matching, with increasing sigmoid "
                         "layers.”",
    "cubic-linear-5-5": "“As expected, no matter how deep it is, it matches a linear pattern.”",
    "cubic-sigmoid-5-5": "One sigmoid layer can bend the line towards the cube-root shape.",
    "cubic-relu-5-5": "A relu layer makes the fit piecewise linear, with a kink where each unit "
                      "switches on; a unit that never switches on inside the data adds nothing, "
                      "so some seeds bend the line and some barely do.",
    "cubic-2relu-5-5": "Two relu layers: more pieces, in 100 epochs.",
    "sine-linear-5": "“I know this is not gonna work.” … “Pretty obvious.” A linear model has "
                     "nothing to offer a target that is sin(4X) of a noisy copy of x1.",
    "sine-2sigmoid-5-5": "Two sigmoid layers of 5 units, 500 epochs, 30 % held out.",
    "sine-deep-100": "Five layers of 100 units, sigmoid then tanh: 40,801 trainable parameters "
                     "for 350 training points.",
}


def build(quick=False, progress=None):
    """Reproduce seed 000 and return its report (``.numbers``, ``.checks``).

    ``quick`` trains the 40,806-parameter network for 100 epochs instead of the seed's 1000 and
    renders the figures at a lower resolution; every other network trains exactly as the seed
    says (they take milliseconds once compiled).
    """
    import pandas as pd

    from ..datasets import load_dataset

    step = Steps(progress)
    r = DemoReport(TITLE, "Seed 000 (“Regression Intuition”), reproduced with nnfit: exact "
                   "solvers, and the seed's Keras networks trained with the same settings",
                   quick=quick)
    num = r.numbers
    num.update(params={}, mse={}, collapse={}, epochs={}, timings={})
    table = []

    step("the linear data")
    line = load_dataset("linear")
    X = _with_x0(line.X)
    x, y = line.X[:, 0], line.y
    r.add_section("Regression intuition: the data")
    r.add_text(
        "X, y = make_regression(n_features=1, noise=30, random_state=42, bias=100): 100 points "
        "near a line (nnfit.load_dataset(\"linear\")). As the seed does, a constant column "
        "x0 = 1 is put beside x1, so the line is X·θ with θ = [intercept, slope].")
    r.add_figure(_scatter(x, y, "x1", "y"), "The data (df.plot(x='x1', y='y', kind='scatter')).")

    step("the closed form, every way")
    _closed_form(r, X, x, y)

    r.add_section("Let's try something with neural networks")
    r.add_text(
        "Every network below is the seed's Keras model — Normalization on [x0, x1], then Dense "
        "layers, a linear output — trained by nnfit.fit with the seed's settings: Adam, MSE, "
        "batches of 32, the last 20 % (or 30 %) of the rows held out for validation, as Keras' "
        "validation_split takes them. Keras' adapt() saw all the rows; nnfit learns the "
        "normalisation from the training rows only, so the validation rows stay unseen. The "
        "constant x0 normalises to 0 in both (its variance is 0): its weight never trains, and "
        "the first layer's bias does the intercept's work.")
    for spec in LINE:
        _network(r, step, spec, X, y, x, "x1", table, "line", quick)

    step("the cubic data")
    cubic = load_dataset("cubic")
    Xc, xc, yc = _with_x0(cubic.X), cubic.X[:, 0], cubic.y
    r.add_section("Let's try with a little bit complex pattern")
    r.add_text(
        "make_regression(n_features=1, noise=20, random_state=42, bias=100, n_samples=500), and "
        "the feature cubed: x1 = X³ with y unchanged, so y grows like the cube root of x1 — "
        "steep near 0, flat far out. The networks here use Adam with learning rate 0.01.")
    head = cubic.to_frame().head()
    head.insert(2, "x0", 1)
    r.add_table(head, "df.head(), as the seed prints it", digits=9)
    r.check("the cubic data's first five rows equal the seed's df.head()",
            head[["x1", "y"]].to_numpy(), CUBIC_HEAD, atol=5e-7)
    num["cubic_head"] = head[["x1", "y"]].to_numpy().tolist()
    r.add_figure(_scatter(xc, yc, "x1", "y"), "The cubic data.")
    for spec in CUBIC:
        _network(r, step, spec, Xc, yc, xc, "x1", table, "cubic", quick)

    step("the sine data")
    sine = load_dataset("sine")
    Xs, xs, ys = _with_x0(sine.X), sine.X[:, 0], sine.y
    r.add_section("Sine wave with a neural network")
    r.add_text(
        "X, y = make_regression(n_features=1, noise=10, random_state=42, n_samples=500); the "
        "seed then takes make_regression's y as the feature x1 and sin(4X) as the target. x1 "
        "is a noisy multiple of X, so the target is a sine of x1 blurred by that noise: no "
        "model can fit it exactly.")
    shapes = f"X.shape, y.shape = {sine.X.shape}, {sine.y.shape}"
    r.add_preformatted(shapes, "The seed prints ((500, 1), (500,))")
    r.check_true("the sine data have the seed's shapes ((500, 1), (500,))",
                 sine.X.shape == (500, 1) and sine.y.shape == (500,), shapes)
    r.add_figure(_scatter(xs, ys, "x1", "y"), "The sine data.")
    for spec in SINE:
        _network(r, step, spec, Xs, ys, xs, "x1", table, "sine", quick)

    step("the summary")
    r.add_section("Summary: every model's final error")
    r.add_text(
        "Mean squared error of each network (member 0, the seed's one network) on its training "
        "rows and on the held-out rows, from the final weights, with the range of the "
        "validation MSE over the seeds, beside the exact least-squares line of the same "
        "training rows. The linear networks can at best equal the least-squares line; only "
        "the non-linear ones can beat it, and on the sine only they fit at all.")
    frame = pd.DataFrame(table)
    r.add_table(frame, "Final train and validation MSE per model")
    num["table"] = frame.to_dict("records")
    r.add_section("Checks")
    r.add_checks_table()
    return r


# --------------------------------------------------------------------------------- pieces

def _with_x0(X):
    """The seed's features: x0 = 1 beside x1, shape (n, 2)."""
    return np.c_[np.ones(len(X)), X]


def _closed_form(r, X, x, y):
    import warnings

    import pandas as pd
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    from ..linear import solve
    from ..linear_regression import LinearRegression
    from ..plots import plot_fit

    thetas = {}
    thetas["np.linalg.pinv(X) @ y (the seed)"] = np.linalg.pinv(X) @ y
    u, s, vT = np.linalg.svd(X, full_matrices=False)
    svd_theta = vT.T @ np.linalg.pinv(np.diag(s)) @ u.T @ y
    thetas["vT.T @ pinv(diag(s)) @ u.T @ y (the seed)"] = svd_theta
    sk = SkLinearRegression().fit(X, y)   # the seed's call: x0 beside x1, with an intercept
    thetas["sklearn LinearRegression (the seed)"] = np.array([sk.intercept_ + sk.coef_[0],
                                                             sk.coef_[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # 'normal' warns only when ill-conditioned
        for solver in ("svd", "qr", "pinv", "normal"):
            sol = solve(x[:, None], y, solver=solver)
            thetas[f"nnfit.linear.solve (solver='{solver}')"] = np.array([sol.intercept,
                                                                          sol.coef[0]])
    est = LinearRegression().fit(x[:, None], y)
    thetas["nnfit.LinearRegression()"] = np.array([est.intercept_, est.coef_[0]])
    r.numbers["thetas"] = {k: v.tolist() for k, v in thetas.items()}
    r.numbers["theta"] = thetas["nnfit.linear.solve (solver='svd')"].tolist()

    r.add_section("Fitting a linear regression model")
    r.add_text(
        "Xθ = Y has no exact solution for 100 points and 2 unknowns; the least-squares θ is "
        "X⁺Y, with X⁺ the pseudo-inverse. The seed computes it three ways and prints "
        "theta : [103.49534596 49.82930935] twice; nnfit recomputes the seed's three and adds "
        "its own four solvers and its estimator.")
    r.add_section("Revisiting the pseudo-inverse, SVD and linear systems, and good old sklearn",
                  level=3)
    r.add_table(pd.DataFrame({"method": list(thetas),
                              "θ0 (intercept)": [t[0] for t in thetas.values()],
                              "θ1 (slope)": [t[1] for t in thetas.values()],
                              "max |θ − seed's θ|": [float(np.max(np.abs(t - THETA_SEED)))
                                                     for t in thetas.values()]}),
                "θ by every method, beside the seed's printed [103.49534596, 49.82930935]",
                digits=11)
    for name, theta in thetas.items():
        r.check(f"θ by {name} equals the seed's [103.49534596, 49.82930935]", theta, THETA_SEED,
                atol=1e-8)
    theta = thetas["nnfit.linear.solve (solver='svd')"]
    r.add_figure(plot_fit(x, y, X @ theta, x_label="x1"),
                 "plot_regression(df.x1, df.y, y_hat): the data and the least-squares line; "
                 "right, the series view (y and ŷ against the row index).")


def _network(r, step, spec, X, y, x, x_label, table, data_name, quick):
    """Train one of the seed's networks (with seeds 0..members-1) and add its subsection."""
    import warnings

    from .. import plots
    from ..mlp import MLP
    from ..training import fit as train

    key, heading, hidden, activation, lr, epochs, split, members, counts = spec
    if quick and key == "sine-deep-100":
        epochs = BIG_EPOCHS_QUICK
    step(f"{data_name}: {heading.lower()} ({epochs} epochs)")
    model = MLP(hidden=hidden, activation=activation, normalize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = train(model, X, y, optimizer="adam", learning_rate=lr, epochs=epochs,
                    batch_size=32, validation_split=split, n_members=members, seed=0)
    n_train = int(np.floor(len(X) * (1 - split)))
    preds = fit.predict_members(X)                      # (members, n)
    train_mse = [mse(y[:n_train], p[:n_train]) for p in preds]
    val_mse = [mse(y[n_train:], p[n_train:]) for p in preds]
    linear = all(a == "linear" for a in fit.network.spec.activation)
    num = r.numbers
    num["params"][key] = list(fit.network.parameter_counts())
    num["mse"][key] = {"train": train_mse[0], "val": val_mse[0], "train_members": train_mse,
                       "val_members": val_mse}
    num["epochs"][key] = epochs
    num["timings"][key] = {k: float(v) for k, v in fit.timings.items()}

    r.add_section(heading, level=3)
    layers = " → ".join(["Normalization"] + [
        f"Dense({w}{'' if a == 'linear' else ', ' + a})" for w, a in
        zip(hidden, fit.network.spec.activation)] + ["Dense(1)"])
    r.add_text(
        f"{layers}; Adam, learning rate {lr:g}, {epochs} epochs"
        + (f" (the seed: {spec[5]}; quick mode)" if epochs != spec[5] else "")
        + f", batches of 32, validation_split {split:g} ({n_train} training rows)."
        + (f" The seed trains one network; nnfit trains {members} at once (seeds 0–"
           f"{members - 1}, one vectorised program, same settings) to show what depends on the "
           "random start and what does not. Member 0 stands for the seed's network."
           if members > 1 else ""))
    r.add_preformatted(fit.network.summary(), "model.summary()")
    r.check(f"{heading}: parameters (total, trainable, non-trainable) as the seed's summary",
            fit.network.parameter_counts(), counts)
    if key == "perceptron":
        _untrained(r, fit, X, y, x)
    curves = plots.plot_learning_curves(fit.histories if members > 1 else fit.history,
                                        metrics=["mse"])
    r.add_figure(curves, "history_metrics.plot(y=['loss', 'val_loss']) and (y=['mse', "
                 "'val_mse']): training and validation per epoch"
                 + (f"; thin lines are the {members} members, bold their mean" if members > 1
                    else "") + ".")
    r.add_figure(plots.plot_fit(x, y, preds[0], x_label=x_label),
                 "plot_regression(df.x1, df.y, y_hat) after training"
                 + (" (member 0)" if members > 1 else "") + ".")
    r.add_figure(plots.plot_network(fit.network.layer_sizes, fit.network.activations,
                                    fit.member_params(0), input_names=("x0", "x1")),
                 "tf.keras.utils.plot_model(model, show_layer_activations=True), with the "
                 "trained weights (member 0): width by size, blue positive, red negative.")
    r.add_text(SEED_SAYS[key])
    spread = (f" Over the {members} seeds the validation MSE ranges from {min(val_mse):.4g} to "
              f"{max(val_mse):.4g}." if members > 1 else "")
    r.add_text(f"Final MSE of member 0: {train_mse[0]:.4g} on the training rows, "
               f"{val_mse[0]:.4g} on the validation rows.{spread} Training took "
               f"{fit.timings.get('train_s', 0):.2f} s (compilation "
               f"{fit.timings.get('compile_s', 0):.2f} s).")
    if members > 1 and not linear:
        grid = np.linspace(x.min(), x.max(), 300)
        band = fit.predict_members(_with_x0(grid[:, None]))
        r.add_figure(plots.plot_ensemble_band(grid, band.mean(0), band.std(0), x[:n_train],
                                              y[:n_train], members=band, x_label=x_label,
                                              title=f"{members} seeds, the same settings"),
                     "Every member's curve, their mean and ±2 standard deviations, over the "
                     "training rows: how much of the shape is the data's, and how much the "
                     "random start's.")
    for level, text in _notes(fit):
        r.add_warning(text, level="note")
    row = {"data": data_name, "model": heading,
           "layers": "-".join(map(str, fit.network.layer_sizes)),
           "activations": ", ".join(fit.network.spec.activation) or "–",
           "trainable params": int(fit.network.parameter_counts()[1]), "epochs": epochs,
           "learning rate": lr, "train MSE": train_mse[0], "val MSE": val_mse[0],
           "val MSE over seeds": (f"{min(val_mse):.4g} – {max(val_mse):.4g}" if members > 1
                                  else "–")}
    table.append(row)
    if linear:
        least = _collapse(r, fit, key, X, y, x, n_train, x_label, train_mse)
        table.append({"data": data_name, "model": "least-squares line (exact)", "layers": "–",
                      "activations": "–", "trainable params": 2, "epochs": "–",
                      "learning rate": "–", "train MSE": least[0], "val MSE": least[1],
                      "val MSE over seeds": "–"})


def _notes(fit):
    """The fit's own checks (still falling, overfitting...) as notes: the seed chose the epochs."""
    from ..report import fit_warnings

    return [(level, f"As trained with the seed's settings: {text}")
            for level, text in fit_warnings(fit)]


def _untrained(r, fit, X, y, x):
    from ..diagnose import initial_params
    from ..plots import plot_fit

    (W, b), = initial_params(fit)
    net = fit.network
    Z = (X - net.mean) / np.maximum(np.sqrt(net.var), 1e-7)
    r.add_figure(plot_fit(x, y, Z @ W[:, 0] + b[0], x_label="x1"),
                 "model.predict before training (member 0): it is not trained yet, so the "
                 "result is understandable.")


def _collapse(r, fit, key, X, y, x, n_train, x_label, train_mse):
    """Collapse every member to its one linear map; compare with least squares on the same rows.

    Returns the least-squares line's (train MSE, val MSE)."""
    import pandas as pd

    from ..diagnose import collapse_linear
    from ..linear import solve

    sol = solve(x[:n_train, None], y[:n_train])
    exact = np.array([sol.intercept, sol.coef[0]])
    ls_pred = exact[0] + exact[1] * x
    ls_train = mse(y[:n_train], ls_pred[:n_train])
    lines, rows, worst = {}, [], 0.0
    predictions = fit.predict_members(X)
    for m in range(fit.n_members):
        lin = collapse_linear(fit, member=m)
        # x0 is the constant 1: collapse_linear folds it into the intercept (coefficient 0)
        theta = np.array([float(lin.intercept) + lin.coef[0], lin.coef[1]])
        gap = float(np.max(np.abs(lin.predict(X) - predictions[m])))
        worst = max(worst, gap / max(1.0, float(np.max(np.abs(predictions[m])))))
        lines[f"member {m}"] = theta
        rows.append({"": f"network member {m} (seed {fit.config['seeds'][m]})",
                     "intercept": theta[0], "slope": theta[1], "train MSE": train_mse[m],
                     "above the least-squares MSE": f"{train_mse[m] / ls_train - 1:.3%}",
                     "max |collapsed − network|": gap})
    rows.append({"": f"least squares on the same {n_train} training rows", "intercept": exact[0],
                 "slope": exact[1], "train MSE": ls_train, "above the least-squares MSE": "–",
                 "max |collapsed − network|": "–"})
    thetas = np.array(list(lines.values()))
    r.numbers["collapse"][key] = {"members": thetas.tolist(), "least_squares": exact.tolist(),
                                  "least_squares_train_mse": ls_train}
    r.add_section("No matter how deep: the one linear map", level=3)
    r.add_text(
        "nnfit.diagnose.collapse_linear multiplies the layers out — the normaliser's 1/std "
        "and −mean/std, then W0·W1·… and the pushed-through biases — into the single map "
        "x ↦ x·W + b that the network computes, whatever its depth. The constant column "
        "x0 = 1 has no variance, so the normaliser divides it by its floor of 1e-7; multiplied "
        "out literally that is a coefficient near 1e7 cancelled by an intercept near −1e7, so "
        "collapse_linear folds the column into the intercept instead. Each member has its own "
        "weights and collapses to its own line; none can do better on its training rows than "
        "the least-squares line, and the closer Adam has come to convergence, the closer the "
        "line is to it.")
    r.add_table(pd.DataFrame(rows), "Each member's collapsed line against the exact one",
                digits=6)
    r.check(f"{key}: the collapsed map predicts exactly what the network predicts (to float32 "
            "rounding, relative)", worst, 0.0, atol=1e-5)
    r.check_true(f"{key}: no member's line beats the least-squares line on its training rows",
                 min(train_mse) >= ls_train * (1 - 1e-5),
                 f"lowest member train MSE {min(train_mse):.6g}, least squares {ls_train:.6g}")
    rel = np.max(np.abs(thetas - exact) / np.maximum(np.abs(exact), 1.0), axis=0)
    r.numbers["collapse"][key]["relative_gap"] = rel.tolist()
    r.add_text(f"Largest gap to the least-squares line over the members: {rel[0]:.2%} in the "
               f"intercept, {rel[1]:.2%} in the slope.")
    r.add_figure(_lines_figure(x, y, lines, exact, n_train, x_label),
                 "Each member's collapsed line (solid) and the exact least-squares line of the "
                 "training rows (dashed); hollow points were held out for validation.")
    return ls_train, mse(y[n_train:], ls_pred[n_train:])


# --------------------------------------------------------------------------------- figures

def _scatter(x, y, x_label, y_label):
    from ..plots.style import COLORS, new_figure, styled

    @styled
    def draw():
        fig, ax = new_figure(size=(5.0, 3.6))
        ax.scatter(x, y, s=14, color=COLORS["data"], alpha=0.75, label="data")
        ax.set(xlabel=x_label, ylabel=y_label, title=f"{y_label} against {x_label}")
        ax.legend()
        return fig

    return draw()


def _lines_figure(x, y, lines, exact, n_train, x_label):
    from ..plots.style import CYCLE, COLORS, new_figure, styled

    @styled
    def draw():
        fig, ax = new_figure(size=(5.6, 3.9))
        ax.scatter(x[:n_train], y[:n_train], s=12, color=COLORS["data"], alpha=0.6,
                   label="training rows")
        ax.scatter(x[n_train:], y[n_train:], s=14, facecolors="none", edgecolors=COLORS["data"],
                   label="validation rows")
        grid = np.linspace(x.min(), x.max(), 2)
        for k, (label, theta) in enumerate(lines.items()):
            ax.plot(grid, theta[0] + theta[1] * grid, color=CYCLE[(k + 1) % len(CYCLE)], lw=1.4,
                    label=f"{label}: {theta[0]:.3f} + {theta[1]:.3f}·x")
        ax.plot(grid, exact[0] + exact[1] * grid, color=COLORS["fit"], ls="--", lw=1.4,
                label=f"least squares: {exact[0]:.3f} + {exact[1]:.3f}·x")
        ax.set(xlabel=x_label, ylabel="y", title="the network is one line")
        ax.legend(fontsize=7.5)
        return fig

    return draw()
