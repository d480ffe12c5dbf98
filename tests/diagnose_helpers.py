"""Fits built without training, for diagnose tests whose reference does not depend on it.

Training compiles a program per network shape; these tests check identities (sums, closed
forms, exact edits) that hold for any parameters, so they draw the parameters and build the
:class:`nnfit.Fit` directly through its public constructor.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

import nnfit


def drawn_fit(model, X, y, *, n_members=1, seed=0, dtype="float64", loss=None, l1=0.0, l2=0.0):
    """A Fit of ``model`` on ``X``, ``y`` with parameters drawn from ``seed + member``."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    task = "regression" if model.output == "linear" else "classification"
    classes = None
    if task == "regression":
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
    elif model.output == "sigmoid":
        n_outputs, classes = 1, np.arange(2)
    else:
        n_outputs = int(y.max()) + 1
        classes = np.arange(n_outputs)
    network = model.build(X.shape[1], n_outputs, X)
    with jax.enable_x64(dtype == "float64"):
        members = [network.init(jax.random.key(seed + m), jnp.dtype(dtype)) for m in range(n_members)]
    stacked = [(np.stack([np.asarray(p[i][0]) for p in members]),
                np.stack([np.asarray(p[i][1]) for p in members])) for i in range(len(members[0]))]
    loss = loss or ("mse" if task == "regression" else
                    "binary_crossentropy" if model.output == "sigmoid" else "categorical_crossentropy")
    config = {"loss": loss, "l1": l1, "l2": l2, "seeds": [seed + m for m in range(n_members)],
              "n_members": n_members, "dtype": dtype}
    history = pd.DataFrame({"member": np.arange(n_members), "epoch": 1, "loss": np.nan})
    return nnfit.Fit(network, stacked, history, config=config, task=task, classes=classes,
                     y_shape=y.shape[1:] if task == "regression" else (), dtype=dtype,
                     stop_reasons=["completed"] * n_members)
