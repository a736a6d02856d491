"""The company's wording of the emails that carry its business documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped


class DocumentKind(models.TextChoices):
    QUOTATION = "quotation", _("Quotation")
    SALES_ORDER = "sales_order", _("Order confirmation")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")
    PAYMENT_RECEIPT = "payment_receipt", _("Payment receipt")
    DELIVERY_SLIP = "delivery_slip", _("Delivery slip")


class DocumentEmailTemplate(CompanyScoped):
    """Subject and body of the email for one kind of document in one language; without a row
    the built-in wording (translated) is used. `{number}`, `{company}`, `{party}`, `{total}`
    and `{due_date}` are filled in; any other text in braces stays as written."""

    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), max_length=10_000)

    class Meta:
        verbose_name = _("document email template")
        verbose_name_plural = _("document email templates")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "language"], name="crm_doc_template_unique"
            )
        ]
