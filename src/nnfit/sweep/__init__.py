"""Sweeps over models and seeds: grids of configurations to a tidy table and the Fits.

``nnfit.sweep`` is a module (the package of this file); its entry point is
:func:`nnfit.sweep.run`::

    import nnfit
    data = nnfit.load_dataset("capacity")
    result = nnfit.sweep.run({"hidden": [(2,), (8,), (128,)], "l2": [0.0, 0.01]}, data,
                             seeds=(0, 1, 2), base={"epochs": 500}, out="runs/capacity")
    result.table                         # one row per (configuration, seed)
    result.summary()                     # mean / std / min / max over seeds
    result.fits[result.table.config_id[0]]   # a Fit whose members are the seeds
    result.plot_capacity("val_mse"); result.report()
    nnfit.sweep.load("runs/capacity")    # the same result from its run folder

Configurations of one network shape and static training options (differing only in learning
rate, ``l1``, ``l2`` and seed) train together in one vectorised :func:`nnfit.fit` call; other
shapes run in turn, in local processes (``n_jobs``) or on a Dask cluster (``scheduler``). A run
folder resumes: a second call with the same ``out`` trains only what is not finished there.

- :mod:`nnfit.sweep.grid`: key names and aliases, validation, expansion, ids, groups;
- :mod:`nnfit.sweep.run`: :func:`run`, the contract of run folders and resume;
- :mod:`nnfit.sweep.group`: one vectorised group (:func:`train_group`), scoring, splitting;
- :mod:`nnfit.sweep.executors`: in turn, local processes, Dask;
- :mod:`nnfit.sweep.folder`: the run folder's files;
- :mod:`nnfit.sweep.result`: :class:`SweepResult`;
- :mod:`nnfit.sweep.plots`: capacity plot, heat maps, HTML report;
- :mod:`nnfit.sweep.studies`: built-in studies (:func:`seed004_study`).
"""

from __future__ import annotations

from .grid import expand
from .result import SweepResult, load
from .group import train_group
from .run import run
from .studies import seed004_study

__all__ = ["run", "expand", "load", "SweepResult", "seed004_study", "train_group"]
