"""Built-in studies: seed 004's capacity and regularisation study as one call.

Seed 004 fits, by hand and one at a time in Keras, relu networks of 1 hidden layer of 2, 8, 128,
1024 and 8192 units, 1 to 4 hidden layers of 16, and 5 hidden layers of 1024 (unpenalised, L2
0.01, L2 0.001 and L1) on 1-D regression data (50 training and 1000 validation points), tables
their train and validation MSE, then fits 5 x 1024 relu classifiers (unpenalised, L2 0.001,
L2 0.01) and reports validation accuracies of 0.88, 0.8801 and 0.9029.

:func:`seed004_study` runs all of it as two sweeps (regression, classification) on the data
sets ``capacity`` and ``capacity_classification`` (seed-004-like: the seed does not show its
data, so the numbers agree in kind, not digit for digit). As in the seed every layer's weights
and biases start from ``RandomNormal(stddev=0.05)``, and every model is trained alike, as the
seed's one ``fit_model_ex1`` does: Keras' defaults (Adam at 0.001, batches of 32) for the epochs
of :data:`SCALES` (100 at full scale, the seed's 5 x 1024 workload of issue 15). At Adam 0.01 the
penalised 5 x 1024 networks all collapse to a constant, in Keras as in nnfit
(``benchmarks/SWEEP.md``).
"""

from __future__ import annotations

import os
import time

from . import grid as G
from ..errors import InvalidOptionError

# the seed's printed numbers (its data, not ours): name -> (train_mse, val_mse)
SEED_MSE = {
    "model_2units": (0.0444497, 0.0575317), "model_8units": (0.0427819, 0.0535399),
    "model_128units": (0.033027, 0.0429847), "model_1024units": (0.00960591, 0.0246087),
    "model_8192units": (0.00923209, 0.0246102), "model_1layer": (0.0421595, 0.0513442),
    "model_2layers": (0.0310402, 0.0433764), "model_3layers": (0.0239409, 0.0433056),
    "model_4layers": (0.0110532, 0.0273052), "model_somany": (0.00613459, 0.0296568),
    "model_somany_l2_0.001": (0.009383224323391915, 0.02562420552968979),
    "model_somany_l1_0.001": (0.009438994713127613, 0.02528374271094799),
}
SEED_ACCURACY = {"clf_somany": 0.88, "clf_somany_l2_0.001": 0.8801, "clf_somany_l2_0.01": 0.9029}

# "full" has the seed's exact networks; "small" shrinks the largest ones for tests and demos.
SCALES = {
    "full": dict(widths=(2, 8, 128, 1024, 8192), deep=1024, epochs=100, deep_epochs=100,
                 seeds=(0, 1, 2), deep_seeds=(0,), clf_epochs=100, clf_seeds=(0,),
                 n_val=1000, clf_n_val=10000),
    # 5 x 256, not fewer units: RandomNormal(0.05) shrinks the signal of narrow relu layers
    # (by 0.05 * sqrt(width / 2) per layer), and 5 x 64 starts too flat to train
    # (and validating 5 x 256 on 1000 points every epoch costs more than training it)
    "small": dict(widths=(2, 8, 128, 1024), deep=256, epochs=100, deep_epochs=100,
                  seeds=(0, 1), deep_seeds=(0,), clf_epochs=100, clf_seeds=(0, 1),
                  n_val=200, clf_n_val=2000),
}
BASE = dict(activation="relu", init="normal", bias_init="normal", init_scale=0.05,
            optimizer="adam", learning_rate=0.001, batch_size=32)


def seed004_configs(scale="full"):
    """The study's configurations: (regression, classification), each a list of (name, entry).

    Each entry is a one-configuration grid for :func:`nnfit.sweep.run` (``seed`` included).
    """
    s = _scale(scale)
    reg = []
    for w in s["widths"]:
        reg.append((f"model_{w}units", dict(hidden=(w,), epochs=s["epochs"],
                                              seed=list(s["seeds"]))))
    for depth, name in zip(range(1, 5), ("1layer", "2layers", "3layers", "4layers")):
        reg.append((f"model_{name}", dict(hidden=(16,) * depth, epochs=s["epochs"],
                                          seed=list(s["seeds"]))))
    deep = (s["deep"],) * 5
    for suffix, penalty in (("", {}), ("_l2_0.01", {"l2": 0.01}), ("_l2_0.001", {"l2": 0.001}),
                            ("_l1_0.001", {"l1": 0.001})):
        reg.append((f"model_somany{suffix}", dict(hidden=deep, epochs=s["deep_epochs"],
                                                  seed=list(s["deep_seeds"]), **penalty)))
    clf = []
    for suffix, penalty in (("", {}), ("_l2_0.001", {"l2": 0.001}), ("_l2_0.01", {"l2": 0.01})):
        clf.append((f"clf_somany{suffix}", dict(hidden=deep, output="sigmoid",
                                                epochs=s["clf_epochs"],
                                                seed=list(s["clf_seeds"]), **penalty)))
    return reg, clf


def _scale(scale):
    if scale not in SCALES:
        raise InvalidOptionError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    return SCALES[scale]


class Seed004Study:
    """The two sweeps of :func:`seed004_study` and the seed's tables built from them.

    Attributes
    ----------
    regression, classification : SweepResult
    names : dict of str -> str
        config_id -> the seed's model name (``model_2units``, ..., ``clf_somany_l2_0.01``).
    seconds : dict
        Wall time of each sweep and in all.
    scale : str
    """

    def __init__(self, regression, classification, names, seconds, scale):
        self.regression, self.classification = regression, classification
        self.names, self.seconds, self.scale = names, seconds, scale

    def _named(self, result):
        t = result.table.copy()
        t.insert(0, "model", t.config_id.map(self.names))
        return t

    def mse_table(self):
        """The seed's table: train and validation MSE per model (mean and std over seeds),
        beside the seed's own numbers."""
        import pandas as pd

        t = self._named(self.regression)
        g = t.groupby("model", sort=False)
        out = pd.DataFrame({
            "hidden": g.hidden.first(), "l1": g.l1.first(), "l2": g.l2.first(),
            "n_params": g.n_params.first(), "epochs": g.epochs.first(), "seeds": g.seed.count(),
            "train_mse": g.train_mse.mean(), "train_mse_std": g.train_mse.std(),
            "val_mse": g.val_mse.mean(), "val_mse_std": g.val_mse.std(),
            "best_val_mse": g.best_val_mse.mean()})
        out["seed_train_mse"] = [SEED_MSE.get(m, (float("nan"),) * 2)[0] for m in out.index]
        out["seed_val_mse"] = [SEED_MSE.get(m, (float("nan"),) * 2)[1] for m in out.index]
        return out

    def accuracy_table(self):
        """Validation accuracy of the 5-layer classifiers, beside the seed's."""
        import pandas as pd

        t = self._named(self.classification)
        g = t.groupby("model", sort=False)
        out = pd.DataFrame({
            "hidden": g.hidden.first(), "l2": g.l2.first(), "epochs": g.epochs.first(),
            "seeds": g.seed.count(), "train_accuracy": g.train_accuracy.mean(),
            "val_accuracy": g.val_accuracy.mean(), "val_accuracy_std": g.val_accuracy.std()})
        out["seed_val_accuracy"] = [SEED_ACCURACY[m] for m in out.index]
        return out

    def __str__(self):
        fmt = lambda v: f"{v:.4g}"  # noqa: E731
        return (f"Seed 004 study ({self.scale}), {self.seconds['total_s']:.0f} s "
                f"(regression {self.seconds['regression_s']:.0f} s, classification "
                f"{self.seconds['classification_s']:.0f} s)\n\n"
                + self.mse_table().to_string(float_format=fmt) + "\n\n"
                + self.accuracy_table().to_string(float_format=fmt))

    def markdown(self):
        """Both tables as Markdown (the run folder's ``study.md``)."""
        return _markdown(self, "%.4g")


def _markdown(study, fmt):
    def table(frame):
        head = "| model | " + " | ".join(frame.columns) + " |"
        rule = "|---" * (len(frame.columns) + 1) + "|"
        rows = []
        for name, row in frame.iterrows():
            cells = [fmt % v if isinstance(v, float) else str(v) for v in row]
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
        return "\n".join([head, rule, *rows])

    s = study.seconds
    return (f"# Seed 004 study ({study.scale})\n\nWall time {s['total_s']:.0f} s (regression "
            f"{s['regression_s']:.0f} s, classification {s['classification_s']:.0f} s).\n\n"
            "## Train and validation MSE (mean over seeds; seed_* are the seed's own numbers "
            "on its own data)\n\n" + table(study.mse_table())
            + "\n\n## Validation accuracy of the 5-layer classifiers\n\n"
            + table(study.accuracy_table()) + "\n")


def seed004_study(scale="small", out=None, *, scheduler=None, n_jobs=1, verbose=False,
                  validate_every_epoch=None):
    """Run seed 004's capacity and regularisation study; return its tables and the sweeps.

    Parameters
    ----------
    scale : {'small', 'full'}
        ``full``: the seed's networks (up to 8192 units and 5 x 1024), a few minutes on two
        CPU cores; ``small``: the largest networks shrunk (5 x 64, no 8192), for tests and demos.
    out : str or Path, optional
        Run folder: ``out/regression`` and ``out/classification`` (each resumable) and
        ``out/study.md``.
    scheduler, n_jobs, verbose
        As in :func:`nnfit.sweep.run`.
    validate_every_epoch : bool, optional
        Default: every epoch for regression (1000 points); at the end for the classifiers,
        whose 10000 validation points would cost more than their training.

    Returns
    -------
    Seed004Study
        ``.mse_table()``, ``.accuracy_table()``, ``.regression``, ``.classification``,
        ``.seconds``; ``print(study)`` shows both tables.

    Examples
    --------
    >>> study = nnfit.sweep.seed004_study("small")  # doctest: +SKIP
    >>> print(study)  # doctest: +SKIP
    """
    from ..datasets import load_dataset
    from .run import run

    reg_spec, clf_spec = seed004_configs(scale)
    names = {}
    for name, entry in reg_spec + clf_spec:
        [(config, _)] = G.expand([entry], base=BASE)
        names[config.id] = name
    seconds = {}
    results = []
    s = _scale(scale)
    for kind, spec, data, every in (
            ("regression", reg_spec, load_dataset("capacity", n_val=s["n_val"]), True),
            ("classification", clf_spec,
             load_dataset("capacity_classification", n_val=s["clf_n_val"]), False)):
        start = time.perf_counter()
        folder = None if out is None else os.path.join(os.fspath(out), kind)
        results.append(run([entry for _, entry in spec], data, base=BASE, out=folder,
                           scheduler=scheduler, n_jobs=n_jobs, verbose=verbose,
                           validate_every_epoch=every if validate_every_epoch is None
                           else validate_every_epoch))
        seconds[f"{kind}_s"] = time.perf_counter() - start
    seconds["total_s"] = seconds["regression_s"] + seconds["classification_s"]
    study = Seed004Study(*results, names, seconds, scale)
    if out is not None:
        from .._runfolder import _atomic_write
        _atomic_write(os.path.join(os.fspath(out), "study.md"),
                      lambda f: f.write(study.markdown()), "w")
    return study
