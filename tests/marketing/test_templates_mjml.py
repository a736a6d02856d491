"""MJML templates (compiled to HTML at save, the `mjml` package) and CSS inlining for email
clients (at send, the `css_inline` package); without them HTML templates still work."""

import re
import sys

import pytest
from django.core import mail

from tandem.marketing import services
from tandem.marketing.errors import TemplateInvalid
from tandem.marketing.models import EmailTemplate
from tandem.marketing.rendering import inline_css

MJML = """<mjml>
  <mj-head><mj-style inline="inline">.offer { color: #c00000; }</mj-style></mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-text css-class="offer">Hello {{ first_name }}, spring tea is here.</mj-text>
      <mj-button href="https://shop.example.com/spring">Buy</mj-button>
      <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>"""


def _send(company, party, template, capture):
    ada = party("Ada Lovelace", consent=["newsletter"], kind="person")
    segment = services.segment_create(company=company, name="Ada", kind="static", members=[ada.pk])
    campaign = services.campaign_create(
        company=company, name="Spring", segment=segment, template=template
    )
    with capture(execute=True):
        services.campaign_send(campaign=campaign)
    (message,) = mail.outbox
    return message


def test_an_mjml_template_compiles_at_save_and_sends_inlined(
    company, party, django_capture_on_commit_callbacks
):
    template = services.template_create(
        company=company,
        name="Spring",
        language="en",
        subject="Spring for {{ first_name }}",
        format="mjml",
        source=MJML,
    )
    template.refresh_from_db()
    assert (template.format, template.source) == ("mjml", MJML)
    assert "<mj-" not in template.body_html and "{{ first_name }}" in template.body_html
    # the inline="inline" style is on the element, for clients that drop <style>
    cell = re.search(r'<td class="offer"[^>]*style="([^"]*)"', template.body_html)
    assert cell and "color: #c00000" in cell.group(1)

    message = _send(company, party, template, django_capture_on_commit_callbacks)
    html = message.alternatives[0][0]
    assert message.subject == "Spring for Ada"
    assert "Hello Ada, spring tea is here." in html
    assert "https://shop.example.com/spring" not in html  # the button goes through /t/c/
    assert re.search(r'href="[^"]+/marketing/t/c/[^"]+"', html)
    assert re.search(r'href="[^"]+/marketing/t/u/[^"]+"', html)  # the merge field filled
    assert "Hello Ada, spring tea is here." in message.body  # the generated text part


def test_an_html_template_with_style_gets_its_css_inlined_at_send(
    company, party, django_capture_on_commit_callbacks
):
    body = (
        "<style>.cta { color: #0a7f3f; font-weight: bold }</style>"
        '<p>Hi {{ name }}, <a class="cta" href="https://shop.example.com/a">see</a></p>'
    )
    template = services.template_create(
        company=company, name="Plain", language="en", subject="Hi", body_html=body
    )
    message = _send(company, party, template, django_capture_on_commit_callbacks)
    html = message.alternatives[0][0]
    link = re.search(r'<a class="cta"[^>]*>', html).group(0)
    assert "color: #0a7f3f" in link and "font-weight: bold" in link
    assert "/marketing/t/c/" in link
    assert "<style>" in html  # kept for the clients that read it
    assert EmailTemplate.objects.get(pk=template.pk).body_html == body  # stored as written


def test_html_without_style_is_left_as_written():
    body = '<p>Hi {{ name }} <a href="https://a.example.com/?x=1&amp;y=2">a</a></p>'
    assert inline_css(body) == body


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("<p>not mjml</p>", "template.bad_mjml"),
        ("<mjml><mj-body><mj-wobble>x</mj-wobble></mj-body></mjml>", "template.bad_mjml"),
        ("", "validation.invalid"),
        (MJML.replace("{{ first_name }}", "{{ nickname }}"), "template.unknown_field"),
    ],
)
def test_bad_mjml_is_refused_and_nothing_is_written(company, source, code):
    with pytest.raises(Exception) as refused:
        services.template_create(
            company=company, name="X", language="en", subject="X", format="mjml", source=source
        )
    assert refused.value.code == code
    assert not EmailTemplate.objects.exists()


def test_the_api_takes_mjml_and_refuses_bad_mjml(api):
    made = api.post(
        "/email-templates",
        {"name": "Spring", "language": "en", "subject": "Spring", "format": "mjml", "source": MJML},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["format"], body["source"]) == ("mjml", MJML)
    assert "Hello {{ first_name }}" in body["body_html"]
    bad = api.post(
        "/email-templates",
        {"name": "Bad", "language": "en", "subject": "B", "format": "mjml", "source": "<p/>"},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "template.bad_mjml")
    assert EmailTemplate.objects.count() == 1
    # back to HTML: the source goes, the HTML stays as given
    changed = api.patch(
        f"/email-templates/{body['id']}", {"format": "html", "body_html": "<p>Plain</p>"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["format"], changed.json()["source"]) == ("html", "")


def test_without_the_packages_html_templates_still_work(company, monkeypatch):
    monkeypatch.setitem(sys.modules, "mjml", None)  # import mjml -> ImportError
    monkeypatch.setitem(sys.modules, "css_inline", None)
    with pytest.raises(TemplateInvalid) as refused:
        services.template_create(
            company=company, name="M", language="en", subject="M", format="mjml", source=MJML
        )
    assert refused.value.code == "template.mjml_unavailable"
    body = "<style>p { color: red }</style><p>Hi</p>"
    assert inline_css(body) == body
    made = services.template_create(
        company=company, name="H", language="en", subject="H", body_html=body
    )
    assert made.format == "html"
