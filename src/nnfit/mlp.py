"""Multi-layer perceptrons as plain functions of a parameter list.

An :class:`MLP` is a *specification* (widths, activations, output, initialiser); it holds no
numbers. :meth:`MLP.build` fixes the input and output sizes and, when ``normalize=True``, the
input mean and variance learned from the training data; the result, a :class:`Network`, turns a
key into parameters and parameters plus inputs into outputs:

    params = net.init(key)             # [(W0, b0), (W1, b1), ...], W: (n_in, n_out), b: (n_out,)
    out = net.apply(params, X)         # X: (n, n_inputs) -> (n, n_outputs)

``apply`` is pure, so ``jax.jit``, ``jax.grad`` and ``jax.vmap`` compose with it freely. The
normalisation statistics are not parameters: they are fixed at build time and never trained,
exactly like Keras' ``Normalization`` layer after ``adapt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import INT32_MAX, check_choice, check_number
from .errors import InvalidOptionError

ACTIVATIONS = {
    "linear": lambda z: z,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "elu": jax.nn.elu,
    # exact, 0.5 z (1 + erf(z / sqrt 2)), as Keras' default; jax.nn.gelu's own default is the
    # tanh approximation, kept under its own name
    "gelu": lambda z: jax.nn.gelu(z, approximate=False),
    "gelu_tanh": lambda z: jax.nn.gelu(z, approximate=True),
    "softplus": jax.nn.softplus,
    "sin": jnp.sin,
    "silu": jax.nn.silu,
    "leaky_relu": jax.nn.leaky_relu,
}
# scikit-learn's and Keras' names for the same functions
ALIASES = {"identity": "linear", "logistic": "sigmoid", "swish": "silu", None: "linear"}
OUTPUTS = ("linear", "sigmoid", "softmax", "exp")
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "normal", "uniform",
    "zeros",
)


def canonical_activation(name):
    """Return nnfit's name for an activation, accepting scikit-learn's and Keras' aliases."""
    if name is not None and not isinstance(name, str):
        raise InvalidOptionError(f"activation must be a name such as 'relu', got {name!r}")
    name = ALIASES.get(name, name)
    return check_choice("activation", name, set(ACTIVATIONS) | set(k for k in ALIASES if k))


def _initialize(kind, key, shape, fan_in, fan_out, scale, dtype):
    """Draw one weight or bias array; ``scale`` is the std of 'normal' and the bound of 'uniform'."""
    if kind == "zeros":
        return jnp.zeros(shape, dtype)
    if kind == "normal":
        return scale * jax.random.normal(key, shape, dtype)
    if kind == "uniform":
        return jax.random.uniform(key, shape, dtype, -scale, scale)
    # variance-scaling family (Keras' and flax's definitions), with the fans of the weight matrix
    mode, distribution = {
        "glorot_uniform": ("fan_avg", "uniform"),
        "glorot_normal": ("fan_avg", "truncated_normal"),
        "he_uniform": ("fan_in", "uniform"),
        "he_normal": ("fan_in", "truncated_normal"),
        "lecun_normal": ("fan_in", "truncated_normal"),
    }[kind]
    gain = 2.0 if kind.startswith("he") else 1.0
    init = jax.nn.initializers.variance_scaling(gain, mode, distribution, in_axis=0, out_axis=-1)
    if len(shape) == 1:  # a bias drawn like a weight row (rarely wanted, but allowed)
        return init(key, (fan_in, fan_out), dtype)[0]
    return init(key, shape, dtype)


@dataclass(frozen=True)
class MLP:
    """A dense feed-forward network for regression or classification.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers, e.g. ``(5, 5)``; ``()`` is a linear (or logistic) model.
    activation : str or tuple of str
        One activation for every hidden layer, or one per hidden layer: ``linear``, ``sigmoid``,
        ``tanh``, ``relu``, ``elu``, ``gelu``, ``gelu_tanh``, ``softplus``, ``sin``, ``silu``,
        ``leaky_relu`` (``identity`` and ``logistic`` are accepted as in scikit-learn). ``gelu``
        is the exact ``0.5 z (1 + erf(z / sqrt(2)))`` (Keras' default); ``gelu_tanh`` is the
        tanh approximation ``0.5 z (1 + tanh(sqrt(2 / pi) (z + 0.044715 z^3)))``.
    output : {'linear', 'sigmoid', 'softmax', 'exp'}
        The output activation: linear for regression, sigmoid for binary and softmax for
        multi-class classification; exp (a log link, positive predictions) for the Poisson
        regression of counts (``loss='poisson'``).
    normalize : bool
        Standardise the inputs with the mean and variance of the training data (not trained).
    init : str
        Weight initialiser: ``glorot_uniform`` (Keras' default), ``glorot_normal``, ``he_uniform``,
        ``he_normal``, ``lecun_normal``, ``normal`` (std ``init_scale``), ``uniform``
        (bounds ``±init_scale``).
    bias_init : str
        Bias initialiser, from the same list; ``zeros`` as in Keras by default.
    init_scale : float
        The scale of ``normal`` and ``uniform`` initialisers (Keras' RandomNormal uses 0.05).

    Examples
    --------
    >>> import nnfit, jax
    >>> net = nnfit.MLP(hidden=(3,), activation="tanh").build(n_inputs=1, n_outputs=1)
    >>> params = net.init(jax.random.key(0))
    >>> [W.shape for W, b in params]
    [(1, 3), (3, 1)]
    """

    hidden: tuple = (5,)
    activation: str | tuple = "relu"
    output: str = "linear"
    normalize: bool = False
    init: str = "glorot_uniform"
    bias_init: str = "zeros"
    init_scale: float = 0.05

    def __post_init__(self):
        hidden = (self.hidden,) if isinstance(self.hidden, (int, np.integer)) else self.hidden
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (tuple, list, np.ndarray)):
            raise InvalidOptionError(f"hidden must be a tuple of layer widths such as (16, 16), "
                                     f"or () for none; got {hidden!r}")
        hidden = tuple(hidden)
        for width in hidden:
            check_number("hidden layer width", width, low=1, high=INT32_MAX, integer=True)
        object.__setattr__(self, "hidden", tuple(int(w) for w in hidden))
        acts = self.activation
        if not isinstance(acts, (tuple, list)):
            acts = (acts,) * len(hidden)
        acts = tuple(canonical_activation(a) for a in acts)
        if len(acts) != len(hidden):
            raise InvalidOptionError(
                f"activation has {len(acts)} entries but the network has {len(hidden)} hidden "
                f"layer(s) {hidden}; give one activation, or one per hidden layer"
            )
        object.__setattr__(self, "activation", acts)
        check_choice("output", self.output, OUTPUTS)
        check_choice("init", self.init, INITIALIZERS)
        check_choice("bias_init", self.bias_init, INITIALIZERS)
        check_number("init_scale", self.init_scale, low=0, low_open=True)
        if not isinstance(self.normalize, (bool, np.bool_)):
            raise InvalidOptionError(f"normalize must be True or False, got {self.normalize!r}")
        object.__setattr__(self, "normalize", bool(self.normalize))

    def build(self, n_inputs, n_outputs=1, X=None):
        """Fix the sizes (and, with ``normalize``, the input statistics from ``X``).

        Parameters
        ----------
        n_inputs, n_outputs : int
        X : array of shape (n_samples, n_inputs), optional
            Training inputs whose mean and variance normalise every later input; required when
            ``normalize`` is true.

        Returns
        -------
        Network
        """
        check_number("n_inputs", n_inputs, low=1, integer=True)
        check_number("n_outputs", n_outputs, low=1, integer=True)
        mean = var = None
        if self.normalize:
            if X is None:
                raise ValueError("normalize=True needs the training inputs: build(n_in, n_out, X=X)")
            X = np.asarray(X, dtype=np.float64)
            with np.errstate(over="ignore"):  # an infinite variance is the caller's to report
                mean, var = X.mean(axis=0), X.var(axis=0)
        return Network(self, int(n_inputs), int(n_outputs), mean, var, 0 if X is None else len(X))


@dataclass(frozen=True, eq=False)
class Network:
    """An :class:`MLP` with its sizes fixed: the thing that has parameters.

    Attributes
    ----------
    spec : MLP
    n_inputs, n_outputs : int
    mean, var : ndarray of shape (n_inputs,) or None
        Input normalisation statistics (Keras' ``Normalization`` after ``adapt``).
    n_adapted : int
        How many samples the statistics came from (Keras counts it as a weight).
    """

    spec: MLP
    n_inputs: int
    n_outputs: int
    mean: np.ndarray | None = field(default=None, repr=False)
    var: np.ndarray | None = field(default=None, repr=False)
    n_adapted: int = 0

    @property
    def layer_sizes(self):
        """Sizes from input to output, e.g. ``(2, 5, 5, 1)``."""
        return (self.n_inputs, *self.spec.hidden, self.n_outputs)

    @property
    def activations(self):
        """The activation of every dense layer, the output's last."""
        return (*self.spec.activation, self.spec.output)

    def init(self, key, dtype=jnp.float32):
        """Draw parameters from ``key``; each layer gets its own key (seed 004's per-layer seeds).

        Parameters
        ----------
        key : jax PRNG key
        dtype : dtype

        Returns
        -------
        list of (W, b)
            ``W`` of shape (n_in, n_out) and ``b`` of shape (n_out,) for each layer.
        """
        params = []
        sizes = self.layer_sizes
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            # one key per array, folded from the layer index: widening one layer leaves the
            # draws of every other layer unchanged (seed 004 seeds each layer on its own)
            w_key, b_key = jax.random.fold_in(key, 2 * layer), jax.random.fold_in(key, 2 * layer + 1)
            W = _initialize(self.spec.init, w_key, (fan_in, fan_out), fan_in, fan_out,
                            self.spec.init_scale, dtype)
            b = _initialize(self.spec.bias_init, b_key, (fan_out,), fan_in, fan_out,
                            self.spec.init_scale, dtype)
            params.append((W, b))
        return params

    def normalized(self, X):
        """The inputs after normalisation, shape (n, n_inputs); unchanged without it."""
        if self.mean is None:
            return X
        mean = jnp.asarray(self.mean, X.dtype)[None, :]
        # Keras: (x - mean) / max(sqrt(var), epsilon); a constant column (seed 000's x0) maps to 0
        std = jnp.maximum(jnp.sqrt(jnp.asarray(self.var, X.dtype)), 1e-7)[None, :]
        return (X - mean) / std

    def layer_outputs(self, params, X, *, logits=False):
        """The output of every layer: the (normalised) input first, then each dense layer.

        Parameters
        ----------
        params : list of (W, b)
        X : array of shape (n, n_inputs)
        logits : bool
            Leave the output layer's activation off (for numerically stable losses).

        Returns
        -------
        list of arrays, shapes (n, n_inputs), (n, hidden[0]), ..., (n, n_outputs)
        """
        h = self.normalized(X)
        outputs = [h]
        last = len(params) - 1
        for layer, ((W, b), act) in enumerate(zip(params, self.activations)):
            z = h @ W + b[None, :]
            if layer == last:
                h = z if logits else output_activation(act, z)
            else:
                h = ACTIVATIONS[act](z)
            outputs.append(h)
        return outputs

    def apply(self, params, X, *, logits=False):
        """Network output for inputs ``X``: shape (n, n_outputs).

        Pure in ``params`` and ``X``; with ``logits=True`` the output activation is left off.
        """
        return self.layer_outputs(params, X, logits=logits)[-1]

    def parameter_counts(self):
        """Return (total, trainable, non_trainable) as Keras counts them."""
        sizes = self.layer_sizes
        trainable = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        # Keras' Normalization keeps mean, variance and a sample count as weights
        frozen = 2 * self.n_inputs + 1 if self.spec.normalize else 0
        return trainable + frozen, trainable, frozen

    def summary(self):
        """A Keras-like table of layers, output shapes and parameter counts, as a string.

        Examples
        --------
        >>> net = MLP(hidden=(5, 5), activation="linear", normalize=True).build(2, 1, X=[[1, 0], [1, 1]])
        >>> print(net.summary().splitlines()[-3])
        Trainable params: 51
        """
        rows = []
        if self.spec.normalize:
            rows.append(("normalization (Normalization)", f"(None, {self.n_inputs})",
                         2 * self.n_inputs + 1))
        sizes = self.layer_sizes
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            rows.append((f"dense_{i} (Dense, {self.activations[i]})", f"(None, {b})", (a + 1) * b))
        total, trainable, frozen = self.parameter_counts()
        width = max(34, *(len(r[0]) + 2 for r in rows))
        rule = "=" * (width + 30)
        lines = ["Model: \"mlp\"", "_" * (width + 30),
                 f"{'Layer (type)':<{width}}{'Output Shape':<20}{'Param #':>10}", rule]
        lines += [f"{name:<{width}}{shape:<20}{count:>10,}" for name, shape, count in rows]
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {frozen:,}", "_" * (width + 30)]
        return "\n".join(lines)


def flatten_params(params):
    """A parameter list as one vector: W0, b0, W1, b1, ..., each row-major.

    NumPy in, NumPy out; JAX arrays (and tracers) in, a JAX array out.

    Parameters
    ----------
    params : list of (W, b)

    Returns
    -------
    array of shape (n_params,)
    """
    arrays = [a for W, b in params for a in (W, b)]
    xp = jnp if any(isinstance(a, jax.Array) for a in arrays) else np
    return xp.concatenate([xp.ravel(a) for a in arrays])


def unflatten_params(flat, sizes):
    """The inverse of :func:`flatten_params` for a network of ``layer_sizes`` ``sizes``.

    Parameters
    ----------
    flat : array of shape (..., n_params)
        Leading axes (members) are kept: ``W`` comes out (..., n_in, n_out).
    sizes : sequence of int
        ``(n_inputs, *hidden, n_outputs)``.

    Returns
    -------
    list of (W, b)
    """
    params, at, lead = [], 0, flat.shape[:-1]
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = flat[..., at:at + fan_in * fan_out].reshape(lead + (fan_in, fan_out))
        at += fan_in * fan_out
        params.append((W, flat[..., at:at + fan_out]))
        at += fan_out
    return params


def output_activation(name, z):
    """Apply the output activation ``name`` to logits ``z`` of shape (n, n_outputs)."""
    if name == "softmax":
        return jax.nn.softmax(z, axis=-1)
    if name == "sigmoid":
        return jax.nn.sigmoid(z)
    if name == "exp":
        return jnp.exp(z)
    return z
