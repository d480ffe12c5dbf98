"""Read and edit weights by layer and unit; seed 004's fix of a wiggly fit, as a function.

Layers are numbered from 0 (the first dense layer) to ``n_layers - 1`` (the output layer);
layer ``l`` has weights ``W`` of shape (n_in, n_out) and biases ``b`` of shape (n_out,), and its
unit ``j`` owns column ``W[:, j]`` and ``b[j]`` (incoming) and row ``j`` of the next layer's
weights (outgoing). Every edit returns a **new** :class:`~nnfit.Fit` holding copies of the
arrays, with the edit appended to ``config['edits']``; the input Fit is never modified.
Edits apply to one member or, with ``member=None``, to every member.

Seed 004 tames a 5 x 1024 relu network that wiggles between x = 0.5 and 1: a first-layer unit
``relu(w x + b)`` bends at its *change point* ``x = -b / w``, so the fix scales by 0.1 the
first-layer weights whose change point lies in [0.5, 1] (:func:`scale_change_points`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import check_fit, check_member, copy_fit, stacked_params


@dataclass(frozen=True)
class UnitWeights:
    """The weights of one unit (copies).

    Attributes
    ----------
    layer, unit : int
    incoming : ndarray of shape (n_in,)
        Column ``unit`` of the layer's ``W``.
    bias : float
    outgoing : ndarray of shape (n_next,) or None
        Row ``unit`` of the next layer's ``W``; ``None`` for an output unit.
    """

    layer: int
    unit: int
    incoming: np.ndarray
    bias: float
    outgoing: np.ndarray | None


def _check_layer(fit, layer):
    n_layers = len(fit.network.layer_sizes) - 1
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"layer must be an integer, got {layer!r}")
    if not -n_layers <= layer < n_layers:
        raise ValueError(f"layer {layer} does not exist: the network has {n_layers} dense layers, "
                         f"0..{n_layers - 1} (the last is the output)")
    return int(layer) % n_layers


def _check_unit(fit, layer, unit):
    width = fit.network.layer_sizes[layer + 1]
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise TypeError(f"unit must be an integer, got {unit!r}")
    if not 0 <= unit < width:
        raise ValueError(f"unit {unit} does not exist: layer {layer} has {width} units, "
                         f"0..{width - 1}")
    return int(unit)


def _members(fit, member):
    return list(range(fit.n_members)) if member is None else [check_member(fit, member)]


def _value(name, value, shape):
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def get_weights(fit, layer, *, member=0):
    """One layer's ``(W, b)`` as copies: shapes (n_in, n_out) and (n_out,)."""
    check_fit(fit, "get_weights")
    layer = _check_layer(fit, layer)
    W, b = fit.member_params(check_member(fit, member))[layer]
    return np.array(W), np.array(b)


def get_unit(fit, layer, unit, *, member=0):
    """The incoming weights, bias and outgoing weights of one unit.

    Returns
    -------
    UnitWeights
    """
    check_fit(fit, "get_unit")
    layer = _check_layer(fit, layer)
    unit = _check_unit(fit, layer, unit)
    params = fit.member_params(check_member(fit, member))
    W, b = params[layer]
    outgoing = None if layer == len(params) - 1 else np.array(params[layer + 1][0][unit, :])
    return UnitWeights(layer, unit, np.array(W[:, unit]), float(b[unit]), outgoing)


def set_weights(fit, layer, *, W=None, b=None, member=None):
    """A new Fit with layer ``layer``'s weights and/or biases replaced.

    Parameters
    ----------
    fit : Fit
    layer : int
        0 for the first dense layer, -1 (or n_layers - 1) for the output layer.
    W : array-like of shape (n_in, n_out), optional
    b : array-like of shape (n_out,), optional
    member : int or None
        The member to edit; ``None`` edits every member alike.

    Returns
    -------
    Fit
        A new Fit; ``fit`` is unchanged.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(0, 1, 20)[:, None]
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, X[:, 0], epochs=2)
    >>> zeroed = nnfit.diagnose.set_weights(fit, -1, W=np.zeros((3, 1)), b=[0.5])
    >>> np.allclose(zeroed.predict(X), 0.5)
    True
    """
    check_fit(fit, "set_weights")
    layer = _check_layer(fit, layer)
    n_in, n_out = fit.network.layer_sizes[layer:layer + 2]
    W = None if W is None else _value("W", W, (n_in, n_out))
    b = None if b is None else _value("b", b, (n_out,))
    params = stacked_params(fit)
    for m in _members(fit, member):
        if W is not None:
            params[layer][0][m] = W
        if b is not None:
            params[layer][1][m] = b
    return copy_fit(fit, params, f"set_weights(layer={layer}, member={member})")


def set_unit(fit, layer, unit, *, incoming=None, bias=None, outgoing=None, member=None):
    """A new Fit with one unit's incoming weights, bias and/or outgoing weights replaced.

    Parameters
    ----------
    fit : Fit
    layer, unit : int
    incoming : array-like of shape (n_in,), optional
    bias : float, optional
    outgoing : array-like of shape (n_next,), optional
        Not for output units (they have no outgoing weights).
    member : int or None
        The member to edit; ``None`` edits every member alike.

    Returns
    -------
    Fit
    """
    check_fit(fit, "set_unit")
    layer = _check_layer(fit, layer)
    unit = _check_unit(fit, layer, unit)
    sizes = fit.network.layer_sizes
    last = len(sizes) - 2
    if outgoing is not None and layer == last:
        raise ValueError(f"layer {layer} is the output layer: its units have no outgoing weights")
    incoming = None if incoming is None else _value("incoming", incoming, (sizes[layer],))
    bias = None if bias is None else float(_value("bias", bias, ()))
    outgoing = None if outgoing is None else _value("outgoing", outgoing, (sizes[layer + 2],))
    params = stacked_params(fit)
    for m in _members(fit, member):
        if incoming is not None:
            params[layer][0][m][:, unit] = incoming
        if bias is not None:
            params[layer][1][m][unit] = bias
        if outgoing is not None:
            params[layer + 1][0][m][unit, :] = outgoing
    return copy_fit(fit, params, f"set_unit(layer={layer}, unit={unit}, member={member})")


def change_points(fit, *, layer=0, member=0):
    """Where each unit of ``layer`` switches: ``-b[j] / W[i, j]`` along each of its inputs.

    For the first layer the change points are in the input's own units (a fit with
    ``normalize=True`` has them mapped back through the normalisation); for later layers they
    are in units of the previous layer's activations. A zero weight gives ``inf``.

    Returns
    -------
    ndarray of shape (n_in, n_units)
        ``[i, j]``: the value of input ``i`` (the others at zero, or at their mean when
        normalised) where unit ``j``'s pre-activation crosses zero.
    """
    check_fit(fit, "change_points")
    layer = _check_layer(fit, layer)
    W, b = fit.member_params(check_member(fit, member))[layer]
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        points = np.where(W != 0, -b[None, :] / np.where(W != 0, W, 1.0), np.inf)
    net = fit.network
    if layer == 0 and net.mean is not None:  # z = (x - mean) / std  ->  x = mean + std z
        std = np.maximum(np.sqrt(np.asarray(net.var, dtype=np.float64)), 1e-7)
        points = np.asarray(net.mean, dtype=np.float64)[:, None] + std[:, None] * points
    return points


def scale_change_points(fit, interval=(0.5, 1.0), factor=0.1, *, layer=0, member=None):
    """Seed 004's fix: scale the weights whose change point ``-b/w`` lies in ``interval``.

    Parameters
    ----------
    fit : Fit
    interval : (low, high)
        Closed interval of change points, in the input's units (see :func:`change_points`).
    factor : float
        What the selected weights are multiplied by (the seed uses 0.1).
    layer : int
        The layer whose weights are edited (the seed edits the first, 0).
    member : int or None
        The member to edit; ``None`` edits every member, each by its own change points.

    Returns
    -------
    Fit
        A new Fit; its ``config['edits']`` records how many weights were scaled. The selection
        is ``(low <= change_points(fit, layer=layer, member=m)) & (... <= high)``.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(0, 1.5, 40)[:, None]
    >>> y = np.sin(4 * X[:, 0])
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(64,), activation="relu"), X, y, epochs=5)
    >>> fixed = nnfit.diagnose.scale_change_points(fit, (0.5, 1.0), 0.1)
    >>> fixed.predict(X).shape
    (40,)
    """
    check_fit(fit, "scale_change_points")
    layer = _check_layer(fit, layer)
    low, high = (float(v) for v in interval)
    if not low <= high:
        raise ValueError(f"interval must be (low, high) with low <= high, got {interval!r}")
    if not np.isfinite(factor):
        raise ValueError(f"factor must be finite, got {factor!r}")
    params = stacked_params(fit)
    count = 0
    for m in _members(fit, member):
        points = change_points(fit, layer=layer, member=m)
        chosen = (points >= low) & (points <= high)
        params[layer][0][m][chosen] *= factor
        count += int(chosen.sum())
    note = (f"scale_change_points(interval=({low}, {high}), factor={factor}, layer={layer}, "
            f"member={member}): {count} weights scaled")
    return copy_fit(fit, params, note)
