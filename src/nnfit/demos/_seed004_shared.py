"""What the parts of seed 004 share: the seed's relu network, its fit, the penalty variants,
the penalty itself and a figure of curves and points."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np


class Run(SimpleNamespace):
    """What every section of the seed 004 demo reads and writes, passed as ``ctx``.

    Attributes: ``report``, ``say``, ``cfg``, ``timings``, ``numbers``, ``quick``, the data
    ``X``, ``y``, ``X_val``, ``y_val``, the plotting ``grid`` and the ``study`` table.
    """


SEED = 0

# The penalty variants of the 5-layer model: (name, l1, l2), trained as one program.
VARIANTS = (("unpenalised", 0.0, 0.0), ("L2 0.01", 0.0, 0.01), ("L2 0.001", 0.0, 0.001),
            ("L1 0.001", 0.001, 0.0))


def relu_model(hidden, output="linear"):
    """The seed's network: relu hidden layers, Keras' RandomNormal(0.05) weights and biases."""
    import nnfit

    return nnfit.MLP(hidden=tuple(hidden), activation="relu", output=output, init="normal",
                     bias_init="normal", init_scale=0.05)


def member_mse(fit, X, y):
    """Each member's mean squared error on ``X``, ``y``: shape (n_members,)."""
    return ((fit.predict_members(X) - np.asarray(y)[None, :]) ** 2).mean(axis=1)


def weight_penalty(params, l1=0.0, l2=0.0):
    """Keras' kernel regularizer summed over layers: ``l1 sum|W| + l2 sum W**2`` (no biases)."""
    return float(sum(l1 * np.abs(np.asarray(W, np.float64)).sum()
                     + l2 * (np.asarray(W, np.float64) ** 2).sum() for W, _ in params))


def _fit(model, X, y, **options):
    """``nnfit.fit`` with warnings collected (the report states what matters)."""
    import nnfit

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = nnfit.fit(model, X, y, optimizer="adam", batch_size=options.pop("batch_size", None),
                        seed=options.pop("seed", SEED), **options)
    return fit, [str(w.message) for w in caught]


def _figure(panels, *, size=None):
    """Curves and points: each panel a dict with ``title``, ``xlabel``, ``ylabel``, ``series``
    of (x, y, label, kind, colour) with kind 'points', 'faint' (small light points) or 'line';
    optional ``logy``."""
    from ..plots.style import CYCLE, new_figure, styled

    @styled
    def draw():
        fig, axes = new_figure(1, len(panels), size=size, squeeze=False)
        for ax, panel in zip(axes[0], panels):
            for k, (x, y, label, kind, colour) in enumerate(panel["series"]):
                colour = colour or CYCLE[k % len(CYCLE)]
                if kind == "points":
                    ax.scatter(x, y, s=16, color=colour, alpha=0.8, label=label, zorder=3)
                elif kind == "faint":
                    ax.scatter(x, y, s=5, color=colour, alpha=0.25, label=label, zorder=2)
                else:
                    ax.plot(x, y, color=colour, label=label, lw=1.6)
            if panel.get("logy"):
                ax.set_yscale("log")
            ax.set(xlabel=panel.get("xlabel", "x"), ylabel=panel.get("ylabel", "y"),
                   title=panel.get("title", ""))
            ax.legend()
        return fig

    return draw()
