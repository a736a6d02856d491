"""The salary-rule language: formulas compiled once into closures compute what the same
expression computes in Decimal arithmetic; rounding to the fen, jiao and yuan; an amount too
large for a payslip fails only that payslip."""

import ast
import decimal
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.hr import services
from tandem.hr.formulas import FormulaFailed, compile_formula, evaluate, round_to

D = Decimal
NAMES = {"a": D("12.5"), "b": D("-3"), "c": D("0"), "d": D("0.07")}
FUNCTIONS = {"double": lambda x: x * 2}

leaf = st.one_of(
    st.sampled_from(sorted(NAMES)),
    st.decimals(min_value=-1000, max_value=1000, places=2).map(lambda x: str(abs(x))),
)


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} + {p[1]})"),
        pair.map(lambda p: f"({p[0]} - {p[1]})"),
        pair.map(lambda p: f"({p[0]} * {p[1]})"),
        pair.map(lambda p: f"({p[0]} / {p[1]})"),
        children.map(lambda x: f"(-{x})"),
        st.tuples(children, children, children).map(
            lambda t: f"({t[0]} if {t[1]} < {t[2]} else {t[2]})"
        ),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} <= {t[1]} < {t[2]})"),
        pair.map(lambda p: f"({p[0]} and {p[1]})"),
        pair.map(lambda p: f"({p[0]} or not {p[1]})"),
        pair.map(lambda p: f"max({p[0]}, {p[1]})"),
        children.map(lambda x: f"double({x})"),
    )


expressions = st.recursive(leaf, _combine, max_leaves=12)


def _reference(source):
    """The same expression in Python's own Decimal arithmetic (a test oracle only): every
    literal wrapped in Decimal as written, evaluated with no builtins."""
    tree = ast.parse(source, mode="eval")

    class Wrap(ast.NodeTransformer):
        def visit_Constant(self, node):
            segment = ast.get_source_segment(source, node)
            return ast.Call(ast.Name("D", ast.Load()), [ast.Constant(segment)], [])

    code = compile(ast.fix_missing_locations(Wrap().visit(tree)), "<reference>", "eval")
    names = {**NAMES, **FUNCTIONS, "max": max, "D": D}
    value = eval(code, {"__builtins__": {}}, names)  # noqa: S307 - the test's oracle
    return D(int(value)) if isinstance(value, bool) else D(value)


@given(expressions)
def test_the_compiled_formula_computes_what_decimal_arithmetic_computes(source):
    formula = compile_formula(source, rule="X", known=set(NAMES), functions={"double"})
    try:
        expected = _reference(source)
    except (ZeroDivisionError, decimal.InvalidOperation):
        with pytest.raises(FormulaFailed):
            evaluate(formula, NAMES, FUNCTIONS)
        return
    assert evaluate(formula, NAMES, FUNCTIONS) == expected


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=6),
    st.sampled_from(["0.01", "0.1", "1", D("0.01"), D("1.00"), D("0.10")]),
)
def test_rounding_half_up_to_the_step(value, step):
    generic = (value / D(str(step))).quantize(D(1), rounding=ROUND_HALF_UP) * D(str(step))
    rounded = round_to(value, step)
    assert rounded == generic
    assert rounded.as_tuple().exponent == generic.as_tuple().exponent


def test_round_to_other_steps():
    assert round_to(D("12.37"), "0.05") == D("12.35")
    assert round_to(D("12.38"), "0.05") == D("12.40")
    assert round_to(D("2.5"), "1") == D("3") and round_to(D("-2.5"), "1") == D("-3")


@pytest.mark.django_db
def test_an_amount_out_of_range_fails_only_that_payslip(company, books, hire, run_month):
    structure = services.salary_structure_create(
        company=company,
        code="HUGE",
        name="Huge bonus",
        rules=[
            {"code": "BASIC", "category": "gross", "formula": "base_salary"},
            {"code": "BONUS", "category": "gross", "formula": "bonus * 100000000000000"},
            {"code": "NET", "category": "net", "formula": "total_gross"},
        ],
    )
    good, bad = hire("E1", 10000), hire("E2", 10000)
    services.payroll_input_set(
        company=company, employee=bad, period="2025-01", kind="bonus", amount=1000
    )
    run = run_month(structure, 1, post=False)
    slips = {slip.employee_id: slip for slip in run.payslips.all()}
    assert slips[good.pk].state == "done" and slips[good.pk].net == D("10000.00")
    assert slips[good.pk].lines.count() == 3
    assert slips[bad.pk].state == "failed"
    assert slips[bad.pk].error.startswith("BONUS: ") and "out of range" in slips[bad.pk].error
    assert not slips[bad.pk].lines.exists()
