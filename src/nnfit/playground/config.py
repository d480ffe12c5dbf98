"""What a playground page asks for: one frozen, validated value, the same one the URL holds.

The page keeps its whole state in the URL's fragment (``#data=spiral&hidden=8,8&...``) and sends
it as a dict; :meth:`PlayConfig.from_dict` checks every field once, here, and names the bad
value and the fix in an :class:`~nnfit.errors.InvalidOptionError`, which the page shows. The
training options it builds are the library's own (:class:`nnfit.options.FitOptions`), so their
rules are not repeated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import InvalidOptionError

# the TensorFlow Playground's sets, then the seed documents' problems (nnfit.datasets)
PLAYGROUND_SETS = ("circle", "xor", "gauss", "spiral", "plane", "multi_gaussian")
SEED_SETS = ("linear", "cubic", "sine", "line", "cube_root", "gd_line", "capacity")
SOURCES = PLAYGROUND_SETS + SEED_SETS + ("formula", "upload")
# the Playground's input features of a 2-D set (its x, y, x*y, x^2, y^2, sin, cos)
FEATURES = ("x1", "x2", "x1x2", "x1sq", "x2sq", "sinx1", "sinx2", "cosx1", "cosx2")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "elu", "gelu", "softplus", "sin", "silu",
               "leaky_relu")
OPTIMIZERS = ("sgd", "adam", "momentum", "rmsprop", "adagrad", "gd", "lm")
SCHEDULES = ("constant", "invscaling", "exponential", "cosine")
# bounds on what a link may ask for, so that no estimate overflows; the real limit of a width is
# memory, which the session checks before it builds the network (nnfit's own estimate), and the
# pictures leave out what would not be legible (frames.MAX_THUMBS, frames.MAX_WEIGHTS)
MAX_LAYERS, MAX_WIDTH, MAX_UNITS, MAX_MEMBERS = 12, 50_000, 150_000, 32
# points added or removed by clicks travel in the URL: a link stays shareable (~15 characters
# an edit, some 3 kB at most); beyond, the page says to download the rows and upload them
MAX_POINT_EDITS = 200


def _fail(key, value, fix):
    raise InvalidOptionError(f"{key}={value!r}: {fix}")


@dataclass(frozen=True)
class PlayConfig:
    """Everything that decides what a playground session trains.

    Attributes
    ----------
    data : str
        One of :data:`SOURCES`: a Playground set, a seed problem, ``formula`` or ``upload``.
    noise : float
        The Playground sets' noise, 0 to 0.5 (its slider / 100); the seed problems keep theirs.
    train_pct : int
        Percent of the rows trained on, 10 to 90; the others validate.
    features : tuple of str
        For a 2-D set: which of :data:`FEATURES` are the network's inputs.
    formula : str
        For ``data='formula'``: ``y = sin(3x)`` (a curve) or ``y > x**3 - x`` (a boundary).
    target, picture : str, tuple of str
        For ``data='upload'``: the target column, and the one or two columns pictured (the
        others held at their median).
    hidden, activation : tuple of int, tuple of str
        Width and activation of each hidden layer.
    optimizer, learning_rate, batch_size, schedule, members, normalize, seed
        As :func:`nnfit.fit` takes them (``batch_size=0``: the whole training set).
    l1, l2 : float or tuple of float
        One penalty for every dense layer, or one per dense layer (hidden layers, then the
        output layer; in the URL ``l2=0,0.01,0``).
    horizon : int
        The epochs a ``cosine`` schedule decays over (required by it; 0: none). Training
        stops there, where the rate reaches 0.
    """

    data: str = "circle"
    noise: float = 0.0
    train_pct: int = 50
    features: tuple = ("x1", "x2")
    formula: str = "y = sin(3*x)"
    target: str = ""
    picture: tuple = ()
    hidden: tuple = (4, 2)
    activation: tuple = ("tanh", "tanh")
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    schedule: str = "constant"
    horizon: int = 0
    members: int = 1
    normalize: bool = False
    seed: int = 0
    points: tuple = ()

    @classmethod
    def from_dict(cls, values):
        """A checked config from the page's dict (strings or JSON values); unknown keys refused.

        Examples
        --------
        >>> PlayConfig.from_dict({"data": "spiral", "hidden": "8,8", "activation": "relu"}).hidden
        (8, 8)
        """
        if not isinstance(values, dict):
            raise InvalidOptionError(f"config must be an object of settings, got "
                                     f"{type(values).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            _fail(unknown[0], values[unknown[0]], f"not a setting; the settings are "
                  f"{', '.join(sorted(names))}")
        given = {k: v for k, v in values.items() if v is not None}
        out = {}
        for key, value in given.items():
            out[key] = _PARSERS[key](key, value)
        if "hidden" in out and "activation" not in out:
            out["activation"] = (cls.activation[0],)
        config = cls(**out)
        # one activation for every layer, as a single name in the URL gives it
        acts = config.activation or ("tanh",)
        if len(acts) != len(config.hidden):
            acts = tuple(acts[i] if i < len(acts) else acts[-1] for i in range(len(config.hidden)))
            config = dataclasses.replace(config, activation=acts)
        # per-layer penalties follow the layers as they are added or removed (the output
        # layer's stays last); equal ones collapse to one number, the short URL form
        for key in ("l1", "l2"):
            value = getattr(config, key)
            if isinstance(value, tuple):
                n, hidden = len(config.hidden) + 1, value[:-1]
                if len(value) != n:
                    hidden = tuple(hidden[i] if i < len(hidden) else (hidden[-1] if hidden
                                                                       else value[-1])
                                   for i in range(n - 1))
                    value = hidden + value[-1:]
                if len(set(value)) == 1:
                    value = value[0]
                config = dataclasses.replace(config, **{key: value})
        config._check()
        return config

    def _check(self):
        if sum(self.hidden) > MAX_UNITS:
            _fail("hidden", self.hidden, f"{sum(self.hidden)} hidden units; the playground takes "
                  f"at most {MAX_UNITS} (train bigger networks with nnfit fit)")
        if self.data in PLAYGROUND_SETS[:4] or self.data in ("plane", "multi_gaussian"):
            if not self.features:
                _fail("features", "", f"give at least one input feature of {', '.join(FEATURES)}")
        if self.schedule == "cosine" and self.optimizer != "lm" and not self.horizon:
            _fail("schedule", "cosine", "a cosine schedule decays over a horizon of epochs: "
                  "set horizon (e.g. horizon=1000), or choose another schedule")
        if self.optimizer == "lm" and self.members > 1:
            _fail("members", self.members, "Levenberg-Marquardt trains one member here; use 1")

    def to_dict(self):
        """Plain JSON values, the inverse of :meth:`from_dict`."""
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        out["points"] = points_text(self.points)
        return out

    def same_but_points(self, other):
        """Whether ``other`` differs from ``self`` in its clicked points only."""
        return self.points != other.points and \
            dataclasses.replace(self, points=other.points) == other

    def restarts(self, other):
        """Whether going from ``self`` to ``other`` changes the data or the network's shape."""
        return self != other


def _choice(options):
    def parse(key, value):
        if value not in options:
            _fail(key, value, f"choose one of {', '.join(options)}")
        return value
    return parse


def _number(low, high, kind=float):
    def parse(key, value):
        try:
            number = kind(value)
        except (TypeError, ValueError, OverflowError):
            _fail(key, value, f"give a number from {low} to {high}")
        if isinstance(value, bool) or not low <= number <= high or number != number:
            _fail(key, value, f"give a number from {low} to {high}")
        return number
    return parse


def _names(options=None):
    def parse(key, value):
        items = value.split(",") if isinstance(value, str) else list(value)
        items = tuple(str(v).strip() for v in items if str(v).strip())
        if options is not None:
            for item in items:
                if item not in options:
                    _fail(key, item, f"choose from {', '.join(options)}")
        return items
    return parse


def _hidden(key, value):
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        widths = tuple(int(v) for v in items if str(v).strip() != "")
    except (TypeError, ValueError):
        _fail(key, value, "give layer widths as whole numbers, e.g. 8,8")
    if len(widths) > MAX_LAYERS:
        _fail(key, value, f"{len(widths)} layers; the playground takes at most {MAX_LAYERS}")
    for w in widths:
        if not 1 <= w <= MAX_WIDTH:
            _fail(key, value, f"a layer of {w} units; give widths from 1 to {MAX_WIDTH}")
    return widths


def _penalty(key, value):
    """One number, or one per dense layer (a list, or text with commas)."""
    items = value.split(",") if isinstance(value, str) else (
        list(value) if isinstance(value, (list, tuple)) else [value])
    check = _number(0.0, 10.0)
    numbers = tuple(check(key, v) for v in items if str(v).strip() != "")
    if not numbers or len(numbers) > MAX_LAYERS + 1:
        _fail(key, value, f"give one penalty from 0 to 10, or one per dense layer (at most "
              f"{MAX_LAYERS + 1})")
    return numbers[0] if len(numbers) == 1 else numbers


def _text(limit):
    def parse(key, value):
        if not isinstance(value, str) or len(value) > limit:
            _fail(key, value, f"give text of at most {limit} characters")
        return value
    return parse


def points_text(points):
    """``(('+', (0.5, 1.2)), ('-', (0.1, 0.3)))`` -> ``'+0.5:1.2;-0.1:0.3'`` (the URL's form)."""
    return ";".join(op + ":".join(f"{v:.4g}" for v in values) for op, values in points)


def _points(key, value):
    if isinstance(value, (list, tuple)) and all(isinstance(v, (list, tuple)) for v in value):
        items = [(str(v[0]), v[1]) for v in value]
    elif isinstance(value, str):
        items = [(part[:1], part[1:].split(":")) for part in value.split(";") if part.strip()]
    else:
        _fail(key, value, "give clicked points as +x:y;-x:y")
    if len(items) > MAX_POINT_EDITS:
        _fail(key, f"{len(items)} edits", f"the link keeps at most {MAX_POINT_EDITS} added or "
              "removed points; download the rows (CSV) and upload them to go on editing")
    out = []
    for op, values in items:
        try:
            numbers = tuple(float(v) for v in values)
        except (TypeError, ValueError):
            _fail(key, value, "give clicked points as +x:y;-x:y (numbers)")
        if op not in "+-" or op == "" or not 2 <= len(numbers) <= 3 or \
                not all(abs(v) < 1e9 for v in numbers):
            _fail(key, value, "give clicked points as +x:y (add) or -x:y (remove the nearest), "
                  "finite numbers, separated by ;")
        out.append((op, numbers))
    return tuple(out)


def _flag(key, value):
    if isinstance(value, bool):
        return value
    if value in ("1", "true", "on"):
        return True
    if value in ("0", "false", "off", ""):
        return False
    _fail(key, value, "give true or false")


_PARSERS = {
    "data": _choice(SOURCES),
    "noise": _number(0.0, 0.5),
    "train_pct": _number(10, 90, int),
    "features": _names(FEATURES),
    "formula": _text(200),
    "target": _text(200),
    "picture": _names(),
    "hidden": _hidden,
    "activation": _names(ACTIVATIONS),
    "optimizer": _choice(OPTIMIZERS),
    "learning_rate": _number(1e-6, 10.0),
    "batch_size": _number(0, 100_000, int),
    "l1": _penalty,
    "l2": _penalty,
    "schedule": _choice(SCHEDULES),
    "horizon": _number(0, 10_000_000, int),
    "members": _number(1, MAX_MEMBERS, int),
    "normalize": _flag,
    "seed": _number(0, 2**31 - 1, int),
    "points": _points,
}
