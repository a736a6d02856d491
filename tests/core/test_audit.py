"""The audit trail reads as a user would say it: labels, names, yes/no, not codes and ids."""

import pytest

from tandem.core.audit import history_rows
from tandem.parties.models import PaymentTerm
from tandem.parties.services import party_create, party_update

pytestmark = pytest.mark.django_db


def test_history_shows_choice_labels_reference_names_and_flags(
    company, django_assert_max_num_queries
):
    net30 = PaymentTerm.objects.create(company=company, name="Net 30", due_days=30)
    net60 = PaymentTerm.objects.create(company=company, name="Net 60", due_days=60)
    party = party_create(company=company, name="Lotus Foods", is_customer=True)
    party_update(party=party, payment_term=net30)
    party_update(party=party, payment_term=net60, is_supplier=True, kind="person")
    # the referenced terms are read in one query, not one per change
    with django_assert_max_num_queries(2):
        rows = history_rows(party)
    latest = {c["field"]: (c["old"], c["new"]) for c in rows[0]["changes"]}
    assert latest["payment term"] == ("Net 30", "Net 60")
    assert latest["supplier"] == ("No", "Yes")
    assert latest["kind"] == ("Organisation", "Person")
    first_change = {c["field"]: (c["old"], c["new"]) for c in rows[1]["changes"]}
    assert first_change["payment term"] == (None, "Net 30")
