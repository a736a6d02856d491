"""Email templates: checked merge fields and markup at save, one row per language."""

from django.db import IntegrityError, transaction

from tandem.core.errors import Duplicate, ValidationFailed

from ..models import EmailTemplate, TemplateFormat
from ..rendering import mjml_compile, template_check

LANGUAGES = ("en", "zh-hans")


def _clean(data: dict) -> dict:
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("name: 1 to 200 characters", field="name")
    if data.get("language") not in LANGUAGES:
        raise ValidationFailed(
            f"language: one of {', '.join(LANGUAGES)}",
            code="template.bad_language",
            field="language",
        )
    subject = (data.get("subject") or "").strip()
    if not subject or len(subject) > 300:
        raise ValidationFailed("subject: 1 to 300 characters", field="subject")
    kind = data.get("format") or TemplateFormat.HTML
    if kind not in TemplateFormat.values:
        raise ValidationFailed("format: html or mjml", code="template.bad_format", field="format")
    source = data.get("source") or ""
    if kind == TemplateFormat.MJML:
        if not source.strip():
            raise ValidationFailed("source: the MJML is required", field="source")
        # what is sent is the compiled HTML: checked like any HTML template below
        data["body_html"] = mjml_compile(source)
    else:
        source = ""
    if not (data.get("body_html") or "").strip():
        raise ValidationFailed("body_html: required", field="body_html")
    template_check(
        subject=subject, body_html=data["body_html"], body_text=data.get("body_text") or ""
    )
    return {
        **data,
        "name": name,
        "subject": subject,
        "format": kind,
        "source": source,
        "body_text": data.get("body_text") or "",
    }


def _save(template: EmailTemplate) -> EmailTemplate:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise Duplicate(
            f"A template {template.name!r} in {template.language} exists.",
            code="template.duplicate",
            field="language",
        ) from None
    return template


def template_create(
    *,
    company,
    name: str,
    language: str,
    subject: str,
    body_html: str = "",
    body_text: str = "",
    format: str = TemplateFormat.HTML,  # noqa: A002  (the field's name)
    source: str = "",
) -> EmailTemplate:
    """An HTML template, or an MJML one (`format="mjml"`, `source`) whose HTML is compiled
    from the source now."""
    data = _clean(
        {
            "name": name,
            "language": language,
            "subject": subject,
            "body_html": body_html,
            "body_text": body_text,
            "format": format,
            "source": source,
        }
    )
    return _save(EmailTemplate(company=company, **data))


@transaction.atomic
def template_update(*, template: EmailTemplate, **changes) -> EmailTemplate:
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    fields = ("name", "language", "subject", "body_html", "body_text", "format", "source")
    data = _clean({f: changes.get(f, getattr(locked, f)) for f in fields})
    for field, value in data.items():
        setattr(locked, field, value)
    return _save(locked)


def template_for(*, template: EmailTemplate, language: str, cache: dict) -> EmailTemplate:
    """The version of `template` in `language` (same name), else `template` itself."""
    key = (template.pk, language)
    if key not in cache:
        found = None
        if language and language != template.language:
            found = EmailTemplate.objects.filter(
                company_id=template.company_id, name=template.name, language=language
            ).first()
        cache[key] = found or template
    return cache[key]
