from datetime import date

import pytest
from django.db import transaction

from tandem.core.integrity import run_all
from tandem.core.models import Sequence, SequenceNumber
from tandem.core.services import sequence_next


def test_numbers_are_consecutive_per_code_and_year(company):
    first = sequence_next(company=company, code="inv", on_date=date(2026, 3, 1))
    second = sequence_next(company=company, code="inv", on_date=date(2026, 3, 2))
    next_year = sequence_next(company=company, code="inv", on_date=date(2027, 1, 1))
    other_code = sequence_next(company=company, code="bill", on_date=date(2026, 3, 1))

    assert (first, second) == ("INV/2026/00001", "INV/2026/00002")
    assert next_year == "INV/2027/00001"
    assert other_code == "BILL/2026/00001"


def test_rolled_back_number_is_handed_out_again(company):
    sequence_next(company=company, code="inv", on_date=date(2026, 1, 5))
    with pytest.raises(RuntimeError), transaction.atomic():
        sequence_next(company=company, code="inv", on_date=date(2026, 1, 5))
        raise RuntimeError("posting failed")

    again = sequence_next(company=company, code="inv", on_date=date(2026, 1, 5))

    assert again == "INV/2026/00002"
    assert Sequence.objects.get(company=company, code="inv", year=2026).last_number == 2


def test_sequences_are_per_company(company, other_company):
    a = sequence_next(company=company, code="so", on_date=date(2026, 1, 1))
    b = sequence_next(company=other_company, code="so", on_date=date(2026, 1, 1))
    assert a == b == "SO/2026/00001"


def test_integrity_check_reports_a_gap(company):
    for _ in range(3):
        sequence_next(company=company, code="inv", on_date=date(2026, 1, 1))
    assert run_all().ok

    SequenceNumber.objects.filter(number=2).delete()

    report = run_all()
    assert not report.ok
    assert "gap" in report.render()
