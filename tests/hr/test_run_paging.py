"""The payroll run page shows its payslips a page at a time; the totals stay the whole
run's, summed in SQL."""

import re
from decimal import Decimal

import pytest

from tandem.hr import services, views
from tandem.hr.models import Payslip

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html[html.index('id="payslip-table"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return re.findall(r"E\d (?:Employee E\d)", body)


def test_the_run_page_pages_its_payslips_and_totals_the_whole_run(
    web, company, prc, hire, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(views, "RUN_PAGE_SIZE", 2)
    for number, salary in (("E1", 20000), ("E2", 12000), ("E3", 8000)):
        hire(number, salary)
    run = services.payroll_run_create(company=company, period="2025-01", structure=prc)
    run = services.payroll_run_compute(run=run)
    net = sum(Payslip.objects.filter(run=run).values_list("net", flat=True), Decimal(0))
    gross = sum(Payslip.objects.filter(run=run).values_list("gross", flat=True), Decimal(0))
    assert gross == Decimal("40000.00")

    first = web.get(f"/hr/payroll/{run.pk}/").content.decode()
    with django_assert_max_num_queries(20):
        second = web.get(f"/hr/payroll/{run.pk}/?page=2").content.decode()

    assert _rows(first) == ["E1 Employee E1", "E2 Employee E2"]
    assert _rows(second) == ["E3 Employee E3"]
    for page in (first, second):
        foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
        assert "40,000.00" in foot and f"{net:,.2f}" in foot
        assert "3 payslips" in foot
    assert 'id="run-pager"' in first and "Page 1 of 2" in first and "?page=2" in first
    assert "Page 2 of 2" in second and "?page=1" in second
