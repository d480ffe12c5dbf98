"""Fits built without training, for diagnose tests whose reference does not depend on it.

Training compiles a program per network shape; these tests check identities (sums, closed
forms, exact edits) that hold for any parameters, so they draw the parameters and build the
:class:`nnfit.Fit` directly through its public constructor.
"""

import numpy as np
import pandas as pd

import nnfit


def drawn_fit(model, X, y, *, n_members=1, seed=0, dtype="float64", loss=None, l1=0.0, l2=0.0):
    """A Fit of ``model`` on ``X``, ``y`` with parameters drawn from a NumPy generator.

    Weights are normal with the model's ``init_scale`` (``init='normal'``) or Glorot's
    variance; biases normal with ``init_scale`` when ``bias_init='normal'``, else zero. The
    config records no seeds, so ``initial_params`` refuses these fits.
    """
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
    # NumPy draws, not network.init: no JAX program to compile for a test's parameters
    rng = np.random.default_rng(seed)
    sizes = network.layer_sizes
    scale = model.init_scale if model.init == "normal" else 1.0
    stacked = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        std = scale if model.init == "normal" else np.sqrt(2.0 / (fan_in + fan_out))
        W = rng.normal(scale=std, size=(n_members, fan_in, fan_out))
        b = (rng.normal(scale=model.init_scale, size=(n_members, fan_out))
             if model.bias_init == "normal" else np.zeros((n_members, fan_out)))
        stacked.append((W.astype(dtype), b.astype(dtype)))
    loss = loss or ("mse" if task == "regression" else
                    "binary_crossentropy" if model.output == "sigmoid" else "categorical_crossentropy")
    config = {"loss": loss, "l1": l1, "l2": l2, "n_members": n_members, "dtype": dtype}
    history = pd.DataFrame({"member": np.arange(n_members), "epoch": 1, "loss": np.nan})
    return nnfit.Fit(network, stacked, history, config=config, task=task, classes=classes,
                     y_shape=y.shape[1:] if task == "regression" else (), dtype=dtype,
                     stop_reasons=["completed"] * n_members)
