"""Issue 12, the send composer: recipients from the party's contacts, wording from the
company's template in the party's language, the PDF attached, a copy on the timeline; a
refused send writes and sends nothing."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from tandem.core.services import membership_grant
from tandem.crm.models import DocumentEmailTemplate, Interaction
from tandem.parties.models import Contact
from tandem.sales.models import SalesOrder
from tests.factories import UserFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def quotation(make_product, order_of, customer):
    Contact.objects.create(
        company=customer.company, party=customer, name="Li Na", email="li.na@example.com"
    )
    return order_of((make_product("100"), 2))


def test_the_draft_proposes_contacts_and_the_built_in_wording(api, quotation, customer):
    draft = api.get(f"/document-emails/draft?document=sales_order&id={quotation.pk}").json()
    assert [r["email"] for r in draft["recipients"]] == ["buyer@example.com", "li.na@example.com"]
    assert draft["to"] == ["buyer@example.com"]
    assert draft["kind"] == "quotation"
    # no language on the customer: the company's (a PRC company writes Chinese)
    assert draft["subject"] == f"Acme Trading报价单 {quotation}"
    customer.language = "en"
    customer.save()
    draft = api.get(f"/document-emails/draft?document=sales_order&id={quotation.pk}").json()
    assert draft["subject"] == f"Quotation {quotation} from Acme Trading"
    assert "Dear Beijing Customer," in draft["body"] and "226.00 CNY" in draft["body"]
    assert draft["attachment"].endswith(".pdf")


def test_a_chinese_customer_gets_the_companys_chinese_template(api, quotation, customer):
    customer.language = "zh-hans"
    customer.save()
    answer = api.put(
        "/document-email-templates/quotation/zh-hans",
        {
            "subject": "{company} 报价单 {number}",
            "body": "{party}：\n报价 {total}。{evil.__class__}",
        },
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["customised"] is True
    draft = api.get(f"/document-emails/draft?document=sales_order&id={quotation.pk}").json()
    assert draft["language"] == "zh-hans"
    assert draft["subject"] == f"Acme Trading 报价单 {quotation}"
    # a template is data: an unknown placeholder stays as written
    assert draft["body"] == "Beijing Customer：\n报价 226.00 CNY。{evil.__class__}"
    # blank subject and body: back to the built-in (translated) wording
    api.put("/document-email-templates/quotation/zh-hans", {"subject": "", "body": ""})
    draft = api.get(f"/document-emails/draft?document=sales_order&id={quotation.pk}").json()
    assert draft["subject"] == f"Acme Trading报价单 {quotation}"
    refused = api.put("/document-email-templates/quotation/en", {"subject": "Only a subject"})
    assert (refused.status_code, refused.json()["code"]) == (422, "validation.required")


def test_sending_attaches_the_pdf_logs_it_and_marks_the_quotation_sent(
    api, quotation, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "/document-emails",
            {
                "document": "sales_order",
                "id": quotation.pk,
                "to": ["buyer@example.com", "li.na@example.com"],
                "cc": "boss@example.com",
                "subject": "Our offer",
                "body": "See attached.",
            },
        )
    assert answer.status_code == 201, answer.json()
    assert SalesOrder.objects.get(pk=quotation.pk).state == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com", "li.na@example.com"]
    assert message.cc == ["boss@example.com"]
    assert message.subject == "Our offer"
    ((name, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    logged = Interaction.objects.get(pk=answer.json()["id"])
    assert (logged.party_id, logged.kind, logged.direction) == (customer.pk, "email", "out")
    assert logged.message_id and message.extra_headers["Message-ID"] == logged.message_id
    timeline = api.get(f"/parties/{customer.pk}/overview").json()
    assert [e["title"] for e in timeline["timeline"] if e["kind"] == "interaction"] == ["Our offer"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"to": "not-an-address"}, 422, "validation.email"),
        ({"cc": "also bad"}, 422, "validation.email"),
        ({"subject": ""}, 422, None),
        ({"id": 999_999}, 404, None),
    ],
)
def test_a_refused_send_sends_and_writes_nothing(
    api, quotation, change, status, code, django_capture_on_commit_callbacks
):
    body = {
        "document": "sales_order",
        "id": quotation.pk,
        "to": "buyer@example.com",
        "subject": "Offer",
        "body": "",
    } | change
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/document-emails", body)
    assert answer.status_code == status, answer.json()
    if code:
        assert answer.json()["code"] == code
    assert mail.outbox == []
    assert not Interaction.objects.exists()
    assert SalesOrder.objects.get(pk=quotation.pk).state == "draft"


def test_a_document_of_another_company_is_not_found(api_as, quotation, other_company):
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other_company, roles=["owner"])
    answer = api_as(stranger, other_company).get(
        f"/document-emails/draft?document=sales_order&id={quotation.pk}"
    )
    assert answer.status_code == 404


def test_the_composer_page_sends_what_the_form_holds(
    web, quotation, customer, django_capture_on_commit_callbacks
):
    customer.language = "en"
    customer.save()
    url = reverse("crm:document_send", args=["sales_order", quotation.pk])
    page = web.get(url).content.decode()
    assert "li.na@example.com" in page and f"Quotation {quotation} from Acme Trading" in page
    refused = web.post(url, {"to": [], "other": "nope", "subject": "S", "body": "B"})
    assert refused.status_code == 422
    assert "Enter one or more valid email addresses." in refused.content.decode()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        done = web.post(
            url,
            {
                "to": ["li.na@example.com"],
                "other": "x@example.com",
                "subject": "Offer",
                "body": "Hello",
            },
        )
    assert done.status_code == 302
    assert mail.outbox[0].to == ["li.na@example.com", "x@example.com"]
    pdf = web.get(reverse("crm:document_pdf", args=["sales_order", quotation.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_the_templates_page_saves_one_wording_and_refuses_half_of_one(web, quotation, customer):
    url = reverse("crm:document_templates")
    page = web.get(url).content.decode()
    assert "Order confirmation" in page and "{number}" in page
    refused = web.post(
        url, {"kind": "invoice", "language": "en", "subject": "Only this", "body": ""}
    )
    assert refused.status_code == 422
    assert "Enter a subject and a body, or clear both." in refused.content.decode()
    # what was typed stays in the form beside the message; nothing was saved
    assert 'value="Only this"' in refused.content.decode()
    assert not DocumentEmailTemplate.objects.filter(kind="invoice").exists()
    saved = web.post(
        url, {"kind": "quotation", "language": "en", "subject": "Offer {number}", "body": "Hi"}
    )
    assert saved.status_code == 302
    customer.language = "en"
    customer.save()
    composer = web.get(reverse("crm:document_send", args=["sales_order", quotation.pk]))
    assert f"Offer {quotation}" in composer.content.decode()


def test_a_vendor_bill_is_not_sent_back_to_its_supplier(
    api, books, django_capture_on_commit_callbacks
):
    from datetime import date

    from tandem.accounting.services.invoices import invoice_create
    from tandem.parties.models import Party

    supplier = Party.objects.create(
        company=books, name="Maker", is_supplier=True, currency_id="CNY", email="m@example.com"
    )
    bill = invoice_create(
        company=books,
        kind="vendor_bill",
        party=supplier,
        date=date.today(),
        lines=[{"description": "Parts", "quantity": D(1), "unit_price": D(10)}],
        post=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "/document-emails",
            {"document": "invoice", "id": bill.pk, "to": "m@example.com", "subject": "Bill"},
        )
    assert (answer.status_code, answer.json()["code"]) == (422, "document.not_sendable")
    assert mail.outbox == [] and not Interaction.objects.exists()


def test_a_delivery_slip_is_sent_to_the_customer_and_a_receipt_is_not(
    api, web, books, wh, customer, make_product, django_capture_on_commit_callbacks
):
    from tandem.inventory import services as inventory
    from tandem.parties.models import Party

    product = make_product("100")
    delivery = inventory.transfer_create(
        company=books,
        kind="delivery",
        warehouse=wh,
        party=customer,
        moves=[{"product": product, "quantity": D(3)}],
        confirm=True,
    )
    customer.language = "en"
    customer.save()
    # the transfer's page offers the composer, which proposes the delivery wording
    page = web.get(f"/inventory/transfers/{delivery.pk}/").content.decode()
    assert f"/crm/send/delivery/{delivery.pk}/" in page
    draft = api.get(f"/document-emails/draft?document=delivery&id={delivery.pk}").json()
    assert draft["kind"] == "delivery_slip"
    assert draft["subject"] == f"Delivery slip {delivery} from Acme Trading"
    assert "your goods are on their way" in draft["body"] and "{total}" not in draft["body"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "/document-emails",
            {
                "document": "delivery",
                "id": delivery.pk,
                "to": "buyer@example.com",
                "subject": draft["subject"],
                "body": draft["body"],
            },
        )
    assert answer.status_code == 201, answer.json()
    ((name, content, mimetype),) = mail.outbox[0].attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert Interaction.objects.get(pk=answer.json()["id"]).party_id == customer.pk

    # a goods receipt is the supplier's delivery: nothing to send back, nothing written
    supplier = Party.objects.create(
        company=books, name="Maker", is_supplier=True, currency_id="CNY", email="m@example.com"
    )
    receipt = inventory.transfer_create(
        company=books,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        moves=[{"product": product, "quantity": D(3)}],
    )
    assert (
        f"/crm/send/delivery/{receipt.pk}/"
        not in web.get(f"/inventory/transfers/{receipt.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        refused = api.post(
            "/document-emails",
            {"document": "delivery", "id": receipt.pk, "to": "m@example.com", "subject": "x"},
        )
    assert (refused.status_code, refused.json()["code"]) == (422, "document.not_sendable")
    assert len(mail.outbox) == 1 and Interaction.objects.count() == 1
