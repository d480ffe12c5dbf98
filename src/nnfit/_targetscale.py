"""Training a regression on its standardised target, reported in the target's own units.

A target in the thousands makes a freshly initialised network (outputs near 0) start with a
loss of millions, and Adam's steps of ~``learning_rate`` would need thousands of epochs just to
reach the target's level. Training on ``(y - mean) / scale``, each target column with its own
training mean and standard deviation (scikit-learn's ``StandardScaler``, as a careful user wraps a
regressor in ``TransformedTargetRegressor``), removes that and gives every target column the
same weight. Afterwards the scales are folded into the output layer (``W * scale``,
``b * scale + mean``), so the fitted network itself predicts in the target's units and nothing
downstream needs to know.

The history is converted back where that is exact: with one target column, ``mse`` and ``sse``
times ``scale**2``, ``mae`` times ``scale``, and the loss and penalty columns as the loss is;
``huber`` is not homogeneous and its loss column stays in standardised units. With several
target columns the history's errors are averages over columns of different units, which no
single factor converts: they stay in standardised units (the fit's notes say so), and
``fit.scores`` gives every split's errors in the targets' units.

The penalty applies to the standardised problem: in the original units of one target its
strength is ``l1/l2 * scale**2``. ``tol`` and ``lbfgs``' tests also act on the standardised
problem; ``target_loss`` is given in the target's units and converted (one target column).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np



@dataclass(frozen=True)
class TargetScale:
    """Per-column mean and standard deviation (n_outputs,) of a regression target."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def learn(cls, Y, weight):
        """The weighted mean and standard deviation of each column of ``Y`` (n, k); a
        constant column keeps the scale 1."""
        w = np.asarray(weight, np.float64)[:, None]
        mean = (w * Y).sum(axis=0) / w.sum()
        std = np.sqrt((w * (Y - mean) ** 2).sum(axis=0) / w.sum())
        return cls(mean=mean, scale=np.where((std > 0) & np.isfinite(std), std, 1.0))

    @property
    def exact(self):
        """Whether the history converts back exactly (one target column)."""
        return self.mean.size == 1

    def apply(self, Y):
        """Targets (n, k) in standardised units."""
        return None if Y is None else (Y - self.mean) / self.scale

    def fold(self, params):
        """Parameters whose output layer predicts in the target's units (member axis first)."""
        *hidden, (W, b) = [(np.asarray(W), np.asarray(b)) for W, b in params]
        scale = self.scale.astype(W.dtype)
        return [*hidden, (W * scale, b * scale + self.mean.astype(b.dtype))]

    def unfold(self, params):
        """:meth:`fold` undone: a warm start's parameters for the standardised problem."""
        *hidden, (W, b) = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
                           for W, b in params]
        return [*hidden, (W / self.scale, (b - self.mean) / self.scale)]

    def _factor(self, name, loss):
        """What a history column is multiplied by to be in the target's units: the loss and
        the penalty (a part of it) by the loss's own units, the metrics by theirs."""
        if not self.exact:
            return 1.0
        base = name.removeprefix("val_")
        if base in ("loss", "penalty"):
            base = {"mse": "mse", "sse": "sse", "mae": "mae"}.get(loss)  # huber: no factor
        s = float(self.scale[0])
        return s ** 2 if base in ("mse", "sse") else s if base == "mae" else 1.0

    def records(self, records, loss):
        """The engine's history records in the target's units where that is exact."""
        return {name: values * self._factor(name, loss) if self._factor(name, loss) != 1.0
                else values for name, values in records.items()}

    def solver_info(self, info):
        """Least squares' report with its cost in the target's units (one target column)."""
        if info is None or not self.exact:
            return info
        return [{**m, "cost": m["cost"] * float(self.scale[0]) ** 2} if "cost" in m else m
                for m in info]

    def target_loss(self, value, monitor, loss):
        """A level of the ``monitor`` column in the target's units, in standardised units."""
        return value / self._factor(monitor, loss)

    def note(self, names):
        """What was done, in words, for the fit's notes."""
        parts = ", ".join(f"{n}: mean {m:.4g}, sd {s:.4g}"
                          for n, m, s in zip(names, self.mean, self.scale))
        text = f"target standardised for training ({parts}), predictions in its units"
        if not self.exact:
            text += ("; with several target columns the history's errors stay in standardised "
                     "units (fit.scores has them in the targets' units)")
        return text

    def to_dict(self):
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}
