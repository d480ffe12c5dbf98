"""Slices of the loss landscape around a fit, and the optimiser's path across them.

- :func:`interpolate`: the training objective along the straight line
  ``theta(alpha) = (1 - alpha) theta_start + alpha theta_end`` (Goodfellow et al. 2015), e.g.
  from the initial to the fitted parameters, or between two members.
- :func:`loss_surface`: the objective on the plane ``theta* + a d1 + b d2`` through the fitted
  parameters, with ``d1, d2`` random *filter-normalised* directions (Li et al. 2018,
  "Visualizing the loss landscape of neural nets"): each direction is drawn from a standard
  normal, then the part of it belonging to unit ``j`` of a layer (column ``W[:, j]``, the unit's
  incoming weights; a "filter" of a dense layer) is rescaled to the norm of the same column of
  the fitted ``W``. Bias directions are zero by default, as in Li et al.; ``biases='normalize'``
  scales each bias entry to ``|b_j|`` instead. A list of parameter snapshots (the optimiser's
  path, e.g. from :func:`training_path`) is projected onto the plane by least squares, with the
  distance left off the plane reported. ``directions='pca'`` uses the first two principal
  directions of the path instead, the plane that shows the most of it.

The objective is the Fit's training loss (data loss plus its L1/L2 penalties) on the ``X``,
``y`` given, in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mlp import flatten_params
from ._common import check_fit, check_member, compiled, flat_objective, member_params


@dataclass(frozen=True)
class LossSurface:
    """The objective on a plane through the fitted parameters.

    Attributes
    ----------
    alphas : ndarray of shape (a,)
        Coordinates along ``directions[0]``.
    betas : ndarray of shape (b,)
        Coordinates along ``directions[1]``.
    loss : ndarray of shape (b, a)
        ``loss[i, j]`` at ``center + alphas[j] d1 + betas[i] d2`` (rows follow ``betas``, as
        ``numpy.meshgrid(alphas, betas)``).
    center : ndarray of shape (p,)
        The fitted flat parameters.
    center_loss : float
    directions : ndarray of shape (2, p)
    path_coords : ndarray of shape (T, 2) or None
        Least-squares coordinates ``(a, b)`` of each snapshot ``theta_t - center`` on the plane.
    path_loss : ndarray of shape (T,) or None
        The objective at each snapshot itself.
    path_offplane : ndarray of shape (T,) or None
        ``|| theta_t - center - a d1 - b d2 ||``: how far the snapshot lies off the plane.
    direction_kind : {'random', 'pca', 'given'}
        How the directions were chosen: filter-normalised random, the path's principal
        directions, or given by the caller (what a figure's axes say).
    """

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    center: np.ndarray
    center_loss: float
    directions: np.ndarray
    path_coords: np.ndarray | None
    path_loss: np.ndarray | None
    path_offplane: np.ndarray | None
    direction_kind: str = "given"


def initial_params(fit, member=0):
    """The parameters ``member`` started from (re-drawn from its seed), float64 copies.

    Returns
    -------
    list of (W, b)
    """
    import jax
    import jax.numpy as jnp

    check_fit(fit, "initial_params")
    member = check_member(fit, member)
    seeds = fit.config.get("seeds")
    if not seeds:
        raise ValueError("this Fit's config records no seeds, so its initial parameters are "
                         "unknown")
    with jax.enable_x64(fit.dtype == "float64"):
        dtype = jnp.float64 if fit.dtype == "float64" else jnp.float32
        params = fit.network.init(jax.random.key(int(seeds[member])), dtype)
        return [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]


def _flatten(params):
    return np.asarray(flatten_params([(np.asarray(W), np.asarray(b)) for W, b in params]),
                      dtype=np.float64)


def _as_flat(fit, value, member, name):
    """Parameters given as 'init', None (the fitted member), a member index, a Fit or a list."""
    from ..fitted import Fit

    p = len(_flatten(member_params(fit, member)))
    if isinstance(value, str) and value == "init":
        flat = _flatten(initial_params(fit, member))
    elif value is None:
        flat = _flatten(member_params(fit, member))
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        flat = _flatten(member_params(fit, value))
    elif isinstance(value, Fit):
        flat = _flatten(member_params(value, 0))
    elif isinstance(value, np.ndarray) and value.ndim == 1:
        flat = value.astype(np.float64)
    else:
        try:
            flat = _flatten(value)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be 'init', None, a member index, a Fit, a list of (W, b) "
                            f"or a flat array, got {type(value).__name__}") from None
    if flat.shape != (p,):
        raise ValueError(f"{name} has {flat.size} parameters but the network has {p}")
    return flat


def _evaluator(fit, X, y, member, sample_weight):
    """A function of an (m, p) array of flat parameter vectors -> (m,) objective values."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        obj = flat_objective(fit, X, y, member=member, sample_weight=sample_weight)
    values = compiled("values", obj.key)

    def evaluate(thetas):
        with jax.enable_x64(True):
            return np.asarray(values(jnp.asarray(np.atleast_2d(thetas), jnp.float64), *obj.args))

    return evaluate


def interpolate(fit, X, y, start="init", end=None, *, member=0, n_points=51, extend=0.0,
                sample_weight=None):
    """The training objective along the line from ``start`` to ``end``.

    Parameters
    ----------
    fit : Fit
    X : array-like of shape (n, n_inputs)
    y : array-like of shape (n,) or (n, n_outputs)
    start, end : 'init', None, int, Fit, list of (W, b) or ndarray of shape (p,)
        ``'init'``: the member's initial parameters; ``None``: its fitted parameters; an int:
        another member's fitted parameters; a Fit: its first member's.
    member : int
        Whose objective (penalties) and whose ``'init'``/``None``.
    n_points : int
    extend : float
        Also go ``extend`` beyond each end: ``alpha`` runs from ``-extend`` to ``1 + extend``.
    sample_weight : array-like of shape (n,), optional

    Returns
    -------
    pandas.DataFrame
        Columns ``alpha`` and ``loss``, ``n_points`` rows; ``alpha = 0`` is ``start``.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(0, 1, 50)[:, None]; y = X[:, 0] ** (1 / 3)
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, y, epochs=20)
    >>> line = nnfit.diagnose.interpolate(fit, X, y, "init", None, n_points=11)
    >>> line.shape
    (11, 2)
    """
    import pandas as pd

    check_fit(fit, "interpolate")
    member = check_member(fit, member)
    a = _as_flat(fit, start, member, "start")
    b = _as_flat(fit, end, member, "end")
    alphas = np.linspace(-extend, 1.0 + extend, int(n_points))
    thetas = (1.0 - alphas)[:, None] * a[None, :] + alphas[:, None] * b[None, :]
    loss = _evaluator(fit, X, y, member, sample_weight)(thetas)
    return pd.DataFrame({"alpha": alphas, "loss": loss})


def filter_normalized_directions(params, seed=0, *, n=2, biases="zero"):
    """Random directions scaled unit by unit to the parameters (Li et al. 2018).

    Parameters
    ----------
    params : list of (W, b)
        The parameters the directions are scaled to.
    seed : int
        Draws come from ``numpy.random.default_rng(seed)``.
    n : int
        Number of directions.
    biases : {'zero', 'normalize'}
        Bias entries of a direction are 0, or rescaled to ``|b_j|`` (sign from the draw).

    Returns
    -------
    ndarray of shape (n, p)
        Flat directions in the order of :func:`nnfit.diagnose.parameter_names`.
    """
    if biases not in ("zero", "normalize"):
        raise ValueError(f"biases must be 'zero' or 'normalize', got {biases!r}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = []
        for W, b in params:
            W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
            D = rng.standard_normal(W.shape)
            norm = np.sqrt((D ** 2).sum(axis=0))
            D = D * (np.sqrt((W ** 2).sum(axis=0)) / np.where(norm > 0, norm, 1.0))[None, :]
            d = rng.standard_normal(b.shape)
            d = np.zeros_like(b) if biases == "zero" else np.sign(d) * np.abs(b)
            parts += [D.ravel(), d]
        out.append(np.concatenate(parts))
    return np.stack(out)


def loss_surface(fit, X, y, *, member=0, directions="random", path=None, span=1.0, n_points=41,
                 seed=0, biases="zero", sample_weight=None):
    """The training objective on a 2-D slice through the fitted parameters, and a path on it.

    Parameters
    ----------
    fit : Fit
    X : array-like of shape (n, n_inputs)
    y : array-like of shape (n,) or (n, n_outputs)
    member : int
    directions : 'random', 'pca' or array-like of shape (2, p)
        ``random``: filter-normalised random directions (:func:`filter_normalized_directions`);
        ``pca``: the path's two principal directions (needs ``path``), unit-length; or your own.
    path : list of parameter sets, optional
        Snapshots (lists of (W, b) or flat (p,) arrays), e.g. from :func:`training_path`.
    span : float
        The grid runs from ``-span`` to ``span`` along each direction (for ``pca``: ``span``
        times the largest path coordinate, so the path fits).
    n_points : int
        Grid points per direction.
    seed : int
        For the random directions.
    biases : {'zero', 'normalize'}
        For the random directions.
    sample_weight : array-like of shape (n,), optional

    Returns
    -------
    LossSurface
    """
    check_fit(fit, "loss_surface")
    member = check_member(fit, member)
    center = _flatten(member_params(fit, member))
    p = center.size
    snapshots = None if path is None else np.stack([_as_flat(fit, s, member, "path entry")
                                                    for s in path])
    kind = directions if isinstance(directions, str) else "given"
    if isinstance(directions, str) and directions == "random":
        D = filter_normalized_directions(member_params(fit, member), seed, n=2, biases=biases)
    elif isinstance(directions, str) and directions == "pca":
        if snapshots is None or len(snapshots) < 2:
            raise ValueError("directions='pca' needs a path of at least 2 snapshots")
        _, _, Vt = np.linalg.svd(snapshots - center[None, :], full_matrices=False)
        if Vt.shape[0] < 2:
            raise ValueError("the path spans fewer than 2 directions; give more snapshots")
        D = Vt[:2]
    else:
        D = np.asarray(directions, dtype=np.float64)
        if D.shape != (2, p):
            raise ValueError(f"directions must be 'random', 'pca' or an array of shape (2, {p}), "
                             f"got shape {D.shape}")
    if not np.all(np.linalg.norm(D, axis=1) > 0):
        raise ValueError("a direction is zero (all-zero weights?); give directions explicitly")
    coords = offplane = path_loss = None
    evaluate = _evaluator(fit, X, y, member, sample_weight)
    if snapshots is not None:
        coords, *_ = np.linalg.lstsq(D.T, (snapshots - center[None, :]).T, rcond=None)
        coords = coords.T
        offplane = np.linalg.norm(snapshots - center[None, :] - coords @ D, axis=1)
        path_loss = evaluate(snapshots)
    extent = span
    if isinstance(directions, str) and directions == "pca":
        extent = span * max(float(np.abs(coords).max()), 1e-12)
    alphas = np.linspace(-extent, extent, int(n_points))
    betas = np.linspace(-extent, extent, int(n_points))
    A, B = np.meshgrid(alphas, betas)
    thetas = (center[None, :] + A.ravel()[:, None] * D[0][None, :]
              + B.ravel()[:, None] * D[1][None, :])
    loss = evaluate(thetas).reshape(A.shape)
    return LossSurface(alphas=alphas, betas=betas, loss=loss, center=center,
                       center_loss=float(evaluate(center[None, :])[0]), directions=D,
                       path_coords=coords, path_loss=path_loss, path_offplane=offplane,
                       direction_kind=kind)


def training_path(model, X, y, epochs, *, member=0, **fit_options):
    """Parameter snapshots along one training run, for :func:`loss_surface`'s ``path``.

    Each snapshot is a separate :func:`nnfit.fit` with the same seed and ``epochs=e`` (each
    count compiles its own program); with a constant learning rate (the default schedule) they
    are points of one and the same trajectory, because a run's first ``e`` epochs do not
    depend on how many follow. Epoch 0 is the initial parameters, re-drawn from the seed.

    Parameters
    ----------
    model : MLP
    X, y : training data
    epochs : sequence of int
        Epoch counts, e.g. ``range(0, 201, 20)``; 0 gives the initial parameters.
    member : int
        Which member's parameters when ``fit_options`` asks for several.
    **fit_options
        Passed to :func:`nnfit.fit` (optimizer, learning_rate, seed, batch_size, ...).

    Returns
    -------
    list of list of (W, b)
        One parameter list (float64) per entry of ``epochs``, in that order.
    """
    from ..training import fit as train

    epochs = [int(e) for e in epochs]
    if not epochs or min(epochs) < 0:
        raise ValueError(f"epochs must be a non-empty sequence of counts >= 0, got {epochs!r}")
    if fit_options.get("schedule", "constant") != "constant":
        raise ValueError("training_path needs the constant schedule: other schedules depend on "
                         "the total number of epochs, so shorter runs are not prefixes of longer")
    fits = {e: train(model, X, y, epochs=e, **fit_options) for e in sorted(set(epochs) - {0})}
    if 0 in epochs:  # the start depends on the seed alone: any of the runs knows it
        any_fit = next(iter(fits.values()), None) or train(model, X, y, epochs=1, **fit_options)
        start = initial_params(any_fit, member)
    return [start if e == 0 else member_params(fits[e], member) for e in epochs]
