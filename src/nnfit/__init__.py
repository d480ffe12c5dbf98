"""nnfit: fit, inspect and compare neural-network and linear regressors, fast.

The public names are imported lazily, so ``import nnfit`` (and ``nnfit --help``) stays instant;
JAX, pandas, scikit-learn and matplotlib load when a name that needs them is first used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "MLP": "nnfit.mlp",
    "fit": "nnfit.training",
    "Fit": "nnfit.fitted",
    "load_fit": "nnfit.fitted",
    "TrainingDiverged": "nnfit.engine",
    "Dataset": "nnfit.datasets",
    "load_dataset": "nnfit.datasets",
    "list_datasets": "nnfit.datasets",
    "load_table": "nnfit.tabular",
    "LinearRegression": "nnfit.linear_regression",
    "MLPRegressor": "nnfit.estimators",
    "MLPClassifier": "nnfit.estimators",
    "FitOptions": "nnfit.options",
    "InvalidOptionError": "nnfit.errors",
    "RunFolderError": "nnfit.errors",
    "enable_compilation_cache": "nnfit._programs",
}
_SUBMODULES = {"datasets", "linear", "mlp", "objectives", "engine", "training", "fitted", "plots",
               "report", "diagnose", "demos", "estimators", "sweep", "options", "optim", "errors", "tabular", "checks"}

__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"nnfit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnfit' has no attribute {name!r}")


def __dir__():
    return __all__
