"""Grids of configurations: key names, validation, expansion, canonical form, ids and groups.

A *configuration* is one network and one set of training options, written with
:func:`nnfit.fit`'s and :class:`nnfit.MLP`'s keyword names and every default filled in, so two
spellings of the same training (``alpha=0.01`` and ``l2=0.01``, a default given or left out)
are one configuration with one id. A *run* is a configuration and a seed.

Grid rules (the same for a dict and for each dict of a list):

- a **list** (or ``range``, 1-D array) holds candidates; the grid is their Cartesian product,
  the last key varying fastest; a list of dicts is the concatenation of their grids;
- a **tuple** is one value: a network's widths ``(16, 16)``, per-layer penalties
  ``(0.01, 0.0)`` or per-layer activations; an int or str is one candidate;
- ``seed`` (or ``random_state``) lists the seeds of each configuration (default: ``seeds=``).

scikit-learn's names map onto nnfit's: ``hidden_layer_sizes`` -> ``hidden``, ``alpha`` -> ``l2``,
``learning_rate_init`` -> ``learning_rate``, ``max_iter`` -> ``epochs``, ``solver`` ->
``optimizer``, ``random_state`` -> ``seed``. ``alpha`` is taken as a plain Keras-style L2
strength (``alpha * sum(W ** 2)`` added to each batch's mean loss), *not* with
scikit-learn's scaling (which equals ``l2 = alpha / batch_size``).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import numbers

import numpy as np

from .._checks import check_number
from ..errors import InvalidOptionError
from ..options import schedule_hint
from ..optim import KEYWORDS as OPTIMIZER_KEYWORDS
from ..options import (GRID, MAX_SEED, FitOptions, _from_json, _plain, check_option, defaults,
                       flag, option_fields, option_names)

ALIASES = {
    "hidden_layer_sizes": "hidden", "alpha": "l2", "learning_rate_init": "learning_rate",
    "max_iter": "epochs", "solver": "optimizer", "random_state": "seed",
}
MODEL_KEYS = ("hidden", "activation", "output", "normalize", "init", "bias_init", "init_scale")
# nnfit.fit's options that a grid may set: read from the one schema (nnfit.options)
FIT_KEYS = tuple(k for k in option_names(GRID) if k != "seed")
# per-member in one vectorised nnfit.fit call; everything else must agree within a group
MEMBER_KEYS = ("learning_rate", "l1", "l2")
KEYS = MODEL_KEYS + FIT_KEYS
# what a grid cannot set: the data, the split and the run machinery
NOT_GRID_KEYS = {
    "X": "the data are run()'s arguments", "y": "the data are run()'s arguments",
    "validation_data": "give run(X_val=..., y_val=...)",
    "validation_fraction": "give run(validation_split=...) (Keras' rule: the last rows)",
    "sample_weight": "not supported in sweeps", "init_params": "not supported in sweeps",
    "callback": "give run(callback=...)",
    **{name: spec.elsewhere for name, spec in option_fields().items() if GRID not in spec.where},
}
NOT_GRID_KEYS["verbose"] = "give run(verbose=...)"


def _defaults(validators):
    """nnfit.fit's and MLP's own defaults, in canonical form (from the options and MLP)."""
    import dataclasses

    from ..mlp import MLP

    values = {k: v for k, v in defaults().items() if k in FIT_KEYS}
    values.update({f.name: f.default for f in dataclasses.fields(MLP) if f.name in MODEL_KEYS})
    values = {k: validators[k](k, v) for k, v in values.items() if k != "hidden"}
    values["hidden"] = None  # given by the grid or base: there is no sensible default
    return {k: values[k] for k in KEYS}


def canonical_key(key, where="grid"):
    """nnfit's name for a grid key (scikit-learn names accepted); errors name unknown keys."""
    if not isinstance(key, str):
        raise InvalidOptionError(f"{where} keys must be strings, got {key!r}")
    name = ALIASES.get(key, key)
    if name in KEYS or name == "seed":
        return name
    if key in NOT_GRID_KEYS:
        what = "cannot be swept" if where == "grid" else "is not one a sweep takes"
        raise InvalidOptionError(f"{where} key {key!r} {what}: {NOT_GRID_KEYS[key]}")
    known = sorted(set(KEYS) | set(ALIASES) | {"seed"})
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InvalidOptionError(f"unknown {where} key {key!r}{hint or '.'} Known keys: "
                             f"{', '.join(known)}")


# ------------------------------------------------------------------------------ values
def _label(key):
    """How error messages name a key: ``grid key 'l2'``, ``base key 'l2'`` or ``seeds``."""
    if key == "seeds":
        return "seeds"
    if key.startswith("base:"):
        return f"base key {key[5:]!r}"
    return f"grid key {key!r}"


_py = _plain  # NumPy scalars as Python numbers, so checks and JSON see plain types


def _number(key, value, **bounds):
    return float(check_number(f"{_label(key)}", _py(value), **bounds))


def _integer(key, value, **bounds):
    return int(check_number(f"{_label(key)}", _py(value), integer=True, **bounds))


def _flag(key, value):
    return flag(_label(key), value)


def _choice(key, value, allowed):
    value = _py(value)
    if not isinstance(value, str):
        raise InvalidOptionError(f"{_label(key)} must be a string, one of {', '.join(sorted(allowed))}; "
                        f"got {value!r} of type {type(value).__name__}")
    if value not in allowed:
        raise InvalidOptionError(f"{_label(key)}: unknown value {value!r}; choose one of "
                         f"{', '.join(sorted(allowed))}")
    return value


def _hidden(key, value):
    value = _py(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise InvalidOptionError(f"{_label(key)} must be a tuple of layer widths like (16, 16) (or one "
                        f"int), got {value!r} of type {type(value).__name__}")
    return [_integer(key, w, low=1) for w in value]


def _activation(key, value):
    from ..mlp import ACTIVATIONS, ALIASES as ACT_ALIASES

    allowed = set(ACTIVATIONS) | {k for k in ACT_ALIASES if k}
    if isinstance(value, (tuple, list)):
        return [ACT_ALIASES.get(_choice(key, v, allowed), v) for v in value]
    name = _choice(key, value, allowed)
    return ACT_ALIASES.get(name, name)


def _penalty(key, value):
    if isinstance(value, (tuple, list)):
        values = [_number(key, v, low=0) for v in value]
        if not values:
            raise InvalidOptionError(f"{_label(key)} has an empty tuple; give a number or one per layer")
        return values
    return _number(key, value, low=0)


def _learning_rate(key, value):
    if isinstance(_py(value), str):
        raise InvalidOptionError(f"{_label(key)} is the step size, a number; got {value!r}"
                                 + schedule_hint(value))
    if callable(value):
        raise InvalidOptionError(f"{_label(key)} must be a number; an optax schedule cannot be part "
                        "of a sweep's canonical configuration, use schedule='cosine' etc.")
    return _number(key, value, low=0, low_open=True)


def _optional(check):
    return lambda key, value: None if value is None else check(key, value)


def _fit_option(key, value):
    """A training option checked by the schema, in JSON form (lists, an optimizer's dict)."""
    value = check_option(_canonical(key), _py(value), label=_label(key))
    return _json_value(value)


def _json_value(value):
    from ..optim import Optimizer, optimizer_from

    if isinstance(value, Optimizer):  # the shorthand string when it says everything
        return value.label if value == optimizer_from(value.label) else value.to_dict()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def _canonical(key):
    name = key[5:] if key.startswith("base:") else key
    return ALIASES.get(name, name)


def _validators():
    from ..mlp import INITIALIZERS, OUTPUTS

    checks = {name: _fit_option for name in FIT_KEYS}
    checks.update({
        "hidden": _hidden,
        "activation": _activation,
        "output": lambda k, v: _choice(k, v, set(OUTPUTS)),
        "normalize": _flag,
        "init": lambda k, v: _choice(k, v, set(INITIALIZERS)),
        "bias_init": lambda k, v: _choice(k, v, set(INITIALIZERS)),
        "init_scale": lambda k, v: _number(k, v, low=0, low_open=True),
        "learning_rate": _learning_rate,
        "l1": _penalty,
        "l2": _penalty,
        "seed": lambda k, v: _integer(k, v, low=0, high=MAX_SEED),
    })
    return checks


def _candidates(key, value, tuples=False):
    """The candidates a grid entry lists: a list/range/array is many, anything else one.

    ``tuples``: a tuple lists candidates too (seeds, where a tuple has no other meaning).
    """
    if tuples and isinstance(value, tuple):
        value = list(value)
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise InvalidOptionError(f"{_label(key)}: an array of candidates must be 1-D, "
                             f"got shape {value.shape}")
        value = value.tolist()
    if isinstance(value, (list, range)):
        values = list(value)
        if not values:
            raise InvalidOptionError(f"{_label(key)} has no values; give at least one candidate")
        return values
    if isinstance(value, (set, frozenset, dict)):
        raise InvalidOptionError(f"{_label(key)}: give candidates as a list, not a "
                        f"{type(value).__name__}")
    return [value]


# ------------------------------------------------------------------------------ expansion
class Configuration(dict):
    """A canonical configuration: every key of :data:`KEYS`, JSON-ready values."""

    @property
    def id(self):
        """A stable 12-hex-digit id: the hash of the canonical JSON."""
        return config_id(self)

    @property
    def group(self):
        """Configurations with the same group id train together in one vectorised program."""
        return group_id(self)


def canonical_json(config):
    """The configuration as compact JSON with sorted keys: the same training, the same text."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_id(config):
    return hashlib.sha1(canonical_json(config).encode()).hexdigest()[:12]


def group_id(config):
    rest = {k: v for k, v in config.items() if k not in MEMBER_KEYS}
    return "g" + hashlib.sha1(canonical_json(rest).encode()).hexdigest()[:11]


def n_layers(config):
    """Dense layers of a configuration (hidden layers plus the output)."""
    return len(config["hidden"]) + 1


def check_config(config, named):
    """Cross-key checks, then the canonical form: per-layer values that agree become one.

    A full configuration must build an MLP and give one penalty per dense layer. ``named`` maps
    nnfit's key to the key the user wrote, so errors name the user's spelling. Returns the
    configuration with ``l2=(0.1, 0.1)`` written ``0.1`` and ``activation=('relu', 'relu')``
    written ``'relu'``, so one training has one id.
    """
    from ..mlp import MLP

    if config["hidden"] is None:
        raise InvalidOptionError("no network given: put 'hidden' (or 'hidden_layer_sizes') in the grid "
                         "or in base, e.g. {'hidden': [(8,), (16, 16)]}")
    layers = n_layers(config)
    for key in ("l1", "l2"):
        value = config[key]
        if isinstance(value, list) and len(value) != layers:
            raise InvalidOptionError(f"grid key {named.get(key, key)!r} has {len(value)} values {value} but "
                             f"the network {tuple(config['hidden'])} has {layers} dense layers; "
                             "give one number, or one per layer")
    act = config["activation"]
    if isinstance(act, list) and len(act) != len(config["hidden"]):
        raise InvalidOptionError(f"grid key {named.get('activation', 'activation')!r} has {len(act)} "
                         f"entries but the network {tuple(config['hidden'])} has "
                         f"{len(config['hidden'])} hidden layers")
    MLP(**model_options(config))
    try:  # the options' own cross-checks (an lbfgs test on adam, momentum on adam...)
        options = FitOptions(**{k: _from_json(config[k]) for k in FIT_KEYS})
    except InvalidOptionError as err:
        given = ", ".join(f"{named[k]}={config[k]!r}" for k in named if k in config)
        raise InvalidOptionError(f"the configuration {given}: {err}") from None
    # one training, one spelling: momentum/beta_1/... are folded into the optimizer, so
    # optimizer="momentum" and the same with momentum=0.9 are one configuration
    config["optimizer"] = _json_value(options.optimizer)
    config.update({k: None for k in OPTIMIZER_KEYWORDS})
    for key in ("l1", "l2", "activation"):
        value = config[key]
        if isinstance(value, list) and len(value) > 0 and len(set(value)) == 1:
            config[key] = value[0]
    return config


def model_options(config):
    """The :class:`nnfit.MLP` keywords of a configuration."""
    out = {k: config[k] for k in MODEL_KEYS}
    out["hidden"] = tuple(out["hidden"])
    if isinstance(out["activation"], list):
        out["activation"] = tuple(out["activation"])
    return out


def fit_options(config):
    """The :func:`nnfit.fit` keywords of a configuration, member keys excluded."""
    return {k: config[k] for k in FIT_KEYS if k not in MEMBER_KEYS}


def _normalise(entries, where):
    """Canonical names of ``{key: value}``: ``{name: (key, value)}`` and ``{name: key}``."""
    out, named = {}, {}
    for key, value in entries.items():
        name = canonical_key(key, where)
        if name in named:
            raise InvalidOptionError(f"the {where} gives both {named[name]!r} and {key!r}, which are the same "
                             f"option ({name!r}); keep one")
        named[name] = key
        out[name] = (key, value)
    return out, named


def grid_size(grid):
    """Number of configurations a grid (dict or list of dicts) expands to, before checks."""
    grids = [grid] if isinstance(grid, dict) else list(grid)
    total = 0
    for g in grids:
        count = 1
        for key, value in g.items():
            if ALIASES.get(key, key) == "seed":
                continue
            count *= len(_candidates(key, value, ALIASES.get(key, key) == "seed"))
        total += count
    return total


def expand(grid, *, base=None, seeds=(0,), max_configs=1000, confirm=False):
    """Expand a grid into canonical configurations, each with its seeds.

    Parameters
    ----------
    grid : dict or list of dict
        ``{key: candidates}``; see the module docstring for the rules.
    base : dict, optional
        Fixed options under every configuration (the grid overrides them); one value per key.
    seeds : sequence of int
        The seeds of every configuration whose grid lists no ``seed``.
    max_configs : int
        Refuse grids of more configurations (seeds not counted) unless ``confirm``.
    confirm : bool

    Returns
    -------
    list of (Configuration, tuple of int)
        In grid order; a configuration listed twice is kept once (with the union of seeds).

    Examples
    --------
    >>> runs = expand({"hidden": [(2,), (8,)], "alpha": [0.0, 0.01]}, seeds=(0, 1))
    >>> len(runs), runs[1][0]["l2"], runs[1][1]
    (4, 0.01, (0, 1))
    """
    validators = _validators()
    grids = _grid_list(grid)
    seeds = _seed_list("seeds", seeds, validators)
    size = grid_size(grids)
    check_number("max_configs", max_configs, low=1, integer=True)
    if size > max_configs and not confirm:
        raise InvalidOptionError(f"the grid expands to {size:,} configurations, more than "
                         f"max_configs={max_configs:,}; pass confirm=True to train them all, or "
                         "raise max_configs")
    if base is not None and not isinstance(base, dict):
        raise InvalidOptionError(f"base must be a dict of fixed options, got {type(base).__name__}")
    base_values, base_named = _normalise(base or {}, "base")
    if "seed" in base_values:
        raise InvalidOptionError("base key 'seed' (or 'random_state'): give seeds=(...) instead")
    fixed = _defaults(validators)
    for name, (key, value) in base_values.items():
        # one value per key: a list in base is a value (widths, per-layer penalties), as a tuple
        fixed[name] = validators[name](f"base:{key}", value)
    order, merged = [], {}
    for g in grids:
        entries, named = _normalise(g, "grid")
        named = {**base_named, **named}
        lists = []
        for name, (key, value) in entries.items():
            cands = [validators[name](key, c) for c in _candidates(key, value, name == "seed")]
            seen = set()
            for c in cands:
                text = json.dumps(c)
                if text in seen:
                    shown = tuple(c) if isinstance(c, list) else c
                    hint = ("; a list holds candidates, a tuple is one network: write "
                            "[(16, 16)] for one network of two layers" if name == "hidden" else
                            "; list each candidate once")
                    raise InvalidOptionError(f"{_label(key)} lists {shown!r} twice{hint}")
                seen.add(text)
            lists.append((name, cands))
        grid_seeds = dict(lists).pop("seed", None)
        lists = [(n, c) for n, c in lists if n != "seed"]
        for combo in itertools.product(*(c for _, c in lists)):
            config = Configuration(fixed)
            config.update(zip((n for n, _ in lists), combo))
            config = check_config(config, named)
            cid = config.id
            own = tuple(grid_seeds) if grid_seeds is not None else seeds
            if cid in merged:
                merged[cid] = (merged[cid][0], tuple(dict.fromkeys(merged[cid][1] + own)))
            else:
                merged[cid] = (config, own)
                order.append(cid)
    return [merged[cid] for cid in order]


def _grid_list(grid):
    if isinstance(grid, dict):
        grids = [grid]
    elif isinstance(grid, (list, tuple)):
        grids = list(grid)
        if not grids:
            raise InvalidOptionError("the list of grids is empty; give at least one configuration, "
                             "e.g. [{'hidden': (8,)}]")
        for i, g in enumerate(grids):
            if not isinstance(g, dict):
                raise InvalidOptionError(f"grid entry {i} must be a dict of options, got "
                                f"{type(g).__name__} {g!r}")
    else:
        raise InvalidOptionError(f"grid must be a dict of candidate lists or a list of such dicts, got "
                        f"{type(grid).__name__}")
    for i, g in enumerate(grids):
        if not g:
            where = "the grid" if len(grids) == 1 else f"grid entry {i}"
            raise InvalidOptionError(f"{where} is empty; give at least 'hidden', e.g. "
                             "{'hidden': [(8,), (16, 16)]}")
    return grids


def _seed_list(key, seeds, validators):
    values = [validators["seed"](key, s) for s in _candidates(key, seeds, tuples=True)]
    if len(set(values)) != len(values):
        raise InvalidOptionError(f"{key} lists a seed twice: {values}")
    return tuple(values)


def display(config):
    """A configuration's values as table cells: tuples for widths and per-layer values."""
    out = {}
    for key, value in config.items():
        out[key] = tuple(value) if isinstance(value, list) else value
    return out
