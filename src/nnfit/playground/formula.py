"""Data from a typed formula, parsed without ``eval``: ``y = sin(3x)`` or ``y > x**3 - x``.

The right-hand side is parsed and computed by simpleeval
(https://github.com/danthedeckie/simpleeval: a maintained, small, widely used safe evaluator;
it parses with :func:`ast.parse`, which runs nothing, and walks the tree through a table of
node handlers). Its table is narrowed here to
what arithmetic needs (numbers, names, ``+ - * / % **``, unary signs, calls of a named
function), its names are the variables ``x``/``x1``/``x2`` and ``pi``/``e``, its functions a
table of NumPy functions of one argument, so a formula computes on whole arrays. Attributes,
subscripts, lambdas, comprehensions, keyword arguments, strings, comparisons and ``import`` are
not in the table and are refused with a message, so a formula can neither reach Python's
objects nor run code. Limits: the text is at most :data:`MAX_LENGTH` characters (which also
bounds the tree's depth), string literals are refused outright (simpleeval's string-length
limit never comes into play) and a power's base and exponent are bounded by :data:`MAX_POWER`
(simpleeval's own rule, applied here to arrays); a value that overflows anyway (``exp(1000x)``)
is refused as not finite. The formula is computed once on probe points when it is read, so a
bad one is refused at once, not when the data are drawn.
"""

from __future__ import annotations

import ast
import re
import warnings

import numpy as np
import simpleeval

from ..errors import InvalidOptionError

MAX_LENGTH = 200
MAX_POWER = 1000  # |base| and |exponent| of ``**``: 9**9**9 is refused, x**3 is not
FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "arctan": np.arctan, "atan": np.arctan, "sign": np.sign, "floor": np.floor,
    "round": np.round,
}
CONSTANTS = {"pi": np.pi, "e": np.e}
VARIABLES = ("x", "x1", "x2", "y")
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


class _Refused(Exception):
    """Raised inside the evaluator with the reason; turned into a FormulaError."""


def _power(a, b):
    # simpleeval's safe_power compares scalars; on arrays every element is bounded
    if np.max(np.abs(a)) > MAX_POWER or np.max(np.abs(b)) > MAX_POWER:
        raise _Refused(f"a power beyond {MAX_POWER} (base or exponent)")
    return np.power(a, b)


def _one_argument(name, function):
    def call(*args):
        # NumPy's second positional argument is `out=`: sin(x, x) would write into x
        if len(args) != 1:
            raise _Refused(f"{name}() takes one argument")
        return function(args[0])
    call.__name__ = name
    return call


_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.divide, ast.Mod: np.mod, ast.Pow: _power,
              ast.USub: np.negative, ast.UAdd: np.positive}
_FUNCTIONS = {name: _one_argument(name, f) for name, f in FUNCTIONS.items()}


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval narrowed to arithmetic on arrays (see the module docstring)."""

    ALLOWED = (ast.Expr, ast.Name, ast.UnaryOp, ast.BinOp, ast.Call, ast.Constant)

    def __init__(self):
        super().__init__(operators=_OPERATORS, functions=_FUNCTIONS, names={})
        self.nodes = {k: v for k, v in self.nodes.items() if k in self.ALLOWED}
        self.nodes[ast.Constant] = self._number

    @staticmethod
    def _number(node):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            text = repr(node.value)
            raise _Refused(f"{text[:20]}{'...' if len(text) > 20 else ''} is not a number")
        return float(node.value)  # floats: 9**9**9 is never a huge integer


def _reason(err):
    """simpleeval's refusal in the page's words."""
    if isinstance(err, _Refused):
        return str(err)
    if isinstance(err, simpleeval.NameNotDefined):
        return f"unknown name {err.name!r}"
    if isinstance(err, simpleeval.FunctionNotDefined):
        return f"{err.func_name!r} is not one of the functions"
    if isinstance(err, simpleeval.OperatorNotDefined):
        return f"the operator {type(err.attr).__name__} is not allowed"
    found = re.search(r"Sorry, (\w+) is not available", str(err))
    if found:
        return f"{found.group(1).lower()} is not allowed"
    if "Lambda" in str(err):
        return "lambda is not allowed"
    return str(err).replace("Sorry, ", "") or type(err).__name__


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
        self._evaluator = _Evaluator()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", simpleeval.MultipleExpressions)
                self.tree = self._evaluator.parse(rhs)
        except simpleeval.MultipleExpressions:
            _refuse(text, "it holds more than one expression")
        except (SyntaxError, ValueError, RecursionError, MemoryError, simpleeval.InvalidExpression):
            _refuse(text, "it is not an arithmetic expression")
        # which variables it uses decides its kind (reading the tree's names runs nothing)
        self.names = {n.id for n in ast.walk(self.tree)
                      if isinstance(n, ast.Name) and n.id in VARIABLES}
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
        probe = np.linspace(-3.0, 3.0, 7)
        self.evaluate(**({"x1": probe, "x2": probe[::-1]} if self.kind == "surface"
                         else {"x": probe}))

    def evaluate(self, **variables):
        """The right-hand side on arrays (``x=`` or ``x1=``, ``x2=``), as float64."""
        self._evaluator.names = {**CONSTANTS, **variables}
        try:
            with np.errstate(all="ignore"):
                value = self._evaluator.eval(self.text, previously_parsed=self.tree)
            if not isinstance(value, (float, np.floating, np.ndarray)):
                # simpleeval reads a bare function name as the function: 'y = sin'
                raise _Refused(f"{getattr(value, '__name__', 'it')} is a function: give it "
                               "an argument, e.g. sin(x)")
        except (_Refused, simpleeval.InvalidExpression) as err:
            _refuse(self.text, _reason(err))
        except (TypeError, ValueError, RecursionError, MemoryError) as err:
            _refuse(self.text, f"it cannot be computed ({type(err).__name__})")
        return np.broadcast_to(np.asarray(value, np.float64),
                               np.shape(next(iter(variables.values())))).copy()


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
