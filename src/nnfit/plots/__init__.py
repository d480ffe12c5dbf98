"""nnfit's figures: each function returns a :class:`matplotlib.figure.Figure`.

Contract
--------
- Every ``plot_*`` function takes plain data (NumPy arrays, pandas DataFrames) as its primary
  input, so it serves a :class:`~nnfit.Fit`, a linear fit, a sweep table or hand-made arrays
  alike; :class:`FitPlots` computes those arrays from a Fit (``FitPlots(fit, X, y).data()``).
- Figures are built with matplotlib's object API (``Figure()``, never pyplot), so they render
  headless with Agg whatever the backend, never open a window, never call ``show()``, and are
  not kept alive by a global figure list. Save with :func:`save_figure` or ``fig.savefig``.
- One style everywhere (:mod:`nnfit.plots.style`): labelled axes, a legend wherever there is
  more than one thing to tell apart, the same colour for the same role (data, fit, train,
  validation, positive and negative weights).
- matplotlib is imported here only, never by ``import nnfit``.

Figures: :func:`plot_fit`, :func:`plot_predicted_vs_true`, :func:`plot_residuals`,
:func:`plot_ensemble_band`, :func:`plot_extrapolation`, :func:`plot_decision_boundary`
(data and fit); :func:`plot_learning_curves`, :func:`plot_hessian_spectrum` (curves);
:func:`plot_loss_surface`, :func:`plot_gd_snapshots` (gradient descent);
:func:`plot_interpolation`, :func:`plot_loss_slice`, :func:`plot_multistart` (a network's loss
landscape and its many starts: the figures of ``diagnose.interpolate``, ``loss_surface`` and
``multistart``);
:func:`plot_network`, :func:`plot_unit_contributions`, :func:`plot_layer_activations`
(inside the network); :func:`plot_heatmap`, :func:`plot_capacity` (tables).
"""

from .curves import plot_hessian_spectrum, plot_learning_curves
from .descent import plot_gd_snapshots, plot_loss_surface
from .fitplots import FitPlots, unit_contributions
from .fits import (
    plot_decision_boundary,
    plot_ensemble_band,
    plot_extrapolation,
    plot_fit,
    plot_predicted_vs_true,
    plot_residuals,
)
from .landscape import plot_interpolation, plot_loss_slice, plot_multistart, slice_labels
from .networks import plot_layer_activations, plot_network, plot_unit_contributions
from .style import COLORS, figure_to_png, save_figure
from .tables import plot_capacity, plot_heatmap

__all__ = [
    "COLORS", "FitPlots", "figure_to_png", "plot_capacity", "plot_decision_boundary",
    "plot_ensemble_band", "plot_extrapolation", "plot_fit", "plot_gd_snapshots", "plot_heatmap",
    "plot_hessian_spectrum", "plot_interpolation", "plot_layer_activations",
    "plot_learning_curves", "plot_loss_slice", "plot_loss_surface", "plot_multistart",
    "plot_network", "plot_predicted_vs_true", "plot_residuals", "plot_unit_contributions",
    "save_figure", "slice_labels", "unit_contributions",
]
