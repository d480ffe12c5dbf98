"""One picture of a training session: what a WebSocket frame carries to the page.

A frame is computed from the session's current :class:`~nnfit.Fit` on a fixed grid over the
picture's plane: the output (a curve over 1 input, a heat map over 2), every hidden unit's
output (the thumbnails), the last hidden layer's contributions ``W[j] * h_j`` (curves for 1
input, maps for 2), the weights (the links) and the members' spread. The forward pass is NumPy
on the host: on a grid of a few thousand points it costs well under a millisecond per layer,
where a JAX call would cost its dispatch and, for every new shape, a compilation; the picture's
grid and the thumbnails' go through the network together, in one pass. Grids are bytes (0..255
over a stated range, uint8 arrays that travel as raw bytes, :mod:`.wire`), so that a frame of a
6 x 8 network is some 20 kB, not a megabyte of JSON."""

from __future__ import annotations

import numpy as np

GRID_2D = 48  # points per side of the output's heat map
THUMB_2D = 16  # of a unit's thumbnail
GRID_1D = 160
THUMB_1D = 48
MAX_THUMBS = 400  # units beyond these are not pictured (their layer is said to be too wide)
MAX_CONTRIB_MAPS = 64  # last-layer units beyond these get no contribution maps (too small to read)
MAX_WEIGHTS = 5000  # parameters beyond these are not sent (the links would be a blur)

_NP = {
    "linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "sin": np.sin, "softplus": lambda z: np.logaddexp(0.0, z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "silu": lambda z: z * 0.5 * (1.0 + np.tanh(0.5 * z)),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
}


def _activation(name):
    if name in _NP:
        return _NP[name]
    from ..mlp import ACTIVATIONS  # the rest (gelu...) through JAX, exactly as trained

    return lambda z: np.asarray(ACTIVATIONS[name](z))


def _output(name, z):
    if name == "sigmoid":
        return _NP["sigmoid"](z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "exp":
        return np.exp(z)
    return z


def forward(network, params, X):
    """Every layer's output over ``X`` (n, n_inputs), the activated output last."""
    h = np.asarray(X, np.float64)
    if network.mean is not None:
        h = (h - network.mean) / np.maximum(np.sqrt(network.var), 1e-7)
    outs, last = [], len(params) - 1
    for layer, ((W, b), act) in enumerate(zip(params, network.activations)):
        z = h @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        h = _output(act, z) if layer == last else _activation(act)(z)
        outs.append(h)
    return outs


def member_params(fit, member=0):
    if fit.n_members == 1:
        return [(np.asarray(W), np.asarray(b)) for W, b in fit.params]
    return [(np.asarray(W)[member], np.asarray(b)[member]) for W, b in fit.params]


def to_bytes(values, low, high):
    """Values as bytes 0..255 over [low, high] (NaN as 0), in the array's shape."""
    scaled = np.nan_to_num((np.asarray(values, np.float64) - low) / ((high - low) or 1.0))
    return np.clip(np.round(scaled * 255), 0, 255).astype(np.uint8)


class Grid:
    """The picture's points and the network rows they stand for (built once per problem)."""

    def __init__(self, problem, fit):
        self.dims = problem.coords.shape[1]
        bounds = problem.bounds
        if self.dims == 1:
            self.axis = np.linspace(*bounds[0], GRID_1D)
            self.points = self.axis[:, None]
            self.thumbs = np.linspace(*bounds[0], THUMB_1D)[:, None]
        else:
            self.points = _plane(bounds, GRID_2D)
            self.thumbs = _plane(bounds, THUMB_2D)
        self.inputs = self._inputs(problem, fit, self.points)
        self.thumb_inputs = self._inputs(problem, fit, self.thumbs)
        # one forward pass a frame: the picture's rows, then the thumbnails'
        self.all_inputs = np.concatenate([self.inputs, self.thumb_inputs])

    @staticmethod
    def _inputs(problem, fit, points):
        rows = problem.grid_inputs(points)
        return fit.inputs(rows, warn=False) if problem.is_table else np.asarray(rows, np.float64)


def _plane(bounds, n):
    """n x n points, row by row from the top (high x2) as a picture is drawn."""
    xs = np.linspace(*bounds[0], n)
    ys = np.linspace(*bounds[1], n)[::-1]
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _scalar_output(fit, out):
    """The one number a picture shows: the prediction, or class 1's probability."""
    if out.shape[1] == 1:
        return out[:, 0]
    return 1.0 - out[:, 0] if out.shape[1] == 2 else out.argmax(axis=1).astype(np.float64)


def build_frame(fit, grid, problem):
    """The picture of ``fit``: a dict of JSON values and uint8 arrays (the pictures), which
    :func:`nnfit.playground.wire.encode` sends."""
    params = member_params(fit)
    n = len(grid.inputs)
    every = forward(fit.network, params, grid.all_inputs)
    outs = [h[:n] for h in every]
    output = _scalar_output(fit, outs[-1])
    frame = {"dims": grid.dims}
    if fit.task == "classification":
        low, high = (0.0, 1.0) if fit.network.n_outputs <= 2 else (0.0, len(problem.classes) - 1.0)
    else:
        values = problem.values
        low, high = float(np.min(values)), float(np.max(values))
        if high <= low:
            low, high = low - 1.0, high + 1.0
    frame["range"] = [low, high]
    if grid.dims == 1:
        frame["curve"] = np.round(output, 6).tolist()
        if fit.n_members > 1:
            preds = np.stack([_scalar_output(fit, forward(fit.network, member_params(fit, m),
                                                          grid.inputs)[-1])
                              for m in range(fit.n_members)])
            frame["band"] = [np.round(preds.mean(0) - preds.std(0), 6).tolist(),
                             np.round(preds.mean(0) + preds.std(0), 6).tolist()]
            frame["curve"] = np.round(preds.mean(0), 6).tolist()
    else:
        frame["heat"] = to_bytes(output, low, high)
    frame["units"] = _units(params, grid, [h[n:] for h in every[:-1]])
    if grid.dims == 1 and len(params) > 1:
        hidden = outs[-2]
        W = params[-1][0][:, 0]
        frame["contrib"] = np.round(hidden * W, 5).T.tolist()
        frame["contrib_bias"] = float(params[-1][1][0])
    elif grid.dims == 2 and len(params) > 1 and params[-1][0].shape[0] <= MAX_CONTRIB_MAPS:
        frame.update(_contribution_maps(params, every[-2][n:]))
    if sum(W.size for W, _ in params) <= MAX_WEIGHTS:
        frame["weights"] = [np.round(W, 4).tolist() for W, _ in params]
        frame["biases"] = [np.round(b, 4).tolist() for _, b in params]
    return frame


def _contribution_maps(params, hidden):
    """Seed 004's picture over a plane: each last-layer unit's contribution ``W[j] * h_j`` to
    the pictured output (the prediction, or class 1's log-odds against class 0), one map a
    unit on a common scale, in the heat map's colours (its low end: a push down).

    ``hidden``: the last hidden layer's outputs over the thumbnails' rows, (n_pixels, units).
    Returns ``{"contrib_maps": [uint8 (n_pixels,) per unit], "contrib_scale": float}``, or
    nothing when the output is not one number (more than two classes).
    """
    W = params[-1][0]
    if W.shape[1] > 2:
        return {}
    weight = W[:, 0] if W.shape[1] == 1 else W[:, 1] - W[:, 0]
    contrib = hidden * weight
    scale = max(float(np.max(np.abs(contrib))), 1e-6)
    return {"contrib_maps": list(to_bytes(contrib.T, -scale, scale)), "contrib_scale": scale}


def _units(params, grid, hidden):
    """Each hidden unit's output over the thumbnail grid, layer by layer (``hidden``: the
    hidden layers' outputs over the thumbnails' rows)."""
    if len(params) == 1 or sum(W.shape[1] for W, _ in params[:-1]) > MAX_THUMBS:
        return None
    layers = []
    for h in hidden:
        scale = max(float(np.max(np.abs(h))) or 1.0, 1e-6)
        if grid.dims == 1:
            layers.append({"scale": scale, "curves": np.round(h / scale, 4).T.tolist()})
        else:
            rows = to_bytes(h.T, -scale, scale)  # a unit a row: its map's bytes
            layers.append({"scale": scale, "maps": list(rows)})
    return layers
