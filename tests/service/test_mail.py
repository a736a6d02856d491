"""Mail intake: threading, auto-replies, quarantine, outgoing replies."""

from email import message_from_bytes
from email.message import EmailMessage

import pytest
from django.core import mail as outbox

from tandem.crm.models import Interaction
from tandem.crm.services import mail_in
from tandem.service import services
from tandem.service.models import QuarantinedMail, Ticket, TicketAttachment, TicketMessage

from .conftest import at

NOW = at(2026, 12, 7, 9, 0)


def raw(
    *,
    sender="Li Wei <li@bright.test>",
    to="support@acme.test",
    subject="Freezer is warm",
    body="It stopped cooling.",
    message_id="<c1@bright.test>",
    in_reply_to=None,
    references=None,
    cc=None,
    headers=None,
    attachment=None,
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if attachment:
        msg.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename="dump.bin"
        )
    return msg.as_bytes()


def feed(company, data, when=NOW):
    return mail_in(company=company, raw=data, now=when)


@pytest.fixture
def first(company, team, policy, customer):
    """A customer's first mail to the support address, as a ticket."""
    result = feed(company, raw())
    assert (result.status, result.matched_by) == ("claimed", "ticket:new")
    return Ticket.objects.get(company=company)


def reply_from_agent(ticket, agent, capture, when=at(2026, 12, 7, 10, 0)):
    with capture(execute=True):
        message = services.ticket_reply(ticket=ticket, body="We are on it", user=agent, now=when)
    return message


def test_a_new_mail_opens_a_ticket_for_the_known_contact(first, customer, team):
    assert first.channel == "email"
    assert (first.party, first.contact.email, first.team) == (customer, "li@bright.test", team)
    assert first.customer_email == "li@bright.test"
    assert first.messages.get().message_id == "<c1@bright.test>"
    # the CRM logged nothing: the message was the service app's
    assert not Interaction.objects.exists()


def test_reply_chain_threads_and_outgoing_headers(
    company, first, agent, django_capture_on_commit_callbacks
):
    # when the agent replies
    reply = reply_from_agent(first, agent, django_capture_on_commit_callbacks)
    # then one mail leaves, threaded on the customer's message, with the signed reply-to
    assert len(outbox.outbox) == 1
    sent = message_from_bytes(outbox.outbox[0].message().as_bytes())
    assert sent["Message-ID"] == reply.message_id
    assert sent["In-Reply-To"] == "<c1@bright.test>"
    assert sent["References"] == "<c1@bright.test>"
    assert sent["Reply-To"] == services.reply_address(first)
    assert sent["Subject"] == f"[#{first.number}] Freezer is warm"
    assert sent["To"] == "li@bright.test"
    # when the customer answers that reply
    result = feed(
        company,
        raw(
            message_id="<c2@bright.test>",
            in_reply_to=reply.message_id,
            references=f"<c1@bright.test> {reply.message_id}",
            subject="Re: Freezer",
        ),
        at(2026, 12, 7, 11, 0),
    )
    # then it lands on the same ticket
    assert result.matched_by == "ticket:in_reply_to"
    assert Ticket.objects.count() == 1
    assert first.messages.filter(kind="inbound").count() == 2


def test_references_only(company, first, agent, django_capture_on_commit_callbacks):
    reply = reply_from_agent(first, agent, django_capture_on_commit_callbacks)
    result = feed(
        company,
        raw(message_id="<c3@bright.test>", references=f"<x@elsewhere> {reply.message_id}"),
    )
    assert result.matched_by == "ticket:references"
    assert Ticket.objects.count() == 1


def test_cc_third_party_reply_all_threads_and_joins(company, first):
    # the customer had Cc'd a colleague; the colleague answers all
    result = feed(
        company,
        raw(
            sender="Zhang <zhang@bright.test>",
            message_id="<z1@bright.test>",
            in_reply_to="<c1@bright.test>",
            cc="li@bright.test",
        ),
    )
    assert result.matched_by == "ticket:in_reply_to"
    first.refresh_from_db()
    assert "zhang@bright.test" in first.participants


def test_signed_reply_address_threads_without_headers(company, first):
    result = feed(
        company,
        raw(to=services.reply_address(first), message_id="<c4@bright.test>", subject="hello"),
    )
    assert result.matched_by == "ticket:reply_address"
    assert Ticket.objects.count() == 1


def test_a_forged_reply_address_opens_a_new_ticket(company, first):
    forged = f"support+t{first.pk}.0000000000000000@acme.test"
    result = feed(company, raw(to=forged, message_id="<evil@x.test>", sender="evil@x.test"))
    assert result.matched_by == "ticket:new"
    assert first.messages.count() == 1


def test_subject_tag_from_an_unknown_sender_opens_a_new_ticket(company, first):
    # a stranger puts the right tag in the subject
    result = feed(
        company,
        raw(
            sender="Mallory <m@other.test>",
            subject=f"Re: [#{first.number}] Freezer",
            message_id="<m1@other.test>",
        ),
    )
    assert result.matched_by == "ticket:new"
    assert Ticket.objects.count() == 2
    assert first.messages.count() == 1


def test_subject_tag_from_a_participant_threads(company, first):
    result = feed(
        company,
        raw(subject=f"Fwd: [#{first.number}] Freezer", message_id="<c5@bright.test>"),
    )
    assert result.matched_by == "ticket:subject_tag"
    assert Ticket.objects.count() == 1


def test_a_forwarded_message_without_thread_headers_is_new(company, first):
    result = feed(
        company,
        raw(
            sender="boss@bright.test",
            subject="Fwd: Freezer is warm",
            body="---------- Forwarded message ---------\nIt stopped cooling.",
            message_id="<f1@bright.test>",
        ),
    )
    assert result.matched_by == "ticket:new"


def test_an_auto_reply_loop_opens_nothing_and_answers_nothing(
    company, first, agent, django_capture_on_commit_callbacks
):
    reply = reply_from_agent(first, agent, django_capture_on_commit_callbacks)
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = feed(
            company,
            raw(
                subject="Out of office",
                message_id="<ooo@bright.test>",
                in_reply_to=reply.message_id,
                headers={"Auto-Submitted": "auto-replied"},
            ),
        )
        also = feed(
            company,
            raw(
                sender="robot@vendor.test",
                subject="Newsletter",
                message_id="<n@vendor.test>",
                headers={"Precedence": "bulk"},
            ),
        )
    assert (result.matched_by, also.matched_by) == ("quarantine:auto_reply",) * 2
    assert Ticket.objects.count() == 1
    first.refresh_from_db()
    assert first.state == "open"  # not reopened, not moved
    assert outbox.outbox == []
    assert QuarantinedMail.objects.filter(reason="auto_reply").count() == 2


def test_a_malformed_message_is_quarantined_whole(company, team, policy):
    data = (
        b"From: li@bright.test\r\nTo: support@acme.test\r\nSubject: broken\r\n"
        b"Message-ID: <b1@bright.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed\r\n\r\n--nothing\r\nhello\r\n"
    )
    result = feed(company, data)
    assert result.matched_by == "quarantine:malformed"
    kept = QuarantinedMail.objects.get()
    assert bytes(kept.raw) == data
    assert "NoBoundaryInMultipartDefect" in kept.detail
    assert not Ticket.objects.exists()


def test_a_message_without_sender_is_quarantined(company, team, policy):
    result = feed(company, raw(sender=None, message_id="<ns@x.test>"))
    assert result.matched_by == "quarantine:no_sender"
    assert QuarantinedMail.objects.get().reason == "no_sender"
    assert not Ticket.objects.exists()


def test_a_20_mb_attachment_is_held_back_and_nothing_is_lost(company, team, policy):
    big = b"x" * (20 * 1024 * 1024)
    data = raw(message_id="<big@bright.test>", attachment=big)
    result = feed(company, data)
    assert result.matched_by == "ticket:new"
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert "attachment held back: dump.bin (20971520 bytes)" in message.body
    assert not TicketAttachment.objects.exists()
    held = QuarantinedMail.objects.get(reason="attachment_too_large")
    assert (held.ticket, len(bytes(held.raw))) == (ticket, len(data))


def test_a_small_attachment_is_kept(company, team, policy):
    feed(company, raw(message_id="<a@bright.test>", attachment=b"\x00\x01log"))
    kept = TicketAttachment.objects.get()
    assert (kept.filename, kept.size, bytes(kept.data)) == ("dump.bin", 5, b"\x00\x01log")


def test_the_same_message_twice_is_one_message(company, first):
    assert feed(company, raw()).matched_by == "duplicate"
    assert TicketMessage.objects.count() == 1


def test_mail_not_for_service_goes_to_the_crm(company, team, policy):
    result = feed(company, raw(to="sales@acme.test", message_id="<s1@x.test>"))
    assert result.status != "claimed"
    assert not Ticket.objects.exists()


def test_html_is_sanitised(company, team, policy):
    msg = EmailMessage()
    msg["From"] = "li@bright.test"
    msg["To"] = "support@acme.test"
    msg["Subject"] = "html"
    msg["Message-ID"] = "<h1@bright.test>"
    msg.set_content("plain")
    msg.add_alternative('<p onclick="x()">Hi<script>alert(1)</script></p>', subtype="html")
    feed(company, msg.as_bytes())
    html = TicketMessage.objects.get().body_html
    assert "script" not in html and "onclick" not in html and "Hi" in html
