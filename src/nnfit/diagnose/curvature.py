"""Curvature of the training objective at the fitted parameters: gradient, Hessian, spectrum.

Seed 002 asks whether a 1-3-1 tanh network has "more parameters than are required": at its
least-squares solution the gradient is near zero and the Hessian has eigenvalues near zero, so
some combinations of parameters can change without changing the fit. :func:`curvature` answers
that with the eigenvalues, the condition number, the near-zero eigenvalues and the parameter
directions (eigenvectors) they belong to.

The objective is the training loss of the Fit (its ``loss`` plus its L1/L2 weight penalties) on
the ``X``, ``y`` you give, as a function of the flat parameter vector (``W0`` row-major, ``b0``,
``W1``, ``b1``, ...; :func:`parameter_names` spells it out), computed with JAX in float64 whatever
the Fit's training dtype. Up to ``MAX_DENSE`` parameters the Hessian is formed densely (one
jitted Hessian-vector product per column, in blocks of 256 columns beyond 1024 parameters to
bound the memory) and fully diagonalised; above
it, forming it would cost ``8 p**2`` bytes and ``p`` backward passes, so :func:`curvature` warns
and returns only the extreme eigenpairs from Lanczos iterations
(:func:`scipy.sparse.linalg.eigsh`) on Hessian-vector products.

L1 penalties make the objective non-differentiable where a weight is exactly zero; JAX's
derivative of ``|w|`` there is 0, and the Hessian counts only the smooth part.

To see the objective training minimised, pass the rows it trained on: without the rows a
``validation_split`` held out, and with the ``sample_weight`` it used (samples weigh equally
unless you pass weights; the Fit's own are not reused because ``X`` may be other data).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import check_number
from ._common import check_fit, compiled, flat_objective, parameter_names

MAX_DENSE = 3000
"""Largest number of parameters for which the dense Hessian is formed (72 MB in float64)."""


@dataclass(frozen=True)
class Curvature:
    """Gradient and Hessian spectrum of the training objective at one member's parameters.

    ``p`` is the number of parameters, ``m`` the number of eigenpairs computed (``p`` when
    ``method == 'dense'``, ``2 k`` for Lanczos), ``z`` the number of near-zero eigenvalues.

    Attributes
    ----------
    method : {'dense', 'lanczos'}
    loss : float
        The objective at the fitted parameters.
    gradient : ndarray of shape (p,)
    gradient_norm : float
        Euclidean norm of ``gradient``.
    eigenvalues : ndarray of shape (m,)
        Ascending. For Lanczos, the ``k`` smallest followed by the ``k`` largest.
    eigenvectors : ndarray of shape (p, m)
        Unit columns, ``eigenvectors[:, i]`` belongs to ``eigenvalues[i]``.
    hessian : ndarray of shape (p, p) or None
        The symmetrised dense Hessian; ``None`` for Lanczos.
    condition_number : float
        ``max |lambda| / min |lambda|`` (``inf`` when an eigenvalue is exactly 0). For Lanczos it
        is exact when the Hessian is positive semi-definite and ``nan`` when the smallest
        computed eigenvalue is negative (the smallest ``|lambda|`` then lies inside the
        spectrum, which Lanczos at the ends does not reach).
    threshold : float
        ``rtol * max |lambda|``: eigenvalues with ``|lambda| <= threshold`` count as near zero.
    near_zero : ndarray of int, shape (z,)
        Indices into ``eigenvalues`` of the near-zero ones.
    null_directions : ndarray of shape (p, z)
        Their eigenvectors: parameter combinations the data barely determine.
    parameter_names : tuple of str, length p
        ``W0[i,j]``, ``b0[j]``, ... in the order of the flat vector.
    note : str
        How the spectrum was obtained, and any caveat.
    """

    method: str
    loss: float
    gradient: np.ndarray
    gradient_norm: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    hessian: np.ndarray | None
    condition_number: float
    threshold: float
    near_zero: np.ndarray
    null_directions: np.ndarray
    parameter_names: tuple
    note: str

    @property
    def n_params(self):
        """Number of parameters ``p``."""
        return len(self.gradient)

    @property
    def n_near_zero(self):
        """How many eigenvalues are near zero (among those computed)."""
        return len(self.near_zero)

    def null_space_frame(self):
        """The near-zero directions as a DataFrame: one row per parameter, one column per
        direction (named by its eigenvalue), entries the direction's components."""
        import pandas as pd

        columns = [f"lambda={self.eigenvalues[i]:.3g}" for i in self.near_zero]
        return pd.DataFrame(self.null_directions, index=list(self.parameter_names), columns=columns)


def gradient(fit, X, y, *, member=0, sample_weight=None, loss=None, penalties=True):
    """Gradient of the training objective at one member's fitted parameters.

    Parameters
    ----------
    fit : Fit
    X : array-like of shape (n, n_inputs)
    y : array-like of shape (n,) or (n, n_outputs)
        Regression targets, or class labels as given to :func:`nnfit.fit`.
    member : int
    sample_weight : array-like of shape (n,), optional
    loss : str, optional
        Another data loss than the fit's own (e.g. ``'mse'`` for a fit trained on ``'sse'``).
    penalties : bool
        Include the fit's L1/L2 penalties (the training objective) or not (the data loss alone).

    Returns
    -------
    ndarray of shape (p,)
        In the order of :func:`parameter_names`.
    """
    import jax

    check_fit(fit, "gradient")
    with jax.enable_x64(True):
        obj = flat_objective(fit, X, y, member=member, sample_weight=sample_weight, loss=loss,
                             penalties=penalties)
        return np.asarray(compiled("value_and_grad", obj.key)(obj.theta, *obj.args)[1])


def hessian(fit, X, y, *, member=0, sample_weight=None, loss=None, penalties=True,
            max_params=MAX_DENSE):
    """Dense Hessian of the training objective at one member's fitted parameters.

    Parameters
    ----------
    fit, X, y, member, sample_weight, loss, penalties
        As in :func:`gradient`.
    max_params : int
        Refuse to form a Hessian of more parameters than this.

    Returns
    -------
    ndarray of shape (p, p)
        Symmetric.

    Raises
    ------
    ValueError
        When ``p > max_params``; :func:`curvature` then gives the extreme eigenvalues instead.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0]
    >>> fit = nnfit.fit(nnfit.MLP(hidden=()), X, y, epochs=1)
    >>> H = nnfit.diagnose.hessian(fit, X, y)          # 2 [X 1]^T [X 1] / n for a linear model
    >>> H.shape
    (2, 2)
    """
    import jax

    check_fit(fit, "hessian")
    p = _n_params(fit)
    if p > max_params:
        raise ValueError(f"the network has {p} parameters; a dense Hessian is formed only up to "
                         f"max_params={max_params} ({8 * p * p / 1e9:.1f} GB here). Use "
                         "nnfit.diagnose.curvature(fit, X, y), which gives the extreme "
                         "eigenvalues by Lanczos iterations, or raise max_params")
    with jax.enable_x64(True):
        obj = flat_objective(fit, X, y, member=member, sample_weight=sample_weight, loss=loss,
                             penalties=penalties)
        return _dense_hessian(obj)


def curvature(fit, X, y, *, member=0, sample_weight=None, loss=None, penalties=True,
              method="auto", max_dense=MAX_DENSE, k=6, rtol=1e-6):
    """Gradient, Hessian eigenvalues, condition number and near-zero directions.

    Parameters
    ----------
    fit : Fit
    X : array-like of shape (n, n_inputs)
    y : array-like of shape (n,) or (n, n_outputs)
    member : int
        Which member of an ensemble.
    sample_weight : array-like of shape (n,), optional
    loss, penalties
        As in :func:`gradient`.
    method : {'auto', 'dense', 'lanczos'}
        ``auto``: dense up to ``max_dense`` parameters, else Lanczos with a warning.
    max_dense : int
        The largest dense Hessian ``auto`` forms (``dense`` refuses beyond it).
    k : int
        With Lanczos, how many eigenpairs at each end of the spectrum (``2 k < p``).
    rtol : float
        Eigenvalues with ``|lambda| <= rtol * max |lambda|`` are near zero: directions along
        which the objective curves a million times (by default) less than along the stiffest.

    Returns
    -------
    Curvature

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(0, 1, 50)[:, None]; y = X[:, 0] ** (1 / 3)
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(3,), activation="tanh"), X, y, epochs=5)
    >>> c = nnfit.diagnose.curvature(fit, X, y)
    >>> c.eigenvalues.shape, c.method
    ((10,), 'dense')
    """
    import jax

    check_fit(fit, "curvature")
    if method not in ("auto", "dense", "lanczos"):
        raise ValueError(f"unknown method {method!r}; choose 'auto', 'dense' or 'lanczos'")
    check_number("rtol", rtol, low=0)
    p = _n_params(fit)
    if method == "auto":
        method = "dense" if p <= max_dense else "lanczos"
        if method == "lanczos":
            warnings.warn(f"the network has {p} parameters, more than max_dense={max_dense}: the "
                          f"dense Hessian is not formed; the {k} smallest and {k} largest "
                          "eigenvalues come from Lanczos iterations on Hessian-vector products",
                          UserWarning, stacklevel=2)
    elif method == "dense" and p > max_dense:
        hessian(fit, X, y, max_params=max_dense)  # raises with the explanation
    names = parameter_names(fit.network)
    with jax.enable_x64(True):
        obj = flat_objective(fit, X, y, member=member, sample_weight=sample_weight, loss=loss,
                             penalties=penalties)
        value, grad = compiled("value_and_grad", obj.key)(obj.theta, *obj.args)
        value, grad = float(value), np.asarray(grad)
        if method == "dense":
            H = _dense_hessian(obj)
            values, vectors = np.linalg.eigh(H)
            note = f"dense Hessian of {p} parameters, all eigenvalues"
        else:
            H = None
            values, vectors, note = _lanczos(obj, k)
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    threshold = rtol * scale
    near = np.flatnonzero(np.abs(values) <= threshold)
    smallest = float(np.min(np.abs(values))) if values.size else 0.0
    if method == "lanczos" and values[0] < 0:
        cond = float("nan")
    else:
        cond = float("inf") if smallest == 0 else scale / smallest
    return Curvature(method=method, loss=value, gradient=grad,
                     gradient_norm=float(np.linalg.norm(grad)), eigenvalues=values,
                     eigenvectors=vectors, hessian=H, condition_number=cond, threshold=threshold,
                     near_zero=near, null_directions=vectors[:, near], parameter_names=names,
                     note=note)


def hessian_vector_product(fit, X, y, *, member=0, sample_weight=None, loss=None,
                           penalties=True):
    """A jitted ``v -> H v`` at one member's parameters, for Hessians too large to form.

    Parameters are those of :func:`gradient`.

    Returns
    -------
    callable(v) -> ndarray
        ``v`` and the result have shape (p,) (float64 NumPy arrays).
    """
    import jax
    import jax.numpy as jnp

    check_fit(fit, "hessian_vector_product")
    with jax.enable_x64(True):
        obj = flat_objective(fit, X, y, member=member, sample_weight=sample_weight, loss=loss,
                             penalties=penalties)
    hvp = compiled("hvp", obj.key)

    def product(v):
        with jax.enable_x64(True):
            v = jnp.asarray(np.asarray(v, dtype=np.float64))
            return np.asarray(hvp(obj.theta, v, *obj.args))

    return product


def _n_params(fit):
    sizes = fit.network.layer_sizes
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def _dense_hessian(obj):
    H = np.asarray(compiled("hessian", obj.key)(obj.theta, *obj.args))
    return 0.5 * (H + H.T)


def _lanczos(obj, k):
    """The ``k`` smallest and ``k`` largest eigenpairs of H by Lanczos (ARPACK) on HVPs.

    The smallest come from the largest of ``sigma I - H`` with ``sigma`` the largest eigenvalue:
    shift-invert would need solves with a Hessian that may be singular.
    """
    import jax.numpy as jnp
    from scipy.sparse.linalg import LinearOperator, eigsh

    p = obj.theta.shape[0]
    if not (isinstance(k, (int, np.integer)) and 1 <= k and 2 * k < p):
        raise ValueError(f"k must be an integer with 1 <= k and 2 k < {p} (the parameters), "
                         f"got {k!r}")
    hvp = compiled("hvp", obj.key)

    def matvec(v):
        return np.asarray(hvp(obj.theta, jnp.asarray(np.ravel(v), jnp.float64), *obj.args))

    H = LinearOperator((p, p), matvec=matvec, dtype=np.float64)
    v0 = np.ones(p) / np.sqrt(p)  # a fixed start keeps the result reproducible
    top, top_vecs = eigsh(H, k=k, which="LA", v0=v0)
    sigma = float(np.max(top))
    shifted = LinearOperator((p, p), matvec=lambda v: sigma * np.ravel(v) - matvec(v),
                             dtype=np.float64)
    low, low_vecs = eigsh(shifted, k=k, which="LA", v0=v0)
    values = np.concatenate([sigma - low, top])
    vectors = np.concatenate([low_vecs, top_vecs], axis=1)
    order = np.argsort(values)
    note = (f"Lanczos on Hessian-vector products of {p} parameters: the {k} smallest and {k} "
            "largest eigenvalues only")
    return values[order], vectors[:, order], note
