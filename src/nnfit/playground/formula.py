"""Data from a typed formula, parsed without ``eval``: ``y = sin(3x)`` or ``y > x**3 - x``.

Parsing is Python's own :func:`ast.parse` (the standard library's parser: it builds a tree and
runs nothing); the tree is then *walked*, node by node, against a short whitelist (numbers, the
variables ``x``/``x1``/``x2``/``y``, arithmetic, comparisons and a table of NumPy functions) and
computed with NumPy on arrays. Anything else (attributes, subscripts, names outside the table,
lambdas, comprehensions, keyword arguments, strings) is refused with a message, so a formula can
neither reach Python's objects nor run code. Why not a library evaluator: sympy's ``parse_expr``
calls ``eval``; numexpr and asteval are not dependencies of nnfit, and a whitelist over the
standard parser is a few dozen lines that can be read in full. Numbers are floats, so ``9**9**9``
is ``inf`` (then refused), never a huge integer; the text is limited to 200 characters, which
bounds the tree's depth.
"""

from __future__ import annotations

import ast
import re

import numpy as np

from ..errors import InvalidOptionError

MAX_LENGTH = 200
FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "arctan": np.arctan, "atan": np.arctan, "sign": np.sign, "floor": np.floor,
    "round": np.round,
}
CONSTANTS = {"pi": np.pi, "e": np.e}
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
           ast.Pow: np.power, ast.Mod: np.mod}
_COMPARE = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less,
            ast.LtE: np.less_equal}
# "3x" and "2(x+1)" as people write them: a number directly before a name or a bracket, and a
# closing bracket before an opening one, multiply (exponents like 1e-3 are part of the number:
# the group is atomic, so the number is not backtracked into "1" times "e")
_IMPLICIT = re.compile(r"((?>\d+\.?\d*(?:[eE][+-]?\d+)?)|\))\s*(?=[A-Za-z_(])")


class FormulaError(InvalidOptionError):
    """A formula that cannot be used; the message names the part and what is allowed."""


def _refuse(text, what):
    raise FormulaError(f"formula {text!r}: {what}; write e.g. 'y = sin(3x)' (a curve) or "
                       f"'y > x**3 - x' (a class boundary), with x, numbers, + - * / ** and "
                       f"{', '.join(sorted(FUNCTIONS))}")


class Formula:
    """A parsed formula: ``kind`` 'curve' (``y = f(x)``), 'surface' (``y = f(x1, x2)``) or
    'boundary' (``y > f(x)``, class 1 above the curve).

    Examples
    --------
    >>> f = Formula("y = 2x + 1")
    >>> f.kind, f.evaluate(x=np.array([0.0, 1.0])).tolist()
    ('curve', [1.0, 3.0])
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text.strip():
            _refuse(text, "it is empty")
        if len(text) > MAX_LENGTH:
            _refuse(text[:40] + "...", f"it is longer than {MAX_LENGTH} characters")
        self.text = text
        source = _IMPLICIT.sub(r"\1*", text.strip().replace("^", "**"))
        lhs, op, rhs = _split(source)
        if lhs != "y":
            _refuse(text, "it must start with 'y =' (a curve) or 'y >' / 'y <' (a boundary)")
        try:
            self.tree = ast.parse(rhs, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            _refuse(text, "it is not an arithmetic expression")
        self.names = set()
        self._check(self.tree)
        if self.names & {"x1", "x2"} and "x" in self.names:
            _refuse(text, "use x (one input) or x1 and x2 (two), not both")
        if "y" in self.names:
            _refuse(text, "y appears on the right-hand side")
        self.op = op
        if op == "=":
            self.kind = "surface" if self.names & {"x1", "x2"} else "curve"
        else:
            if self.names & {"x1", "x2"}:
                _refuse(text, "a boundary y > f(x) is drawn in the (x, y) plane: use x only")
            self.kind = "boundary"

    def _check(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                _refuse(self.text, f"{node.value!r} is not a number")
        elif isinstance(node, ast.Name):
            if node.id in ("x", "x1", "x2", "y"):
                self.names.add(node.id)
            elif node.id not in CONSTANTS:
                _refuse(self.text, f"unknown name {node.id!r}")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left), self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self._check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else "this call"
                _refuse(self.text, f"{what!r} is not one of the functions")
            if node.keywords or len(node.args) != 1:
                _refuse(self.text, f"{node.func.id}() takes one argument")
            self._check(node.args[0])
        else:
            _refuse(self.text, f"{type(node).__name__.lower()} is not allowed")

    def evaluate(self, **variables):
        """The right-hand side on arrays (``x=`` or ``x1=``, ``x2=``), as float64."""
        with np.errstate(all="ignore"):
            value = self._value(self.tree, variables)
        return np.broadcast_to(np.asarray(value, np.float64),
                               np.shape(next(iter(variables.values())))).copy()

    def _value(self, node, env):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[node.id] if node.id in env else CONSTANTS[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._value(node.left, env),
                                          self._value(node.right, env))
        if isinstance(node, ast.UnaryOp):
            value = self._value(node.operand, env)
            return -value if isinstance(node.op, ast.USub) else value
        return FUNCTIONS[node.func.id](self._value(node.args[0], env))  # ast.Call, checked


def _split(source):
    """``'y > x'`` -> ('y', '>', 'x'); the comparison is read here, not by the evaluator."""
    match = re.match(r"^\s*([A-Za-z_]\w*)\s*(>=|<=|==|=|>|<)\s*(.*)$", source, re.S)
    if match is None:
        return None, None, None
    lhs, op, rhs = match.groups()
    return lhs, {"==": "=", ">=": ">", "<=": "<"}.get(op, op), rhs


def sample(text, *, n_samples=300, noise=0.0, seed=0):
    """Rows drawn from a formula: (X, y, task, feature names).

    A curve draws x ~ U(-3, 3) and y = f(x) + noise * sd(f) * N(0, 1); a surface draws (x1, x2)
    on [-3, 3]^2; a boundary draws (x, y) on [-3, 3]^2 and labels 1 where y > f(x) (or < for
    'y < ...'), flipping each label with probability ``noise``.
    """
    formula = Formula(text)
    rng = np.random.default_rng(seed)
    if formula.kind == "curve":
        x = rng.uniform(-3, 3, n_samples)
        y = formula.evaluate(x=x)
        X, names, task = x[:, None], ("x",), "regression"
    else:
        X = rng.uniform(-3, 3, (n_samples, 2))
        if formula.kind == "surface":
            y = formula.evaluate(x1=X[:, 0], x2=X[:, 1])
            names, task = ("x1", "x2"), "regression"
        else:
            f = formula.evaluate(x=X[:, 0])
            y = (X[:, 1] > f) if formula.op == ">" else (X[:, 1] < f)
            names, task = ("x", "y"), "classification"
    if not np.all(np.isfinite(y)):
        _refuse(text, "it is not finite everywhere on [-3, 3] (a division by 0, a log of a "
                      "negative number, an overflow)")
    if task == "regression":
        y = y + noise * (np.std(y) or 1.0) * rng.normal(size=y.shape)
    else:
        flip = rng.random(y.shape) < noise
        y = np.where(flip, ~y, y).astype(np.int64)
    return X, y, task, names
