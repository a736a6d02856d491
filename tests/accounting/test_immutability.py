"""A posted entry and its lines never change, whatever path the write takes."""

from datetime import date

import pytest
from django.db import transaction

from tandem.accounting import services
from tandem.accounting.errors import EntryPosted
from tandem.accounting.models import Entry, EntryLine
from tests.accounting.conftest import YEAR, D, cr, dr


@pytest.fixture
def posted(acct, post):
    return post([dr(acct["6602"], "100.00"), cr(acct["1002"], "100.00")])


def state_of(entry):
    return (
        Entry.objects.filter(pk=entry.pk).values_list("state", "number", "date", "reference")[0],
        list(
            EntryLine.objects.filter(entry=entry)
            .order_by("pk")
            .values_list("pk", "account_id", "debit", "credit", "posted")
        ),
    )


def test_services_refuse_to_edit_or_delete_a_posted_entry(posted, acct, journals):
    before = state_of(posted)
    for call in (
        lambda: services.entry_update(entry=posted, reference="changed"),
        lambda: services.entry_update(entry=posted, lines=[dr(acct["6602"], "1.00")]),
        lambda: services.entry_delete(entry=posted),
        lambda: services.entry_post(entry=posted),
    ):
        with pytest.raises(EntryPosted) as refused:
            call()
        assert refused.value.code == "entry.posted"
        assert refused.value.status == 409
    assert state_of(posted) == before


def test_instances_refuse_save_and_delete(posted):
    before = state_of(posted)
    entry = Entry.objects.get(pk=posted.pk)
    entry.reference = "changed"
    with pytest.raises(EntryPosted):
        entry.save()
    entry.state = "draft"  # pretending it is a draft does not help
    with pytest.raises(EntryPosted):
        entry.save()
    with pytest.raises(EntryPosted):
        Entry.objects.get(pk=posted.pk).delete()

    line = EntryLine.objects.filter(entry=posted).first()
    line.debit = D("1.00")
    with pytest.raises(EntryPosted):
        line.save()
    line.posted = False
    with pytest.raises(EntryPosted):
        line.save()
    with pytest.raises(EntryPosted):
        EntryLine.objects.filter(entry=posted).first().delete()
    extra = EntryLine(
        company=posted.company,
        entry=posted,
        account=line.account,
        debit=D("1.00"),
        currency_id="CNY",
        amount_currency=D("1.00"),
        date=posted.date,
    )
    with pytest.raises(EntryPosted):
        extra.save()
    assert state_of(posted) == before


def test_querysets_refuse_bulk_update_and_delete(posted, company, acct, journals):
    draft = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 2),
        lines=[dr(acct["6602"], "5.00"), cr(acct["1002"], "5.00")],
    )
    before = state_of(posted)

    for call in (
        lambda: Entry.objects.filter(company=company).update(reference="bulk"),
        lambda: Entry.objects.filter(pk=posted.pk).delete(),
        lambda: Entry.objects.all().delete(),
        lambda: EntryLine.objects.filter(entry=posted).update(debit=D("1.00")),
        lambda: EntryLine.objects.all().delete(),
        lambda: EntryLine.objects.filter(posted=True).update(description="x"),
        lambda: Entry.objects.bulk_update([posted], ["reference"]),
    ):
        with pytest.raises(EntryPosted), transaction.atomic():
            call()
    assert state_of(posted) == before

    # drafts still take bulk changes
    assert Entry.objects.filter(pk=draft.pk).update(reference="bulk") == 1
    assert EntryLine.objects.filter(entry=draft).update(description="x") == 2


def test_api_refuses_to_change_a_posted_entry(api, posted):
    before = state_of(posted)

    patch = api.patch(f"/entries/{posted.pk}", {"reference": "changed"})
    delete = api.delete(f"/entries/{posted.pk}")
    again = api.post(f"/entries/{posted.pk}/post")

    for response in (patch, delete, again):
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "entry.posted"
    assert state_of(posted) == before
