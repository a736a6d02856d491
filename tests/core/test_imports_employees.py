"""Employees from a file, by their number: created with their hire date, updated on a
second import (the hire date kept), a new one without a hire date refused with its row, and
exported in the columns the import reads."""

import csv
import io
from datetime import date

import pytest

from tandem.core.imports import import_object, import_run
from tandem.hr.models import Employee

FILE = (
    "工号,姓名,入职日期,邮箱,开户行,银行账号\n"
    "E-001,王芳,2024-03-01,wang@acme.test,招商银行,6225880000000001\n"
    "E-002,李娜,,li@acme.test,,\n"
    "E-003,周杰,2025/7/15,,,\n"
)


def _import(company, content: str, **kwargs):
    return import_run(
        company=company, object_name="employees", name="e.csv", content=content.encode(), **kwargs
    )


@pytest.mark.django_db
def test_employees_are_created_and_a_new_one_needs_a_hire_date(company):
    report = _import(company, FILE)

    assert (report.created, report.updated) == (2, 0)
    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (3, "hire_date", "import.required")
    ]
    wang = Employee.objects.get(company=company, number="E-001")
    assert (wang.name, wang.hire_date, wang.email, wang.bank_name, wang.bank_account) == (
        "王芳",
        date(2024, 3, 1),
        "wang@acme.test",
        "招商银行",
        "6225880000000001",
    )
    assert Employee.objects.get(company=company, number="E-003").hire_date == date(2025, 7, 15)


@pytest.mark.django_db
def test_a_second_import_updates_by_number_and_keeps_the_hire_date(company):
    _import(company, FILE)
    again = _import(company, "工号,姓名,入职日期,离职日期\nE-001,王芳芳,2020-01-01,2026-11-30\n")

    assert (again.created, again.updated, again.errors) == (0, 1, [])
    wang = Employee.objects.get(company=company, number="E-001")
    assert (wang.name, wang.hire_date, wang.leave_date, wang.bank_name) == (
        "王芳芳",
        date(2024, 3, 1),
        date(2026, 11, 30),
        "招商银行",
    )


@pytest.mark.django_db
def test_exported_employees_import_back_unchanged(company):
    _import(company, FILE)
    headers, rows = import_object("employees").export(company)
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])

    again = _import(company, out.getvalue())

    assert (again.created, again.updated, again.errors) == (0, 2, [])
    assert Employee.objects.filter(company=company).count() == 2
