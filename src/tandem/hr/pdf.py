"""A payslip as PDF in the shared document layout of core.documents, in English or
Simplified Chinese (`?lang=`, else the company's language)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tandem.core.documents import Block, Column, Document, Formats, document_language, render

from .models import Payslip

LANGUAGES = {"en", "zh-hans"}


def payslip_pdf(payslip, language: str = "") -> tuple[bytes, str]:
    slip = Payslip.objects.select_related("company", "employee", "run", "version__department").get(
        pk=payslip.pk
    )
    chosen = language if language in LANGUAGES else ""
    language = document_language(chosen, company=slip.company)
    with translation.override(language):
        formats = Formats(language)
        lines = list(slip.lines.order_by("sequence"))
        version = slip.version
        document = Document(
            company=slip.company,
            language=language,
            title=_("Payslip"),
            number=slip.period,
            facts=[
                (_("Period"), slip.period),
                (_("Employee"), f"{slip.employee.number} {slip.employee.name}"),
                (
                    _("Department"),
                    str(version.department) if version and version.department else "",
                ),
                (_("Hire date"), formats.date(slip.employee.hire_date)),
            ],
            blocks=[Block(_("Employee"), [slip.employee.name, slip.employee.email])],
            columns=[
                Column(_("Code"), "L"),
                Column(_("Name"), "L", grow=True),
                Column(_("Category"), "L"),
                Column(_("Amount")),
            ],
            rows=[
                [line.code, line.name, line.get_category_display(), formats.money(line.amount)]
                for line in lines
            ],
            totals=[
                (_("Gross"), slip.gross),
                (_("Deductions"), slip.deductions),
                (_("Tax"), slip.tax),
                (_("Employer cost"), slip.employer_cost),
                (_("Net"), slip.net),
            ],
            currency=slip.company.currency_id,
            notes=slip.error,
        )
        content = render(document)
    return content, f"payslip-{slip.period}-{slip.employee.number}.pdf"
