"""What the sections of seed 002 share: the seed's parameter names, a quiet fit and a line
figure."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np


class Run(SimpleNamespace):
    """What every section of the seed 002 demo reads and writes, passed as ``ctx``.

    Attributes: ``report``, ``say``, ``cfg``, ``timings``, ``numbers``, ``X``, ``y``, ``model``.
    """


# the seed's names for the 10 parameters, in the order of its ``pars`` vector
SEED_NAMES = ("b1", "w10", "w00", "b00", "w11", "w01", "b01", "w12", "w02", "b02")


def seed_parameters(params):
    """The seed's named parameters from nnfit's ``[(W0, b0), (W1, b1)]`` of a 1-3-1 network.

    ``w0j = W0[0, j]``, ``b0j = b0[j]``, ``w1j = W1[j, 0]``, ``b1 = b1[0]``.

    Returns
    -------
    dict of str -> float, in the seed's order (:data:`SEED_NAMES`).
    """
    (W0, b0), (W1, b1) = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
                          for W, b in params]
    values = {"b1": float(b1.reshape(-1)[0])}
    for j in range(3):
        values.update({f"w1{j}": float(W1[j, 0]), f"w0{j}": float(W0[0, j]),
                       f"b0{j}": float(b0[j])})
    return {name: values[name] for name in SEED_NAMES}


def _nnfit_to_seed_names(names):
    """nnfit's flat names (``W0[0,j]``, ``b0[j]``, ``W1[j,0]``, ``b1[0]``) -> the seed's."""
    out = []
    for n in names:
        layer, rest = n[1], n[3:-1].split(",")
        if n[0] == "W":
            j = rest[1] if layer == "0" else rest[0]
            out.append(f"w{layer}{j}")
        else:
            out.append("b1" if layer == "1" else f"b0{rest[0]}")
    return out


def _quiet_fit(*args, **kwargs):
    """``nnfit.fit`` with its convergence warnings caught: the report states the solver status."""
    import nnfit

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = nnfit.fit(*args, **kwargs)
    return fit, [str(w.message) for w in caught]


def _line_figure(panels, *, size=None):
    """A small figure of curves and points: ``panels`` is a list of dicts with ``title``,
    ``xlabel``, ``ylabel``, ``series``: (x, y, label, kind) with kind 'points' or 'line', and
    optionally ``shade`` (an x interval) and ``logy``."""
    from ..plots.style import COLORS, CYCLE, new_figure, styled

    @styled
    def draw():
        fig, axes = new_figure(1, len(panels), size=size, squeeze=False)
        for ax, panel in zip(axes[0], panels):
            for k, (x, y, label, kind) in enumerate(panel["series"]):
                if kind == "points":
                    ax.scatter(x, y, s=14, color=COLORS["data"], alpha=0.7, label=label, zorder=3)
                else:
                    ax.plot(x, y, color=CYCLE[k % len(CYCLE)] if k else COLORS["fit"],
                            label=label)
            if panel.get("shade") is not None:
                lo, hi = panel["shade"]
                ax.axvspan(lo, hi, color=COLORS["train_range"], alpha=0.3, lw=0,
                           label="training range")
            if panel.get("logy"):
                ax.set_yscale("log")
            ax.set(xlabel=panel.get("xlabel", "x"), ylabel=panel.get("ylabel", "y"),
                   title=panel.get("title", ""))
            if any(s[2] for s in panel["series"]):
                ax.legend()
        return fig

    return draw()


def _params_frame(columns):
    """A table of parameters: one row per seed name, one column per fit."""
    import pandas as pd

    frame = pd.DataFrame({name: [values[n] for n in SEED_NAMES]
                          for name, values in columns.items()})
    frame.insert(0, "parameter", list(SEED_NAMES))
    return frame
