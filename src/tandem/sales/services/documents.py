"""The quotation / order confirmation PDF (fpdf2) and its email, in the customer's language.

Chinese text needs a CJK font: the Noto Sans CJK collection of Debian's fonts-noto-cjk is
used when present, else a DejaVu font, else the core Helvetica (Latin text only).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import OrderState, SalesOrder

logger = logging.getLogger(__name__)

CJK_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # 2 = the SC face
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
LATIN_FONTS = [("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0)]


@lru_cache(maxsize=2)
def _font(cjk: bool) -> tuple[str, int] | None:
    for path, index in (CJK_FONTS if cjk else []) + LATIN_FONTS:
        if Path(path).exists():
            return path, index
    return None


def _has_cjk(texts) -> bool:
    return any(any("\u2e80" <= ch <= "\u9fff" for ch in str(t)) for t in texts)


def order_pdf(order: SalesOrder) -> bytes:
    """The quotation (draft/sent) or order confirmation as PDF bytes."""
    from fpdf import FPDF

    lines = list(order.lines.select_related("product", "uom").order_by("sequence", "pk"))
    language = order.language or "en"
    with translation.override(language):
        title = (
            _("Quotation")
            if order.state in (OrderState.DRAFT, OrderState.SENT)
            else _("Sales order")
        )
        labels = [_("Description"), _("Quantity"), _("Unit price"), _("Discount (%)"), _("Total")]
        texts = [order.party.name, order.company.name, order.note, title, *labels] + [
            li.description for li in lines
        ]
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        font = _font(language.startswith("zh") or _has_cjk(texts))
        if font is not None:
            pdf.add_font("body", fname=font[0], collection_font_number=font[1])
            family = "body"
        else:
            family = "helvetica"
            texts = None
        pdf.set_font(family, size=16)
        pdf.cell(0, 10, f"{title} {order}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)
        pdf.cell(0, 6, order.company.name, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"{_('Customer')}: {order.party.name}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(
            0,
            6,
            f"{_('Order date')}: {date_format(order.order_date, 'SHORT_DATE_FORMAT')}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(4)
        widths = [80, 22, 30, 22, 36]
        for label, width in zip(labels, widths, strict=True):
            pdf.cell(width, 7, label, border=1)
        pdf.ln()
        for line in lines:
            cells = [
                line.description[:45],
                f"{line.quantity.normalize():f} {line.uom.name}"[:14],
                f"{line.unit_price:.2f}",
                f"{line.discount:.2f}",
                f"{line.untaxed_amount:.2f}",
            ]
            for value, width in zip(cells, widths, strict=True):
                pdf.cell(width, 7, value, border=1)
            pdf.ln()
        pdf.ln(3)
        for label, value in (
            (_("Untaxed amount"), order.untaxed_amount),
            (_("Tax"), order.tax_amount),
            (_("Total"), order.total_amount),
        ):
            pdf.cell(154, 7, label, align="R")
            pdf.cell(
                36, 7, f"{value:.2f} {order.currency_id}", align="R", new_x="LMARGIN", new_y="NEXT"
            )
        if order.note:
            pdf.ln(4)
            pdf.multi_cell(0, 6, order.note)
        return bytes(pdf.output())


def send_order_email(*, order_id: int, to: str) -> None:
    order = SalesOrder.objects.select_related("party", "company").get(pk=order_id)
    with translation.override(order.language or "en"):
        subject = _("Quotation %(number)s from %(company)s") % {
            "number": order,
            "company": order.company.name,
        }
        body = _("Please find attached our quotation %(number)s.") % {"number": order}
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.attach(f"{order}.pdf".replace("/", "-"), order_pdf(order), "application/pdf")
    message.send()


def send_after_commit(*, order_id: int, to: str) -> None:
    def send():
        try:
            send_order_email(order_id=order_id, to=to)
        except Exception:  # a mail outage must not undo the sent state; it is logged
            logger.exception("sending sales order %s to %s failed", order_id, to)

    transaction.on_commit(send)
