"""Documents attached to an employee: contracts, ID copies, certificates.

The file lives in the default storage (the data dir's media folder, as the company logo does:
served by the app behind login, never as a public URL, and kept by `tandem backup`). Its name
in storage is random; the uploader's file name is kept only as text for the download."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .org import Employee


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    ID = "id", _("ID document")
    CERTIFICATE = "certificate", _("Certificate")
    OTHER = "other", _("Other")


def document_path(document, filename: str) -> str:
    # the service passes a random name with the extension of the verified content type
    return f"hr/{document.company_id}/employees/{document.employee_id}/{filename}"


class EmployeeDocument(CompanyScoped):
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="documents", verbose_name=_("employee")
    )
    kind = models.CharField(_("document type"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["employee_id", "-created_at", "-pk"]
        verbose_name = _("employee document")
        verbose_name_plural = _("employee documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="hr_document_valid_to_after_from",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="hr_document_not_empty"),
        ]
        indexes = [
            models.Index(fields=["company", "employee"]),
            models.Index(fields=["company", "valid_to"]),
        ]

    def __str__(self):
        return self.title or self.filename
