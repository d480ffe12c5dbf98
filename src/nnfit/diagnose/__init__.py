"""Explain a fit: one call per question, each returning plain data for reports and figures.

==========================  =====================================================================
Question                    Functions
==========================  =====================================================================
hidden units (seed 004)     :func:`unit_contributions`, :func:`layer_activations`
curvature (seed 002)        :func:`curvature`, :func:`gradient`, :func:`hessian`,
                            :func:`hessian_vector_product`, :func:`parameter_names`
least squares vs Adam       :func:`compare_least_squares`, :func:`seed_002_problem`,
                            :func:`least_squares_stop_reason`
multi-start                 :func:`multistart`, :func:`compare_starts`, :func:`canonical_params`
extrapolation               :func:`extrapolation_score`, :func:`extrapolate`
surgery (seed 004)          :func:`get_weights`, :func:`get_unit`, :func:`set_weights`,
                            :func:`set_unit`, :func:`change_points`, :func:`scale_change_points`
linear collapse (seed 000)  :func:`collapse_linear`
loss landscape              :func:`interpolate`, :func:`loss_surface`,
                            :func:`filter_normalized_directions`, :func:`training_path`,
                            :func:`initial_params`
==========================  =====================================================================

Every function takes a :class:`~nnfit.Fit` (and data where needed) and returns NumPy arrays,
pandas DataFrames or small frozen dataclasses; none modifies the Fit it is given. Derivatives
are computed with JAX in float64 (inside ``jax.enable_x64``, never flipping the global flag).
"""

from ._common import parameter_names
from .collapse import LinearCollapse, collapse_linear
from .compare import (STOP_REASONS, compare_least_squares, least_squares_stop_reason,
                      seed_002_problem)
from .curvature import MAX_DENSE, Curvature, curvature, gradient, hessian, hessian_vector_product
from .extrapolation import ExtrapolationScore, extrapolate, extrapolation_score
from .landscape import (LossSurface, filter_normalized_directions, initial_params, interpolate,
                        loss_surface, training_path)
from .multistart import MultiStart, canonical_params, compare_starts, multistart
from .surgery import (UnitWeights, change_points, get_unit, get_weights, scale_change_points,
                      set_unit, set_weights)
from .units import LayerActivations, UnitContributions, layer_activations, unit_contributions

__all__ = [
    "Curvature", "ExtrapolationScore", "LayerActivations", "LinearCollapse", "LossSurface",
    "MAX_DENSE", "MultiStart", "STOP_REASONS", "UnitContributions", "UnitWeights",
    "canonical_params", "change_points", "collapse_linear", "compare_least_squares",
    "compare_starts", "curvature", "extrapolate", "extrapolation_score",
    "filter_normalized_directions", "get_unit", "get_weights", "gradient", "hessian",
    "hessian_vector_product", "initial_params", "interpolate", "layer_activations",
    "least_squares_stop_reason", "loss_surface", "multistart", "parameter_names",
    "scale_change_points", "seed_002_problem", "set_unit", "set_weights", "training_path",
    "unit_contributions",
]
