"""Seed 004's regression capacity fits: 1 hidden layer of growing width, layers of 16, the big
5-layer model, and the training/validation table of them all."""

from __future__ import annotations

import time

import numpy as np

from ._seed004_shared import VARIANTS, _fit, member_mse, relu_model

# The seed's table [310] and evaluate() printouts, for comparison (its data, not ours).
SEED_TABLE = {
    "2 units": (0.0444497, 0.0575317), "8 units": (0.0427819, 0.0535399),
    "128 units": (0.033027, 0.0429847), "1024 units": (0.00960591, 0.0246087),
    "8192 units": (0.00923209, 0.0246102), "1 layer of 16": (0.0421595, 0.0513442),
    "2 layers of 16": (0.0310402, 0.0433764), "3 layers of 16": (0.0239409, 0.0433056),
    "4 layers of 16": (0.0110532, 0.0273052), "5 layers of 1024": (0.00613459, 0.0296568),
}


class _Study:
    """The regression models of the study: one row per model for the [310]-like table."""

    def __init__(self, X, y, X_val, y_val):
        self.X, self.y, self.X_val, self.y_val = X, y, X_val, y_val
        self.rows = []        # one per model shown (the table)
        self.starts = []      # one per start (the capacity plots)

    def add(self, name, family, fit, member, capacity, layers, *, seed_row=None, recorded=None,
            starts=None):
        """Add member ``member`` of ``fit`` to the table as ``name`` (trained with ``starts``
        starts, default every member) and the members ``recorded`` (default all) to the
        per-start rows of the capacity plots."""
        train, val = member_mse(fit, self.X, self.y), member_mse(fit, self.X_val, self.y_val)
        total, trainable, _ = fit.network.parameter_counts()
        recorded = range(fit.n_members) if recorded is None else recorded
        starts = fit.n_members if starts is None else starts
        for m in recorded:
            self.starts.append({"model": name, "family": family, "capacity": capacity,
                                "layers": layers, "start": m, "train_mse": train[m],
                                "val_mse": val[m]})
        seed_train, seed_val = SEED_TABLE.get(seed_row or name, (None, None))
        self.rows.append({"model": name, "parameters": trainable, "starts": starts,
                          "train_mse": float(train[member]), "val_mse": float(val[member]),
                          "seed train_mse": seed_train, "seed val_mse": seed_val})
        return float(train[member]), float(val[member])


def _best(fit, X, y):
    """The member with the lowest *training* MSE (restarts never look at validation data)."""
    return int(np.argmin(member_mse(fit, X, y)))


def _units_figure(fit, member, grid, X, y, title):
    from .. import plots

    C, bias, pred = plots.unit_contributions(fit, grid, member)
    return plots.plot_unit_contributions(grid, C, bias, pred, X_train=X[:, 0], y_train=y,
                                         title=title)


def one_hidden_layer(ctx):
    """One hidden layer of each width, several starts each, with each unit's contribution drawn.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed004_shared.Run`).

    Returns
    -------
    dict of int -> float
        The training MSE by width (for 2 units, the best of its 3 starts).
    """
    report, say, cfg, timings, numbers, X, y, grid, study = (ctx.report, ctx.say, ctx.cfg,
                                                             ctx.timings, ctx.numbers, ctx.X, ctx.y,
                                                             ctx.grid, ctx.study)
    report.add_section("1 hidden layer, varying number of units")
    report.add_text(
        "Each figure is the seed's plot_layers: left, every hidden unit's contribution "
        "w_j relu(a_j x + b_j) to the output; right, their sum plus the output bias, which is "
        "the prediction. With more units the sum can bend in more places.")
    widths_train = {}
    for width in cfg["widths"]:
        say(f"1 hidden layer of {width} units")
        t0 = time.perf_counter()
        starts = 3 if width == 2 else (cfg["n_starts"] if width <= cfg["many_starts_up_to"] else 1)
        fit, _ = _fit(relu_model((width,)), X, y, learning_rate=cfg["lr"],
                      epochs=cfg["epochs"], batch_size=cfg["batch"], n_members=starts)
        timings[f"{width} units"] = time.perf_counter() - t0
        if width == 2:
            report.add_section("2 units", level=3)
            report.add_text("The same model fitted 3 times with different seeds (different "
                            "random initial values): the seed's model_2units_a, _b and _c.")
            for m, letter in enumerate("abc"):
                tr, va = study.add(f"2 units ({letter})", "width", fit, m, width, 1,
                                   seed_row="2 units" if letter == "c" else "-", recorded=[m])
                report.add_figure(_units_figure(fit, m, grid, X, y, f"2 units, start {letter}"),
                                  f"2 units, start {letter}: train MSE {tr:.4f}, val MSE {va:.4f}")
            widths_train[width] = float(min(r["train_mse"] for r in study.rows))
            continue
        widths_train[width] = _show_best(
            ctx, fit, f"{width} units", "width", width, 1,
            f"{width} units ({starts} start{'s' if starts > 1 else ''}"
            f"{', the best shown' if starts > 1 else ''}): ")
    numbers["width_train_mse"] = widths_train
    return widths_train


def _show_best(ctx, fit, name, kind, size, depth, caption):
    """The best start of ``fit``: a subsection, its row in the study table and its figure.

    Returns the start's training MSE; ``caption`` is the figure caption's opening words.
    """
    member = _best(fit, ctx.X, ctx.y)
    ctx.report.add_section(name, level=3)
    tr, va = ctx.study.add(name, kind, fit, member, size, depth)
    ctx.report.add_figure(_units_figure(fit, member, ctx.grid, ctx.X, ctx.y, name),
                          f"{caption}train MSE {tr:.4f}, val MSE {va:.4f}")
    return tr


def layers_of_16(ctx):
    """One to four hidden layers of 16 units, several starts each.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed004_shared.Run`).

    Returns
    -------
    dict of int -> float
        The training MSE by the number of layers.
    """
    report, say, cfg, timings, numbers, X, y = (ctx.report, ctx.say, ctx.cfg, ctx.timings,
                                                ctx.numbers, ctx.X, ctx.y)
    w16 = cfg["depth_width"]
    report.add_section(f"Models with multiple hidden layers, {w16} units per layer")
    report.add_text(
        "Deeper networks of the same width: each layer bends the output of the one before, so "
        f"the last layer's {w16} units are themselves piecewise-linear curves with many kinks.")
    depth_train = {}
    for depth in cfg["depths"]:
        say(f"{depth} hidden layer(s) of {w16}")
        t0 = time.perf_counter()
        fit, _ = _fit(relu_model((w16,) * depth), X, y, learning_rate=cfg["lr"],
                      epochs=cfg["epochs"], batch_size=cfg["batch"], n_members=cfg["n_starts"])
        timings[f"{depth} x {w16}"] = time.perf_counter() - t0
        name = f"{depth} layer{'s' if depth > 1 else ''} of {w16}"
        depth_train[depth] = _show_best(
            ctx, fit, name, "depth", depth, depth,
            f"{name} ({cfg['n_starts']} starts, the best shown): last hidden layer's "
            "contributions; ")
    numbers["depth_train_mse"] = depth_train
    return depth_train


def big_model(ctx):
    """The big model trained with its three penalised variants as one vectorised program.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed004_shared.Run`).

    Returns
    -------
    big : nnfit fit
        Its members are the :data:`VARIANTS`, in order.
    big_name : str
    tr, va : float
        The unpenalised member's training and validation MSE.
    """
    from nnfit import plots

    report, say, cfg, timings, numbers, X, y, grid, study = (ctx.report, ctx.say, ctx.cfg,
                                                             ctx.timings, ctx.numbers, ctx.X, ctx.y,
                                                             ctx.grid, ctx.study)
    big_name = f"{len(cfg['big'])} layers of {cfg['big'][0]}"
    say(f"{big_name}: unpenalised, L2 0.01, L2 0.001, L1 0.001 as one vectorised fit")
    t0 = time.perf_counter()
    big, _ = _fit(relu_model(cfg["big"]), X, y, learning_rate=cfg["lr"],
                  epochs=cfg["epochs"], batch_size=cfg["batch"], l1=[[v[1]] for v in VARIANTS],
                  l2=[[v[2]] for v in VARIANTS])
    timings[f"{big_name} x {len(VARIANTS)} variants (one program)"] = time.perf_counter() - t0
    report.add_section("Model with so many hidden layers and units")
    total, trainable, _ = big.network.parameter_counts()
    report.add_text(
        f"{len(cfg['big'])} hidden layers, each with {cfg['big'][0]} units: {trainable:,} "
        f"parameters for 50 points. nnfit trained it together with its three penalised variants "
        f"(below) as one vectorised program of {len(VARIANTS)} members from the same initial "
        f"weights, in {timings[f'{big_name} x {len(VARIANTS)} variants (one program)']:.0f} s.")
    tr, va = study.add(big_name, "big", big, 0, trainable, len(cfg["big"]),
                       recorded=[0], starts=1)
    report.add_figure(_units_figure(big, 0, grid, X, y, big_name),
                      f"{big_name}: last hidden layer's contributions (the largest 500 drawn); "
                      f"train MSE {tr:.4f}, val MSE {va:.4f}")
    say(f"{big_name}: layer activations")
    outs = big.layer_outputs(grid[:, None], member=0)[1:-1]
    for layer, act in enumerate(outs):
        report.add_figure(plots.plot_layer_activations(
            grid, outs, facet="units", layer=layer, max_units=cfg["facet_units"],
            layer_names=[f"hidden layer {k + 1}" for k in range(len(outs))]),
            f"plot_layer_activations_facetted(model_somany, {layer}): the first "
            f"{cfg['facet_units']} units of hidden layer {layer + 1}; "
            f"{int(np.sum(act.max(axis=0) <= 0))} of its {act.shape[1]} units are zero on all "
            "of [-3, 3]")
    numbers["big_dead_units"] = [int(np.sum(a.max(axis=0) <= 0)) for a in outs]
    return big, big_name, tr, va


def capacity_table(ctx, widths_train, depth_train, big_name, tr, va):
    """The seed's table [310] of training and validation MSE, and MSE against capacity.

    Parameters
    ----------
    ctx : Run
        The demo's state (:class:`nnfit.demos._seed004_shared.Run`).
    widths_train, depth_train : dict of int -> float
        Training MSE by width and by depth.
    big_name : str
    tr, va : float
        The big model's training and validation MSE.

    Returns
    -------
    best_val : pandas.Series
        The table row with the lowest validation MSE.
    widest : int
    """
    import pandas as pd

    from nnfit import plots

    report, cfg, numbers, study = ctx.report, ctx.cfg, ctx.numbers, ctx.study
    w16 = cfg["depth_width"]
    report.add_section("How are these models doing in terms of training and validation set "
                       "performance?")
    table = pd.DataFrame(study.rows)
    for column in ("seed train_mse", "seed val_mse"):  # None shows as '-', not NaN
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    starts = pd.DataFrame(study.starts)
    report.add_table(table, "Training and validation MSE (the seed's table [310]: its numbers, "
                            "on its data, in the last two columns)")
    report.add_figure(plots.plot_heatmap(table.set_index("model")[["train_mse", "val_mse"]],
                                         fmt="{:.4f}"),
                      "The table as a heat map; outlined: the lowest of each column")
    widths = starts[starts["family"] == "width"]
    report.add_figure(plots.plot_capacity(widths.rename(columns={"capacity": "units"}), "units",
                                          ["train_mse", "val_mse"],
                                          logx=True, title="1 hidden layer: MSE by units"),
                      "Mean over starts (band: best to worst start) by the number of units")
    depths = starts[starts["family"] == "depth"]
    report.add_figure(plots.plot_capacity(depths, "layers", ["train_mse", "val_mse"],
                                          title=f"layers of {w16}: MSE by depth"),
                      "Mean over starts (band: best to worst start) by the number of layers")
    best_val = table.loc[table["val_mse"].idxmin()]
    widest = max(cfg["widths"])
    numbers.update(train_mse=dict(zip(table["model"], table["train_mse"])),
                   val_mse=dict(zip(table["model"], table["val_mse"])),
                   best_val_model=str(best_val["model"]))
    report.add_text(
        f"Training MSE falls with capacity: {widths_train[2]:.4f} for the best 2-unit start, "
        f"{widths_train[widest]:.4f} for {widest} units, {tr:.4f} for {big_name}. The noise "
        f"variance is 0.0196, so a training MSE below it is fitting noise. Validation MSE is "
        f"lowest for {best_val['model']} ({best_val['val_mse']:.4f})"
        + ("." if best_val["model"] == big_name else f"; {big_name} reaches {va:.4f}."))
    if not widths_train[widest] < widths_train[2]:
        report.add_warning(f"Not reproduced: {widest} units do not fit the training data better "
                           f"than 2 units ({widths_train[widest]:.4f} against "
                           f"{widths_train[2]:.4f}).")
    others = table[table["model"] != big_name]
    if not tr < others["train_mse"].min():
        lowest = others.loc[others["train_mse"].idxmin()]
        report.add_warning(
            f"Not reproduced: {big_name} does not fit the training data most closely here "
            f"(train MSE {tr:.4f}; {lowest['model']} {lowest['train_mse']:.4f}), as it does in "
            "the seed (0.0061).")
    if depth_train and not list(depth_train.values())[-1] < list(depth_train.values())[0]:
        report.add_warning("Not reproduced: the deepest 16-unit model does not fit the training "
                           "data better than one layer of 16.")
    if not best_val["train_mse"] > tr:
        report.add_warning(
            f"Not reproduced: {big_name}, which fits the training data most closely, also "
            f"validates best here ({va:.4f}); in the seed it overfits, and a one-layer model "
            f"of 1024 units validates best ({SEED_TABLE['1024 units'][1]:.4f} against its "
            f"{SEED_TABLE['5 layers of 1024'][1]:.4f}).")
    return best_val, widest
