"""What a fit's scores say: findings of a bad fit, each with its likely cause and fix.

Contract
--------
:func:`assess` reads what :func:`nnfit.checks.score_fit` returns (the model's and the two
baselines' metrics on each split, the target's and the inputs' scale) and, when given, the
fit's history (the loss per epoch, the penalty) and configuration (the learning rate,
optimizer, epochs, ``scale_target``, ``validation_split``, ``validation_shuffle``,
``model.normalize``). It returns ``(level, text)`` findings: a fit worse than the mean,
clearly worse than the straight line, no better than the majority class, with non-finite
predictions, or whose loss never fell or rose, each with its likely cause and fix as far as
the evidence shows it (the target's and the inputs' scale, the learning rate, the epochs, the
penalty, the validation rows). An empty list means these checks passed. It computes no metric
and fits nothing: it only reads.

The thresholds it judges by are declared here, once, and re-exported by :mod:`nnfit.checks`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["assess", "LINEAR_RATIO", "LINEAR_GAP", "MIN_LOSS_FALL", "LARGE_SCALE"]

# "Clearly worse than the straight line" needs both: an error (MSE, or 1 - accuracy) above
# LINEAR_RATIO times the linear model's, and an R² (or accuracy) below it by more than LINEAR_GAP.
# The ratio alone would flag differences nobody can see (R² 0.998 against 0.999 is a ratio of 2);
# the gap alone would flag noisy problems where both models are poor and 5 points of R² are
# within seed-to-seed spread (R² 0.44 against 0.50 is a ratio of 1.12). Together: the network
# leaves half again as much error as a model with no hidden layer, and the excess is over 5 % of
# the target's variance, which a plot of the fit shows plainly.
LINEAR_RATIO = 1.5
LINEAR_GAP = 0.05
# The loss "never fell" when its best epoch is less than 1 % below its first one.
MIN_LOSS_FALL = 0.01
# A target whose mean or spread exceeds this, or inputs whose columns do, are "large" for a
# network whose initial weights are of order 1 (Glorot): its outputs start near 0 with a spread
# near 1, and tanh/sigmoid units saturate for inputs beyond a few units.
LARGE_SCALE = 10.0

_NO_LEARNING_RATE = ("lbfgs", "lm", "trf", "dogbox")
_SPLIT_NAMES = {"train": "training", "validation": "validation", "test": "test"}


def assess(scores, history=None, *, config=None):
    """What the scores say about a fit: a list of ``(level, text)``; empty when the checks pass.

    ``level`` is ``"warning"`` for a fit that is worse than the mean (R² < 0 on a split),
    clearly worse than the straight line (see ``LINEAR_RATIO``, ``LINEAR_GAP``), no better than
    the majority class (accuracy at or below its share), with non-finite predictions, or whose
    training loss never fell (by ``MIN_LOSS_FALL`` from the first epoch to the best) or rose;
    ``"note"`` for what does not make the fit wrong. Each warning names the likely cause and
    the fix, as far as the evidence shows it: the target's scale and ``scale_target``, the
    inputs' scale and ``normalize=True``, the learning rate, the epochs (the loss still falling
    at the end), the penalty, and for validation or test rows worse than the training rows,
    rows unlike the training ones (``validation_shuffle=True``) or overfitting.

    Parameters
    ----------
    scores : dict
        What :func:`nnfit.checks.score_fit` returns (or None: no findings).
    history : pandas.DataFrame, optional
        One row per epoch with ``epoch`` and ``loss`` (``penalty``, ``val_loss``... when
        recorded), as ``Fit.mean_history``.
    config : dict, optional
        The fit's configuration (``Fit.config``): the learning rate, optimizer, epochs, penalty,
        ``scale_target``, ``validation_split``, ``validation_shuffle`` and ``model.normalize``
        sharpen the causes named.

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.checks import score_fit
    >>> X = np.linspace(0, 1, 20)[:, None]; y = 3 * X[:, 0] + 1
    >>> [level for level, _ in assess(score_fit("regression", lambda X: 0 * X[:, 0], X, y))]
    ['warning']
    """
    if scores is None:
        return []
    cfg = config or {}
    ev = _evidence(scores, history, cfg)
    out = _non_finite(scores)
    if scores["task"] == "regression":
        found, poor = _regression_findings(scores, ev, cfg)
    else:
        found, poor = _classification_findings(scores, ev, cfg)
    out += found
    out += _loss_findings(ev, poor)
    return out


def _non_finite(scores):
    out = []
    for split, s in scores["splits"].items():
        if s["rows"] and all(v is None for v in s["model"].values()):
            out.append(("warning", f"The model's predictions on the {s['rows']} "
                        f"{_SPLIT_NAMES[split]} rows are not finite (or its metrics overflow): the "
                        "fit diverged. Lower the learning rate and normalise the inputs "
                        "(normalize=True)."))
    return out


def _evidence(scores, history, cfg):
    """What the scores, the history and the configuration say about likely causes."""
    ev = {}
    model = cfg.get("model") or {}
    ev["normalized"] = bool(model.get("normalize"))
    # scale_target=None means "on for tables": the fit's config says what was done
    ev["scaled_target"] = bool(cfg.get("scale_target")) or "target_scale" in cfg
    inputs = scores.get("inputs") or {}
    spread = max(inputs.get("largest_std") or 0.0, inputs.get("largest_abs_mean") or 0.0)
    ev["inputs_large"] = spread if spread > LARGE_SCALE and not ev["normalized"] else None
    target = scores.get("target") or {}
    if scores["task"] == "regression" and not ev["scaled_target"]:
        size = max([abs(v) for v in (target.get("mean") or []) + (target.get("std") or [])
                    if v is not None] or [0.0])
        ev["target_large"] = size if size > LARGE_SCALE else None
    else:
        ev["target_large"] = None
    lr = cfg.get("learning_rate")
    lrs = lr if isinstance(lr, (list, tuple)) else [lr]
    numeric = [v for v in lrs if isinstance(v, (int, float)) and not isinstance(v, bool)]
    ev["lr"] = (max(numeric) if numeric and len(numeric) == len(lrs)
                and cfg.get("optimizer") not in _NO_LEARNING_RATE else None)
    ev["epochs"] = cfg.get("epochs")
    ev.update(_history_evidence(history))
    return ev


def _history_evidence(history):
    ev = {"n_epochs": 0, "fall": None, "rose": False, "still_falling": False, "penalty_share": None}
    if history is None or len(history) == 0 or "loss" not in history:
        return ev
    loss = np.asarray(history["loss"], dtype=np.float64)
    ev["n_epochs"] = n = len(loss)
    if n < 2 or not np.isfinite(loss[0]) or loss[0] == 0:
        return ev
    finite = loss[np.isfinite(loss)]
    best = float(finite.min())
    ev["fall"] = (loss[0] - best) / abs(loss[0])
    ev["best_epoch"] = int(np.asarray(history["epoch"])[int(np.nanargmin(loss))]) \
        if "epoch" in history else int(np.nanargmin(loss)) + 1
    ev["rose"] = bool(np.isfinite(loss[-1]) and loss[-1] > loss[0] * (1 + MIN_LOSS_FALL)
                      and loss[0] > 0) or not np.isfinite(loss[-1])
    # the last tenth of the epochs (at least the last 3) still took the loss down by over 1 %
    window = min(n - 1, max(3, n // 10))
    before, end = loss[-1 - window], loss[-1]
    ev["still_falling"] = bool(np.isfinite(end) and before > 0
                               and (before - end) / before > MIN_LOSS_FALL)
    if "penalty" in history and np.isfinite(loss[-1]) and loss[-1] > 0:
        pen = float(np.asarray(history["penalty"], dtype=np.float64)[-1])
        ev["penalty_share"] = pen / loss[-1] if np.isfinite(pen) else None
    return ev


def _underfit_causes(ev, classification=False):
    """The likely causes of a network that fits its own training rows poorly, with fixes."""
    causes = []
    if ev["rose"]:
        causes.append("the training loss rose: the learning rate is too high; lower it "
                      "(by 10x)")
    if ev["target_large"] is not None:
        causes.append(f"the target is large (mean or spread up to {_num(ev['target_large'])}) "
                      "and was not scaled: the network's outputs start near 0 with a spread near "
                      "1, and small steps take very long to reach it; train on the standardised "
                      "target (scale_target=True)")
    if ev["inputs_large"] is not None:
        causes.append(f"the inputs are not normalised (a column's mean or spread reaches "
                      f"{_num(ev['inputs_large'])}): tanh and sigmoid units saturate and "
                      "gradients vanish; use MLP(..., normalize=True)")
    if ev["lr"] is not None and ev["lr"] <= 1e-4 and not ev["rose"]:
        causes.append(f"the learning rate ({_num(ev['lr'])}) is small for so few steps; raise "
                      "it (Adam: 1e-3 to 1e-2)")
    if ev["still_falling"]:
        causes.append(f"the loss was still falling at the last epoch ({ev['n_epochs']}): "
                      "train longer (raise epochs)")
    elif ev["n_epochs"] and ev["n_epochs"] < 20:
        causes.append(f"only {ev['n_epochs']} epoch{'s were' if ev['n_epochs'] > 1 else ' was'} "
                      "run: raise epochs")
    if ev["penalty_share"] is not None and ev["penalty_share"] > 0.5:
        causes.append(f"the penalty is {100 * ev['penalty_share']:.0f}% of the final loss: "
                      "lower l1/l2")
    if not causes:
        causes.append("no single cause stands out: try normalize=True"
                      + ("" if classification else " and scale_target=True")
                      + ", a learning rate of 1e-3 to 1e-2 (Adam), more epochs, or more units")
    return "Likely cause: " + "; ".join(causes) + "."


def _generalisation_causes(ev, cfg, shifted, splits=()):
    """Why rows held out do worse than the training rows: unlike them, or overfitting."""
    if shifted:
        return ("Likely cause: the held-out rows are unlike the training rows (the training "
                "rows' baselines do poorly on them too)." + _split_fix(cfg, splits))
    return ("Likely cause: overfitting (the training rows are fitted well); use a penalty "
            "(l2), early_stopping=True, fewer units, or more rows.")


def _split_fix(cfg, splits=()):
    """How to choose held-out rows that tell the truth (``splits``: those found wanting)."""
    if splits and "validation" not in splits:  # test rows: the user's own file
        return (" Check how the test rows were chosen; rows drawn at random from the same "
                "table avoid this.")
    if cfg.get("validation_split") and not cfg.get("validation_shuffle"):
        return (" validation_split takes the last rows, so a table sorted by a column (a class, "
                "a date) holds out a different range; shuffle the split "
                "(validation_shuffle=True) or the rows.")
    return " Check how they were chosen; rows drawn at random from the same table avoid this."


def _regression_findings(scores, ev, cfg):
    """Splits worse than the mean, below R² 0 only against their own mean, or worse than the line.

    On the training rows R² < 0 means worse than the training mean. On held-out rows R² is
    taken against their own mean, which no model fitted to the training rows knows: there the
    fit is "worse than the mean" when the training mean predicts those rows better (a lower
    MSE), and R² < 0 with a lower MSE than the training mean is flagged apart, as rows unlike
    the training ones (the training mean does worse still).
    """
    splits = scores["splits"]
    interpolates = (scores["baselines"]["linear"] or {}).get("interpolates")
    worse_mean, own_mean, worse_line = {}, {}, {}
    for split, s in splits.items():
        model, const, line = s["model"], s["constant"], s["linear"]
        if model["r2"] is None or model["mse"] is None:
            continue
        if model["r2"] < 0:
            held_out_better = (split != "train" and const["mse"] is not None
                               and model["mse"] < const["mse"])
            (own_mean if held_out_better else worse_mean)[split] = s
        elif (line is not None and line["mse"] is not None and line["r2"] is not None
              and not (split == "train" and interpolates)
              and model["mse"] > LINEAR_RATIO * line["mse"]
              and line["r2"] - model["r2"] > LINEAR_GAP):
            worse_line[split] = s
    out = []
    train_poor = "train" in worse_mean or "train" in worse_line
    if worse_mean:
        parts = [_regression_part(split, s, "constant") for split, s in worse_mean.items()]
        cause = (_underfit_causes(ev) if train_poor else
                 _generalisation_causes(ev, cfg, _shifted_regression(worse_mean),
                                        tuple(worse_mean)))
        out.append(("warning", f"Worse than the mean: {'; '.join(parts)}: predicting the "
                    f"training rows' mean for every row does better. {cause}"))
    if own_mean:
        parts = [_regression_part(split, s, "constant") for split, s in own_mean.items()]
        out.append(("warning", f"R² below 0 on held-out rows: {'; '.join(parts)}. The network "
                    "beats the training mean there, but those rows' own mean would predict them "
                    "better: their target lies in a range or spread unlike the training "
                    "rows'." + _split_fix(cfg, tuple(own_mean))))
    if worse_line:
        parts = [_regression_part(split, s, "linear") for split, s in worse_line.items()]
        cause = (_underfit_causes(ev) if train_poor
                 else _generalisation_causes(ev, cfg, False))
        out.append(("warning", f"Clearly worse than the straight line: {'; '.join(parts)}: "
                    f"nnfit's exact linear model on the same inputs leaves less than "
                    f"1/{LINEAR_RATIO:g} of the network's squared error and scores over "
                    f"{LINEAR_GAP:g} more R². {cause}"))
    return out, train_poor


def _regression_part(split, s, baseline):
    model, ref = s["model"], s[baseline]
    other = "the training mean" if baseline == "constant" else "the line"
    return (f"R² {_num(model['r2'])} on the {s['rows']} {_SPLIT_NAMES[split]} rows (MSE "
            f"{_num(model['mse'])}; {other}: R² {_num(ref['r2'])}, MSE {_num(ref['mse'])})")


def _shifted_regression(bad):
    """Held-out rows on which the training mean is itself far off: R² below -0.5."""
    return any((s["constant"]["r2"] is not None and s["constant"]["r2"] < -0.5)
               for split, s in bad.items() if split != "train")


def _classification_findings(scores, ev, cfg):
    splits = scores["splits"]
    base = scores["baselines"]["constant"]
    label = base["label"]
    majority, worse_line = {}, {}
    for split, s in splits.items():
        model, const, line = s["model"], s["constant"], s["linear"]
        acc = model["accuracy"]
        if acc is None:
            continue
        if const["accuracy"] is not None and acc <= const["accuracy"] + 1e-12:
            majority[split] = s
            continue
        interpolates = (scores["baselines"]["linear"] or {}).get("interpolates")
        if (line is not None and line["accuracy"] is not None
                and not (split == "train" and interpolates)
                and (1 - acc) > LINEAR_RATIO * (1 - line["accuracy"])
                and line["accuracy"] - acc > LINEAR_GAP):
            worse_line[split] = s
    out = []
    train_poor = "train" in majority or "train" in worse_line
    if majority:
        parts = [f"accuracy {_num(s['model']['accuracy'])} on the {s['rows']} "
                 f"{_SPLIT_NAMES[split]} rows, where always answering {label!r} scores "
                 f"{_num(s['constant']['accuracy'])}" for split, s in majority.items()]
        if train_poor:
            cause = _underfit_causes(ev, classification=True)
        else:
            shifted = any(s["constant"]["accuracy"] is not None
                          and s["constant"]["accuracy"] < base["share"] - 0.25
                          for s in majority.values())
            cause = _generalisation_causes(ev, cfg, shifted, tuple(majority))
        imbalance = (f" The training rows are {100 * base['share']:.0f}% {label!r}: weight the "
                     "rarer classes (sample_weight) if they matter."
                     if base["share"] >= 0.8 else "")
        out.append(("warning", f"No better than the majority class: {'; '.join(parts)}. "
                    f"{cause}{imbalance}"))
    if worse_line:
        parts = [f"accuracy {_num(s['model']['accuracy'])} on the {s['rows']} "
                 f"{_SPLIT_NAMES[split]} rows (the line: {_num(s['linear']['accuracy'])})"
                 for split, s in worse_line.items()]
        cause = (_underfit_causes(ev, classification=True) if train_poor
                 else _generalisation_causes(ev, cfg, False))
        out.append(("warning", f"Clearly worse than a linear classifier: {'; '.join(parts)}: "
                    f"least squares on the one-hot classes, on the same inputs, errs less than "
                    f"1/{LINEAR_RATIO:g} as often and is more than {LINEAR_GAP:g} more accurate. "
                    f"{cause}"))
    return out, train_poor


def _loss_findings(ev, poor):
    fall = ev["fall"]
    if fall is None:
        if poor and ev["n_epochs"] == 1:
            return [("note", "The history has one epoch: whether the loss fell cannot be "
                     "told; raise epochs.")]
        return []
    if ev["rose"]:
        return [("warning", f"The training loss rose over the {ev['n_epochs']} epochs (best at "
                 f"epoch {ev['best_epoch']}): the learning rate is too high for this model and "
                 "data; lower it by 10x" + ("" if ev["normalized"] else
                                            " and normalise the inputs (normalize=True)") + ".")]
    if fall >= MIN_LOSS_FALL:
        return []
    text = (f"The training loss never fell: its best epoch ({ev['best_epoch']}) is "
            f"{100 * fall:.2g}% below the first of {ev['n_epochs']}.")
    if poor:  # the warning on the scores above names the causes
        return [("warning", f"{text} The network learned next to nothing; see the likely "
                 "causes given with its scores.")]
    # a good fit whose first epoch already did the work (many batches an epoch)
    return [("note", f"{text} The first epoch already reached the fit shown; the later ones "
             "changed little.")]


def _num(x):
    if x is None:
        return "undefined"
    x = float(x)
    if 1e3 <= abs(x) < 1e7:
        return f"{x:,.0f}"
    return f"{x:.3g}"
