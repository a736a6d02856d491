"""The sandboxed expression language of salary rules: a whitelisted `ast` evaluator.

No `eval`/`exec`: a formula is parsed with `ast.parse(mode="eval")`, every node is checked
against the whitelist below when the structure is saved, and evaluated with Decimal
arithmetic (the checked tree is turned once into nested closures, so a payroll run does not
walk the tree per employee; no Python code is generated). Allowed: numbers (read from the
source text, so `0.08` is exactly Decimal("0.08")), names, + - * /, unary minus,
comparisons, and/or/not, `a if c else b`, and calls of the whitelisted functions. No
attributes, subscripts, powers, lambdas or strings.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

from tandem.core.errors import ValidationFailed

MAX_LENGTH = 2000
MAX_DEPTH = 40

ZERO = Decimal(0)


class FormulaInvalid(ValidationFailed):
    code = "salary_rule.invalid"
    title = "Invalid formula"


class FormulaFailed(Exception):
    """A formula that parsed but cannot be evaluated for one employee (division by zero)."""

    def __init__(self, message: str, code: str = "salary_rule.failed"):
        super().__init__(message)
        self.code = code


def round_to(value: Decimal, step="0.01") -> Decimal:
    """Round half up to a multiple of `step` (0.01 fen, 1 yuan)."""
    if not isinstance(step, Decimal):
        step = Decimal(str(step))
    sign, digits, _exponent = step.as_tuple()
    if digits == (1,) and not sign:  # a power of ten (0.01, 0.1, 1): one quantize
        return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _round(value, places=ZERO):
    return Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def _clamp(value, low, high):
    return min(max(value, low), high)


BASE_FUNCTIONS: dict[str, Callable] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "round_to": round_to,
    "clamp": _clamp,
}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


@dataclass(frozen=True)
class Formula:
    source: str
    tree: ast.expr
    names: frozenset[str]
    # the tree as nested closures: run(names, functions) -> value (see `_closure`)
    run: Callable = field(repr=False, compare=False, default=None)


def _refuse(message: str, *, rule: str, node=None, offset: int | None = None):
    position = offset if offset is not None else getattr(node, "col_offset", 0) + 1
    raise FormulaInvalid(
        f"{rule}: {message} (at position {position})",
        field="formula",
        extra={"rule": rule, "position": position},
    )


def compile_formula(
    source: str, *, rule: str, known: set[str] | frozenset[str], functions=frozenset()
) -> Formula:
    """Parse and check `source`: `known` are the value names it may use, `functions` the
    function names beyond min, max, abs, round, round_to and clamp.

    Refused with `salary_rule.invalid` naming the rule and the position (1-based column)."""
    text = (source or "").strip()
    if not text:
        _refuse("the formula is empty", rule=rule, offset=1)
    if len(text) > MAX_LENGTH or "\n" in text:
        _refuse(f"one line of at most {MAX_LENGTH} characters", rule=rule, offset=1)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        _refuse(f"does not parse: {error.msg}", rule=rule, offset=error.offset or 1)
    names: set[str] = set()
    callables = set(functions) | set(BASE_FUNCTIONS)
    _check(tree.body, text, rule, (set(known), callables), names, 0)
    return Formula(text, tree.body, frozenset(names), _closure(tree.body))


def _check(node, text, rule, known, names, depth):
    if depth > MAX_DEPTH:
        _refuse("nested too deep", rule=rule, node=node)
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            _refuse("only numbers are allowed as literals", rule=rule, node=node)
        # the literal as written, so 0.08 is exactly Decimal("0.08")
        node.decimal = Decimal(ast.get_source_segment(text, node))
    elif isinstance(node, ast.Name):
        values, callables = known
        if node.id in callables and node.id not in values:
            _refuse(f"{node.id} is a function: call it", rule=rule, node=node)
        if node.id not in values:
            _refuse(f"unknown name {node.id!r}", rule=rule, node=node)
        names.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            _refuse("only + - * / are allowed", rule=rule, node=node)
        _check(node.left, text, rule, known, names, deeper)
        _check(node.right, text, rule, known, names, deeper)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            _refuse("operator not allowed", rule=rule, node=node)
        _check(node.operand, text, rule, known, names, deeper)
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            _refuse("comparison not allowed", rule=rule, node=node)
        for child in (node.left, *node.comparators):
            _check(child, text, rule, known, names, deeper)
    elif isinstance(node, ast.BoolOp):
        for child in node.values:
            _check(child, text, rule, known, names, deeper)
    elif isinstance(node, ast.IfExp):
        for child in (node.test, node.body, node.orelse):
            _check(child, text, rule, known, names, deeper)
    elif isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in known[1]:
            name = func.id if isinstance(func, ast.Name) else "this"
            _refuse(f"unknown function {name!r}", rule=rule, node=node)
        if node.keywords or not node.args or len(node.args) > 10:
            _refuse("call with 1 to 10 positional arguments", rule=rule, node=node)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                _refuse("no * arguments", rule=rule, node=arg)
            _check(arg, text, rule, known, names, deeper)
    else:
        _refuse(f"{type(node).__name__} is not allowed", rule=rule, node=node)


def evaluate(formula: Formula, names: Mapping, functions: Mapping[str, Callable]) -> Decimal:
    """The formula's value; `FormulaFailed` on division by zero or a wrong call."""
    try:
        result = formula.run(names, functions)
    except (ZeroDivisionError, DivisionByZero):
        raise FormulaFailed("division by zero", "salary_rule.division_by_zero") from None
    except (InvalidOperation, TypeError, ValueError) as error:
        raise FormulaFailed(f"cannot evaluate: {error}") from None
    if isinstance(result, bool):
        return Decimal(int(result))
    return Decimal(result)


def _closure(node):
    """The checked node as a closure over its children's closures: the evaluation
    order as written (left before right, short-circuit and/or, chained comparisons, division by zero
    raised), without re-dispatching on node types for every employee."""
    if isinstance(node, ast.Constant):
        constant = node.decimal
        return lambda names, functions: constant
    if isinstance(node, ast.Name):
        key = node.id
        return lambda names, functions: names[key]
    if isinstance(node, ast.BinOp):
        left, right = _closure(node.left), _closure(node.right)
        if isinstance(node.op, ast.Div):

            def divide(names, functions):
                a = left(names, functions)
                b = right(names, functions)
                if b == 0:
                    raise ZeroDivisionError
                return a / b

            return divide
        op = _BINARY[type(node.op)]
        return lambda names, functions: op(left(names, functions), right(names, functions))
    if isinstance(node, ast.UnaryOp):
        operand = _closure(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda names, functions: not operand(names, functions)
        if isinstance(node.op, ast.USub):
            return lambda names, functions: -operand(names, functions)
        return lambda names, functions: +operand(names, functions)
    if isinstance(node, ast.Compare):
        first = _closure(node.left)
        steps = [
            (_COMPARE[type(op)], _closure(comparator))
            for op, comparator in zip(node.ops, node.comparators, strict=True)
        ]

        def compare(names, functions):
            left = first(names, functions)
            for op, comparator in steps:
                right = comparator(names, functions)
                if not op(left, right):
                    return False
                left = right
            return True

        return compare
    if isinstance(node, ast.BoolOp):
        children = [_closure(child) for child in node.values]
        is_and = isinstance(node.op, ast.And)

        def boolean(names, functions):
            value = None
            for child in children:
                value = child(names, functions)
                if bool(value) != is_and:
                    return value
            return value

        return boolean
    if isinstance(node, ast.IfExp):
        test, body, orelse = _closure(node.test), _closure(node.body), _closure(node.orelse)
        return lambda names, functions: (
            body(names, functions) if test(names, functions) else orelse(names, functions)
        )
    if isinstance(node, ast.Call):
        name = node.func.id
        base = BASE_FUNCTIONS.get(name)
        args = [_closure(arg) for arg in node.args]

        def call(names, functions):
            function = functions.get(name) or base
            return function(*[arg(names, functions) for arg in args])

        return call
    raise TypeError(type(node).__name__)  # unreachable: _check refused it
