"""Training a regression on its standardised target, reported in the target's own units.

A target in the thousands makes a freshly initialised network (outputs near 0) start with a
loss of millions, and Adam's steps of ~``learning_rate`` would need thousands of epochs just to
reach the target's level. Training on ``(y - mean) / scale`` removes that. The scale is *one*
number for all target columns (the root of their mean variance) and the means are per column, so
the objective is the original one divided by ``scale**2``: the optimum is unchanged and every
squared-error number converts back exactly (``mse``, ``sse`` and the penalty times
``scale**2``, ``mae`` times ``scale``). Afterwards the scale is folded into the output layer
(``W * scale``, ``b * scale + mean``), so the fitted network itself predicts in the target's
units and nothing downstream needs to know.

The penalty is applied to the standardised problem: in the original units its strength is
``l1/l2 * scale**2``. ``tol`` and ``lbfgs``' tests also act on the standardised problem;
``target_loss`` is given in the original units and converted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# history columns in squared target units, and in target units
SQUARED = ("loss", "penalty", "mse")
LINEAR = ("mae",)


@dataclass(frozen=True)
class TargetScale:
    """Per-column mean (n_outputs,) and one common scale of a regression target."""

    mean: np.ndarray
    scale: float

    @classmethod
    def learn(cls, Y, weight):
        """The weighted mean per column and the root mean variance of ``Y`` (n, k)."""
        w = np.asarray(weight, np.float64)[:, None]
        mean = (w * Y).sum(axis=0) / w.sum()
        variance = float(((w * (Y - mean) ** 2).sum(axis=0) / w.sum()).mean())
        scale = float(np.sqrt(variance)) if variance > 0 and np.isfinite(variance) else 1.0
        return cls(mean=mean, scale=scale)

    def apply(self, Y):
        """Targets (n, k) in standardised units."""
        return None if Y is None else (Y - self.mean) / self.scale

    def fold(self, params):
        """Parameters whose output layer predicts in the target's units (member axis first)."""
        *hidden, (W, b) = [(np.asarray(W), np.asarray(b)) for W, b in params]
        return [*hidden, (W * self.scale, b * self.scale + self.mean.astype(b.dtype))]

    def unfold(self, params):
        """:meth:`fold` undone: a warm start's parameters for the standardised problem."""
        *hidden, (W, b) = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
                           for W, b in params]
        return [*hidden, (W / self.scale, (b - self.mean) / self.scale)]

    def solver_info(self, info):
        """Least squares' report with its cost in the target's units."""
        if info is None:
            return None
        return [{**m, "cost": m["cost"] * self.scale ** 2} if "cost" in m else m for m in info]

    def records(self, records, loss):
        """The engine's history records in the target's units (huber's loss stays scaled)."""
        out = dict(records)
        for name, values in records.items():
            base = name.removeprefix("val_")
            if base == "loss" and loss == "huber":
                continue  # huber is not homogeneous: no exact conversion
            if base in SQUARED:
                out[name] = values * self.scale ** 2
            elif base in LINEAR:
                out[name] = values * self.scale
        return out

    def target_loss(self, value, monitor, loss):
        """A level of the ``monitor`` column in the target's units, in standardised units."""
        base = monitor.removeprefix("val_")
        if base == "loss":
            base = {"mse": "mse", "sse": "mse", "mae": "mae"}.get(loss, "")
        if base in SQUARED:
            return value / self.scale ** 2
        if base in LINEAR:
            return value / self.scale
        return value

    def to_dict(self):
        return {"mean": self.mean.tolist(), "scale": self.scale}
