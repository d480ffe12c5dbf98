"""A :class:`~nnfit.Fit`'s report: its checks (:func:`fit_warnings`), its sections
(:func:`add_fit_sections`, reusable in other reports) and the standard page (:func:`fit_report`).
"""

from __future__ import annotations

import datetime

import numpy as np

from .builder import Report, format_value

__all__ = ["fit_report", "add_fit_sections", "fit_warnings"]


def fit_warnings(fit, X=None, X_train=None):
    """What a careful reader should know about a fit: a list of ``(level, text)``.

    ``level`` is ``'warning'`` (the data's warnings found at fit time, ``Fit.data_warnings``;
    interrupted, diverged, not converged, least squares unfinished,
    loss still falling, validation loss rising, non-finite history, extrapolation, and when
    the fit carries ``scores`` (:func:`nnfit.checks.score_fit`) a fit worse than the mean or
    the straight line or the majority class, or whose loss never fell:
    :func:`nnfit.checks.assess`) or ``'note'`` (stopped early, target reached).

    Parameters
    ----------
    fit : Fit
    X : array of shape (n, n_features), optional
        Inputs the fit is applied to; rows outside the range of ``X_train`` are flagged.
    X_train : array of shape (m, n_features), optional
        The training inputs (the Fit itself does not keep them).
    """
    # the data's own problems found at fit time (validation rows unlike the training rows)
    out = [("warning", text) for text in getattr(fit, "data_warnings", None) or []]
    cfg = fit.config or {}
    reasons = list(fit.stop_reasons)
    m = max(len(reasons), 1)
    epochs = cfg.get("epochs")
    run = fit.epochs_run
    count = lambda r: reasons.count(r)  # noqa: E731
    if count("interrupted"):
        out.append(("warning", f"Training was interrupted after epoch {int(run.max())} of "
                    f"{epochs} ({count('interrupted')} of {m} member(s)): the fit holds what was "
                    "trained so far and has not converged."))
    if count("diverged"):
        out.append(("warning", f"Training diverged in {count('diverged')} of {m} member(s): the "
                    "loss or the weights became non-finite; the parameters are the last finite "
                    "ones. Lower the learning rate or normalise the inputs."))
    if count("max_evaluations") and cfg.get("optimizer") == "lbfgs":
        out.append(("warning", f"L-BFGS spent its budget of {cfg.get('max_evaluations')} "
                    f"evaluations before converging in {count('max_evaluations')} of {m} "
                    "member(s); raise max_evaluations."))
    elif count("max_evaluations"):
        out.append(("warning", f"Least squares stopped at the limit of {epochs} evaluations "
                    f"before converging in {count('max_evaluations')} of {m} member(s); raise "
                    "epochs."))
    stoppers = [s for s, on in (("early stopping", cfg.get("early_stopping")),
                                ("the target loss", cfg.get("target_loss") is not None),
                                ("gtol", cfg.get("gtol") is not None),
                                ("ftol", cfg.get("ftol") is not None)) if on]
    if stoppers and count("completed"):
        out.append(("warning", f"Not converged: {count('completed')} of {m} member(s) used all "
                    f"{epochs} epochs before {' or '.join(stoppers)} stopped them; raise epochs."))
    if count("early_stopping"):
        out.append(("note", f"{count('early_stopping')} of {m} member(s) stopped early (no "
                    f"improvement above tol={cfg.get('tol')} for {cfg.get('n_iter_no_change')} "
                    f"epochs), after {_epochs_text(run)} epochs."))
    if count("target_reached"):
        out.append(("note", f"{count('target_reached')} of {m} member(s) reached the target loss "
                    f"{cfg.get('target_loss')}."))
    if count("gradient_below_gtol"):
        out.append(("note", f"{count('gradient_below_gtol')} of {m} member(s) converged: no "
                    f"gradient component above gtol={cfg.get('gtol')}."))
    if count("decrease_below_ftol"):
        out.append(("note", f"{count('decrease_below_ftol')} of {m} member(s) converged: the loss "
                    f"fell by a relative {cfg.get('ftol')} or less in an iteration."))
    for k, info in enumerate(fit.solver_info or []):
        said = k < len(reasons) and reasons[k] == "max_evaluations"  # already reported above
        if info and info.get("success") is False and not said:
            out.append(("warning", f"Member {k}: the least-squares solver did not report success "
                        f"({info.get('message')})."))
    history = fit.mean_history
    scores = getattr(fit, "scores", None)
    found = []
    if scores is not None:
        from ..checks import assess

        found = assess(scores, history, config=cfg)
    if not history.empty:
        numbers = history.drop(columns=["epoch"]).to_numpy(dtype=float)
        if not np.all(np.isfinite(numbers)):
            out.append(("warning", "The history holds NaN or infinite values."))
        trend = _trend_warnings(fit, history, reasons, cfg)
        overfit = any(text.startswith(_RISING) for _, text in trend)
        for level, text in trend:
            if text.startswith(_FALLING):
                if overfit:  # "train longer" would make it worse
                    continue
                if _well_past_the_line(scores):  # a good fit that might gain a little
                    level = "note"
            out.append((level, text))
    out += found
    out += _extrapolation_warnings(fit, X, X_train)
    return out


def _epochs_text(run):
    lo, hi = int(run.min()), int(run.max())
    return str(lo) if lo == hi else f"{lo} to {hi}"


def _well_past_the_line(scores):
    """The network's training score closes at least half the gap between the exact linear
    model's and a perfect one (R² or accuracy): a loss still falling there (cross-entropy on
    separated classes falls for ever) is worth a note, not a warning."""
    train = (scores or {}).get("splits", {}).get("train") or {}
    name = "accuracy" if scores and scores.get("task") == "classification" else "r2"
    model, line = (train.get("model") or {}).get(name), (train.get("linear") or {}).get(name)
    return model is not None and line is not None and model >= line + (1 - line) / 2


_FALLING = "The training loss was still falling"
_RISING = "The validation loss rose"


def _trend_warnings(fit, history, reasons, cfg):
    out = []
    loss = history["loss"].to_numpy(dtype=float)
    n = len(loss)
    if (set(reasons) <= {"completed"} and not fit.solver_info and n >= 10
            and np.all(np.isfinite(loss))):
        window = max(5, n // 10)
        start, end = loss[-window:][:3].mean(), loss[-3:].mean()
        drop = (start - end) / abs(start) if start else 0.0
        if drop > 0.01:
            out.append(("warning", f"{_FALLING} at the end: by "
                        f"{100 * drop:.1f}% over the last {window} epochs. The fit may not have "
                        "converged; train longer or use early stopping."))
    if "val_loss" in history and history["val_loss"].notna().any():
        val = history["val_loss"].to_numpy(dtype=float)
        best = int(np.nanargmin(val))
        restored = cfg.get("restore_best_weights")
        restored = cfg.get("early_stopping") if restored is None else restored
        if (not restored and best < 0.8 * (n - 1) and np.isfinite(val[-1])
                and val[-1] > 1.5 * val[best] and val[best] > 0):
            out.append(("warning", f"{_RISING} from its minimum "
                        f"{format_value(val[best])} at epoch {int(history['epoch'].iloc[best])} to "
                        f"{format_value(val[-1])} at the end: the model may be overfitting "
                        "(early_stopping=True keeps the best weights)."))
    return out


def _extrapolation_warnings(fit, X, X_train):
    """Rows of ``X`` outside the training range: of ``X_train`` if given, else the Fit's own."""
    stats = getattr(fit, "input_stats", None)
    if X is None or (X_train is None and stats is None):
        return []
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if X_train is not None:
        Xt = np.asarray(X_train, dtype=np.float64).reshape(len(X_train), -1)
        lo, hi = Xt.min(axis=0), Xt.max(axis=0)
    else:
        lo, hi = stats["min"], stats["max"]
    if X.shape[1] != lo.shape[0]:
        raise ValueError(f"X has {X.shape[1]} features but the training data had {lo.shape[0]}")
    outside = (X < lo) | (X > hi)
    rows = outside.any(axis=1)
    if not rows.any():
        return []
    names = fit.feature_names or tuple(f"x{i + 1}" for i in range(X.shape[1]))
    parts = [f"{names[f]} outside [{format_value(lo[f])}, {format_value(hi[f])}] "
             f"(seen {format_value(X[:, f].min())} to {format_value(X[:, f].max())})"
             for f in np.flatnonzero(outside.any(axis=0))]
    return [("warning", f"Extrapolation: {int(rows.sum())} of {len(X)} rows lie outside the "
             f"training data's range: {'; '.join(parts)}. Predictions there are not supported "
             "by data.")]


def _layers_table(fit):
    net = fit.network
    rows = []
    if net.spec.normalize:
        rows.append({"layer": "normalization", "activation": "–", "units": net.n_inputs,
                     "params": 2 * net.n_inputs + 1, "trainable": False})
    else:
        rows.append({"layer": "input", "activation": "–", "units": net.n_inputs, "params": 0,
                     "trainable": False})
    sizes = net.layer_sizes
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        name = "output" if i == len(sizes) - 2 else f"hidden {i + 1}"
        rows.append({"layer": f"{name} (dense)", "activation": net.activations[i], "units": b,
                     "params": (a + 1) * b, "trainable": True})
    import pandas as pd

    return pd.DataFrame(rows)


# Which way is better for a history column (``val_`` stripped): the largest accuracy or R², the
# smallest loss or error. Columns with no direction get no "best": ``evaluations`` counts
# function evaluations; ``penalty`` is a part of the loss, whose smallest value (no weights at
# all) is no goal; ``grad_max_abs`` describes where L-BFGS stands (small near any stationary
# point, a saddle or a plateau included) and picks no epoch anyone would keep.
_BETTER = {"accuracy": max, "r2": max, "loss": min, "mse": min, "rmse": min, "mae": min,
           "huber": min, "sse": min, "log_loss": min}


def _best_direction(column):
    return _BETTER.get(column[4:] if column.startswith("val_") else column)


def _final_metrics(fit):
    import pandas as pd

    h = fit.mean_history
    rows = []
    for col in h.columns:
        if col in ("epoch",) or h[col].isna().all():
            continue
        values = h[col].to_numpy(dtype=float)
        row = {"metric": col, "rows": "validation" if col.startswith("val_") else "training",
               "final": float(values[-1]), "best": None, "best epoch": None}
        better = _best_direction(col)
        if better is not None:
            best = int(np.nanargmax(values) if better is max else np.nanargmin(values))
            row.update({"best": float(values[best]), "best epoch": int(h["epoch"].iloc[best])})
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _scores_table(scores):
    """Each split's metrics, the network's beside the baselines' (``score_fit``'s result)."""
    import pandas as pd

    base = scores["baselines"]
    if scores["task"] == "regression":
        constant = "the training mean (baseline)"
        metrics = ("mse", "rmse", "mae", "r2")
    else:
        constant = f"majority class {base['constant']['label']!r} (baseline)"
        metrics = ("accuracy", "log_loss")
    names = {"model": "the network", "constant": constant,
             "linear": "exact linear least squares (baseline)"}
    split_names = {"train": "training", "validation": "validation", "test": "test"}
    rows = []
    for split, s in scores["splits"].items():
        for who in ("model", "constant", "linear"):
            values = s.get(who)
            if values is None:
                continue
            rows.append({"rows": split_names.get(split, split), "n": s["rows"], "model": names[who],
                         **{m: values.get(m) for m in metrics}})
    return pd.DataFrame(rows, dtype=object)


def _rows_shown(fit, X, X_train):
    """Which rows ``X`` are, in words: the report's metrics on them say so."""
    n = len(X)
    same = X_train is not None and np.shape(X_train)[0] == n and np.array_equal(
        np.asarray(X_train, dtype=np.float64).reshape(n, -1), X, equal_nan=True)
    split = (fit.config or {}).get("validation_split") or 0
    if same and split:
        return (f"all {n} rows the fit was given: the training rows and the {split:g} of them "
                "held out for validation, together")
    if same:
        return f"the {n} training rows"
    if X_train is None:
        return f"the {n} rows given to the report (which of them were trained on is not known)"
    return f"the {n} rows given to the report, which are not the training rows"


def _members_table(fit):
    import pandas as pd

    rows = []
    h = fit.histories
    last = h.groupby("member").tail(1).set_index("member") if "member" in h else pd.DataFrame()
    seeds = (fit.config or {}).get("seeds") or [None] * fit.n_members
    for m in range(fit.n_members):
        row = {"member": m, "seed": seeds[m] if m < len(seeds) else None,
               "epochs": int(fit.epochs_run[m]),
               "stop reason": fit.stop_reasons[m] if m < len(fit.stop_reasons) else "–"}
        if fit.best_epoch is not None:
            row["best epoch"] = int(np.asarray(fit.best_epoch)[m])
        if m in last.index:
            for col in ("loss", "val_loss"):
                if col in last.columns:
                    row[f"final {col}"] = float(last.loc[m, col])
        rows.append(row)
    return pd.DataFrame(rows)


def _data_metrics(fit, X, y):
    if fit.task == "classification":
        pred = fit.predict(X)
        return {"rows": len(X), "accuracy": float(np.mean(pred == np.asarray(y).ravel()))}
    pred = fit.predict(X)
    y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
    r = y - pred
    ss = float(np.sum((y - y.mean(axis=0)) ** 2))
    return {"rows": len(X), "mse": float(np.mean(r ** 2)), "rmse": float(np.sqrt(np.mean(r ** 2))),
            "mae": float(np.mean(np.abs(r))),
            "r2": float(1 - np.sum(r ** 2) / ss) if ss > 0 else float("nan")}


def _describe(fit):
    net, cfg = fit.network, fit.config or {}
    total, trainable, frozen = net.parameter_counts()
    acts = sorted(set(net.spec.activation))
    hidden = (f"{'/'.join(acts)} hidden layers" if net.spec.hidden else "no hidden layer")
    lr = cfg.get("learning_rate")
    lr_text = "" if lr is None or cfg.get("optimizer") in ("lbfgs", "lm", "trf") else \
        f" (learning rate {format_value(lr)})"
    return (f"A {'-'.join(map(str, net.layer_sizes))} network for {fit.task} ({hidden}, "
            f"{net.spec.output} output) with {trainable:,} trainable parameters"
            f"{f' and {frozen:,} fixed normalisation values' if frozen else ''}, trained with "
            f"{cfg.get('optimizer', '?')}{lr_text} for up to {cfg.get('epochs', '?')} epochs; "
            f"{fit.n_members} member{'s' if fit.n_members > 1 else ''}, epochs run: "
            f"{_epochs_text(fit.epochs_run)}.")


def add_fit_sections(report, fit, X=None, y=None, *, X_train=None, y_train=None):
    """Add a fit's standard sections to ``report``; returns the report.

    Sections: Summary (layers, parameters, the history's last and best epochs, the scores of
    each set of rows beside the baselines when the fit carries ``scores``, checks), Training
    (learning curves, members, stop reasons), Data and fit (when ``X``, ``y`` are given),
    Extrapolation (one input, ``X`` reaching beyond ``X_train``), Hidden units (one input),
    Network, Configuration, Timings.

    Parameters
    ----------
    report : Report
    fit : Fit
    X, y : arrays of shape (n, n_features) and (n,), optional
        Data to show the fit on (often the training data).
    X_train, y_train : arrays, optional
        The training data, when it differs from ``X``, ``y``: sets the range against which ``X``
        is checked for extrapolation.
    """
    from ..plots import FitPlots

    if (X is None) != (y is None):
        raise ValueError("give both X and y, or neither")
    if getattr(fit, "table", None) is not None:  # a table's raw rows: drawn as its numbers
        X = None if X is None else fit.inputs(X, warn=False)
        X_train = None if X_train is None else fit.inputs(X_train, warn=False)
        fit = fit.encoded()
    X = None if X is None else np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    one_input = fit.network.n_inputs == 1
    regression = fit.task == "regression" and fit.network.n_outputs == 1

    report.add_section("Summary")
    report.add_text(_describe(fit))
    report.add_table(_layers_table(fit), "Layers")
    total, trainable, frozen = fit.network.parameter_counts()
    report.add_table({"total parameters": total, "trainable": trainable,
                      "non-trainable": frozen, "members": fit.n_members}, "Parameters")
    notes = getattr(fit, "notes", None)
    if notes:  # what a table became: task, columns, gaps, validation rows
        import pandas as pd

        report.add_table(pd.DataFrame({"decision": list(notes)}), "What was done with the data",
                         index=False)
    if not fit.history.empty:
        report.add_table(_final_metrics(fit), "The history's last and best epochs (members' "
                         "mean): training columns averaged over each epoch's batches, val_ "
                         "columns on the validation rows; best is the largest accuracy or R², "
                         "the smallest loss or error, and none for counters")
    scores = getattr(fit, "scores", None)
    if scores is not None:
        report.add_table(_scores_table(scores),
                         "Scores on each set of rows: the network beside two baselines fitted "
                         "to the training rows alone, the "
                         + ("training mean" if scores["task"] == "regression"
                            else "training rows' majority class")
                         + " and nnfit's exact linear least squares on the same inputs")
    report.add_section("Checks", level=3)
    found = fit_warnings(fit, X, X_train)
    for level, text in found:
        report.add_warning(text, level=level)
    if not any(level == "warning" for level, _ in found):
        unchecked = ("" if X_train is not None or fit.input_stats is not None
                     else " (Extrapolation is checked when X_train is given.)")
        if scores is not None:
            report.add_text("No problems found: training finished as configured, the loss had "
                            "levelled off, and on every set of rows scored the network does "
                            + ("better than the mean" if scores["task"] == "regression"
                               else "better than the majority class")
                            + " and not clearly worse than the linear baseline." + unchecked)
        else:
            report.add_text("Training finished as configured and the loss had levelled off, "
                            "but the fit was not compared with the baselines (the mean, the "
                            "straight line): its scores were not computed, so whether it fits "
                            "better than they do is unchecked." + unchecked)

    figs = FitPlots(fit, X, y)
    # figures of the model itself (band, units) show the training data when it is given
    if X_train is not None:
        model_figs = FitPlots(fit, X_train, y_train)
    else:
        model_figs = figs
    report.add_section("Training")
    if not fit.history.empty:
        report.add_figure(figs.learning_curves(),
                          "Learning curves: loss and metrics per epoch, training and validation"
                          + (f"; thin lines are the {fit.n_members} members" if fit.n_members > 1 else ""))
    report.add_table(_members_table(fit), "Members and why they stopped")
    if fit.solver_info:
        import pandas as pd

        report.add_table(pd.DataFrame(fit.solver_info), "Least-squares solver")

    if X is not None:
        report.add_section("Data and fit")
        report.add_table(_data_metrics(fit, X, y), f"Metrics on {_rows_shown(fit, X, X_train)}"
                         + ("; the Summary's scores give each set of rows apart"
                            if scores is not None else ""))
        if fit.task == "classification":
            if X.shape[1] == 2:
                report.add_figure(figs.decision_boundary(), "Decision boundary and the data")
        elif regression:
            report.add_figure(figs.data(), "Data and prediction; right: the series view"
                              if one_input else "Predicted against observed values")
            report.add_figure(figs.residuals(), "Residuals and their distribution")
            if fit.n_members > 1 and one_input:
                report.add_figure(model_figs.band(), "Ensemble: each member, the mean and ±2 std")
        if one_input and regression and X_train is not None:
            Xt = np.asarray(X_train, dtype=np.float64).ravel()
            if X.min() < Xt.min() or X.max() > Xt.max():
                report.add_section("Extrapolation")
                lo, hi = min(X.min(), Xt.min()), max(X.max(), Xt.max())
                report.add_figure(model_figs.extrapolation(np.linspace(lo, hi, 300)),
                                  "The model beyond the training range (shaded)")

    has_range = X is not None or X_train is not None or fit.network.mean is not None
    if one_input and regression and fit.network.spec.hidden and has_range:
        report.add_section("Hidden units")
        report.add_figure(model_figs.units(), "Each last-hidden-layer unit's contribution h_j(x)·w_j "
                          "(left); with the output bias they add up to the prediction (right)")
        report.add_figure(model_figs.activations(), "Activations of every hidden layer")

    report.add_section("Network")
    report.add_figure(figs.network(), "Layers and weights (member 0): width by size, blue "
                      "positive, red negative")
    report.add_preformatted(fit.summary(), "Model summary")
    report.add_section("Configuration")
    report.add_config(fit.config or {})
    report.add_section("Timings")
    report.add_timings(fit.timings or {})
    return report


def fit_report(fit, X=None, y=None, *, X_train=None, y_train=None, title=None, path=None,
               dpi=110):
    """The standard report of a :class:`~nnfit.Fit`.

    Parameters
    ----------
    fit : Fit
    X, y : arrays of shape (n, n_features) and (n,), optional
        Data to show the fit on (usually the training data).
    X_train, y_train : arrays, optional
        The training data when ``X`` is other data: ``X`` outside its range is reported as
        extrapolation.
    title : str, optional
    path : str, optional
        Also write the report there.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    Report
        ``.write(path)`` saves it; ``.warnings`` lists what it warns about.

    Examples
    --------
    >>> fit_report(fit, X, y).write("fit.html")        # doctest: +SKIP
    """
    net = fit.network
    report = Report(title or f"nnfit report: {'-'.join(map(str, net.layer_sizes))} network",
                    subtitle=f"{fit.task} · {fit.n_members} member(s) · "
                             f"{(fit.config or {}).get('optimizer', '?')} · "
                             f"{datetime.date.today().isoformat()}", dpi=dpi)
    add_fit_sections(report, fit, X, y, X_train=X_train, y_train=y_train)
    report.add_section("Environment")
    report.add_environment()
    if path is not None:
        report.write(path)
    return report
