"""Sales background jobs (see tandem.core.jobs)."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from tandem.core.jobs import job_kind

from .services import sales_orders_invoice_period

INVOICE_PERIOD = "sales.invoice_period"


@job_kind(INVOICE_PERIOD, label=_("Period invoicing"))
def invoice_period(ctx, date_from: str, date_to: str, date: str = "", post: bool = True) -> dict:
    """Invoice every invoiceable order of the period; refused orders are the job's errors."""
    answers = sales_orders_invoice_period(
        company=ctx.company,
        date_from=_day(date_from),
        date_to=_day(date_to),
        date=_day(date) if date else None,
        post=post,
        user=ctx.user,
        progress=lambda done, total: ctx.progress(done, total),
    )
    for order, _invoice, error in answers:
        if error is not None:
            ctx.error(f"{order}: {error.message}", code=error.code, row=order.pk)
    return {
        "invoiced": sum(error is None for _o, _i, error in answers),
        "failed": sum(error is not None for _o, _i, error in answers),
        "invoices": [invoice.pk for _o, invoice, error in answers if error is None],
    }


def _day(value: str):
    return date.fromisoformat(value)
