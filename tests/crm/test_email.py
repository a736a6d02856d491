import mailbox
from datetime import UTC, datetime

import pytest
from django.core import mail as outbox
from django.test import Client

from tandem.core.errors import ValidationFailed
from tandem.crm import services
from tandem.crm.mail import parse_message
from tandem.crm.models import Interaction, Lead
from tandem.parties import services as party_services

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def message(
    *,
    sender="Wang Fang <wang@harbour.test>",
    subject="Re: Quote",
    body="Thanks, see you.",
    message_id="<r1@harbour.test>",
    in_reply_to="",
    references="",
    extra="",
):
    headers = [
        f"From: {sender}",
        "To: sales@acme.test",
        f"Subject: {subject}",
        "Date: Mon, 09 Mar 2026 10:00:00 +0800",
    ]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    if extra:
        headers.append(extra)
    return "\r\n".join(headers) + "\r\n\r\n" + body + "\r\n"


@pytest.fixture
def harbour(company, make_party):
    party = make_party("Harbour Trading", email="info@harbour.test")
    party_services.contact_create(party=party, name="Wang Fang", email="wang@harbour.test")
    return party


# -- parsing -------------------------------------------------------------------------------------


def test_headers_are_decoded_and_an_html_only_body_becomes_text():
    raw = (
        b"From: =?utf-8?b?546L6Iqz?= <Wang@Harbour.test>\r\n"
        b"Subject: =?gb2312?b?sai827Wl?=\r\n"
        b"Message-ID: <h1@x>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/html; charset="gbk"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ) + "<html><style>p{}</style><p>你好&amp;欢迎</p><p>第二行</p></html>".encode("gbk")

    parsed = parse_message(raw)

    assert (parsed.from_name, parsed.from_address, parsed.message_id) == (
        "王芳",
        "wang@harbour.test",
        "<h1@x>",
    )
    assert parsed.subject == "报价单"
    assert parsed.body == "你好&欢迎\n第二行"


def test_a_multipart_message_prefers_the_plain_part_and_survives_a_bad_charset():
    raw = (
        "From: a@b.test\r\nMessage-ID: <m@x>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="B"\r\n\r\n'
        '--B\r\nContent-Type: text/plain; charset="x-unknown"\r\n\r\nplain text\r\n'
        '--B\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n<b>html</b>\r\n--B--\r\n'
    )

    assert parse_message(raw).body == "plain text"


# -- inbound -------------------------------------------------------------------------------------


def test_a_reply_threads_to_the_opportunity_of_the_email_it_answers(
    company, rep, harbour, make_opportunity, django_capture_on_commit_callbacks
):
    # given two open opportunities of one customer and an email sent on the second
    make_opportunity("Boilers", party=harbour, owner=rep)
    pumps = make_opportunity("Pumps", party=harbour, owner=rep)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.email_send(
            company=company,
            to="wang@harbour.test",
            subject="Quote for pumps",
            body="Please find the quote.",
            record=pumps,
            user=rep,
        )

    # when the customer replies to it (threading headers only)
    result = services.mail_in(
        company=company,
        raw=message(in_reply_to=sent.message_id, references=f"<x@y> {sent.message_id}"),
        now=NOW,
    )

    # then the reply is logged inbound on the pumps opportunity
    reply = result.interaction
    assert (result.status, result.matched_by) == ("logged", "thread")
    assert (reply.opportunity, reply.party, reply.direction, reply.kind) == (
        pumps,
        harbour,
        "in",
        "email",
    )
    assert (reply.subject, reply.body, reply.in_reply_to, reply.email_from) == (
        "Re: Quote",
        "Thanks, see you.",
        sent.message_id,
        "wang@harbour.test",
    )
    assert reply.occurred_at == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    # and the outbound email left once, with the logged Message-ID
    assert len(outbox.outbox) == 1
    assert outbox.outbox[0].extra_headers["Message-ID"] == sent.message_id
    assert outbox.outbox[0].to == ["wang@harbour.test"]
    assert outbox.outbox[0].reply_to == ["rita@acme.test"]


def test_a_contacts_email_goes_to_the_only_open_opportunity_else_to_the_party(
    company, rep, harbour, make_opportunity
):
    deal = make_opportunity("Only deal", party=harbour, owner=rep)

    first = services.mail_in(company=company, raw=message(message_id="<a@x>"), now=NOW)
    make_opportunity("Second deal", party=harbour, owner=rep)
    second = services.mail_in(company=company, raw=message(message_id="<b@x>"), now=NOW)
    by_party = services.mail_in(
        company=company, raw=message(sender="info@harbour.test", message_id="<c@x>"), now=NOW
    )

    assert (first.matched_by, first.interaction.opportunity) == ("contact", deal)
    assert (second.matched_by, second.interaction.opportunity, second.interaction.party) == (
        "contact",
        None,
        harbour,
    )
    assert (by_party.matched_by, by_party.interaction.party) == ("party", harbour)


def test_an_unknown_sender_becomes_a_new_lead(company):
    result = services.mail_in(
        company=company,
        raw=message(sender="Zhou Jie <zhou@new.test>", subject="Need 200 valves"),
        now=NOW,
    )

    lead = Lead.objects.get()
    assert (result.matched_by, result.interaction.lead) == ("new_lead", lead)
    assert (lead.name, lead.contact_name, lead.email, lead.source) == (
        "Need 200 valves",
        "Zhou Jie",
        "zhou@new.test",
        "email",
    )


def test_a_known_leads_email_is_logged_on_the_lead(company, make_lead):
    lead = make_lead(name="Valves", email="zhou@new.test")

    result = services.mail_in(company=company, raw=message(sender="zhou@new.test"), now=NOW)

    assert (result.matched_by, result.interaction.lead) == ("lead", lead)
    assert Lead.objects.count() == 1


def test_a_duplicate_message_id_is_ignored(company, harbour):
    first = services.mail_in(company=company, raw=message(), now=NOW)

    again = services.mail_in(company=company, raw=message(body="changed"), now=NOW)
    unknown_twice = [
        services.mail_in(company=company, raw=message(sender="x@new.test", message_id=""), now=NOW)
        for _ in range(2)
    ]

    assert (again.status, again.interaction) == ("duplicate", first.interaction)
    assert [r.status for r in unknown_twice] == ["logged", "duplicate"]
    assert Interaction.objects.count() == 2
    assert Lead.objects.count() == 1
    assert Interaction.objects.get(pk=first.interaction.pk).body == "Thanks, see you."


def test_a_maildir_is_read_once(company, harbour, tmp_path):
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(mailbox.MaildirMessage(message(message_id="<m1@x>")))
    box.add(mailbox.MaildirMessage(message(message_id="<m2@x>")))
    box.add(mailbox.MaildirMessage(message(message_id="<m1@x>")))

    first = services.mail_in_maildir(company=company, path=str(tmp_path / "inbox"))
    second = services.mail_in_maildir(company=company, path=str(tmp_path / "inbox"))

    assert first == {"logged": 2, "duplicate": 1, "claimed": 0, "failed": 0}
    assert second == {"logged": 0, "duplicate": 0, "claimed": 0, "failed": 0}
    assert sorted(m.get_subdir() for m in mailbox.Maildir(tmp_path / "inbox")) == ["cur"] * 3


# -- outbound ------------------------------------------------------------------------------------


def test_a_refused_send_logs_and_sends_nothing(
    company, rep, harbour, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as bad:
        services.email_send(
            company=company, to="not-an-address", subject="Hi", body="", record=harbour, user=rep
        )

    assert bad.value.field == "to"
    assert Interaction.objects.count() == 0
    assert outbox.outbox == []


# -- API and the raw endpoint --------------------------------------------------------------------


def test_the_api_logs_a_message_and_answers_a_duplicate_with_200(api, harbour):
    created = api.post("/mail-in", {"message": message()})
    again = api.post("/mail-in", {"message": message()})

    assert created.status_code == 201, created.content
    assert created.json()["status"] == "logged"
    assert created.json()["party"] == harbour.pk
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert again.json()["interaction"] == created.json()["interaction"]


def test_the_raw_endpoint_needs_the_companys_token(company, harbour):
    token = services.mail_in_token(company=company)
    client = Client()
    url = f"/crm/mail-in/{company.code}/"

    no_token = client.post(url, message(), content_type="message/rfc822")
    wrong = client.post(
        url, message(), content_type="message/rfc822", headers={"Authorization": "Bearer nope"}
    )
    ok = client.post(
        url, message(), content_type="message/rfc822", headers={"Authorization": f"Bearer {token}"}
    )

    assert (no_token.status_code, wrong.status_code, ok.status_code) == (401, 401, 201)
    assert Interaction.objects.get().party == harbour
