"""The company's profile: what its documents say about it (names, address, tax id, bank, logo).

Kept beside Company rather than on it so that the company row stays small and locked rarely;
every document renderer reads it through `tandem.core.profile.company_profile`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import Company, TimeStamped

DOCUMENT_LANGUAGES = [("", _("By country")), ("en", "English"), ("zh-hans", "简体中文")]


def logo_path(profile, filename: str) -> str:
    # one file per company; the service names it by its verified format, not the upload's name
    return f"company/{profile.company_id}/{filename}"


class CompanyProfile(TimeStamped):
    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="profile", verbose_name=_("company")
    )
    legal_name_en = models.CharField(_("legal name (English)"), max_length=200, blank=True)
    legal_name_zh = models.CharField(_("legal name (Chinese)"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    street2 = models.CharField(_("street 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("province / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    tax_id = models.CharField(
        _("tax ID"),
        max_length=50,
        blank=True,
        help_text=_("China: the 18-character unified social credit code."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    logo = models.FileField(_("logo"), upload_to=logo_path, max_length=200, blank=True)
    document_language = models.CharField(
        _("document language"),
        max_length=10,
        blank=True,
        choices=DOCUMENT_LANGUAGES,
        help_text=_("For parties without a preferred language."),
    )

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profiles")

    def __str__(self):
        return self.legal_name_en or self.legal_name_zh or str(self.company_id)


class CompanyBankAccount(TimeStamped):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="bank_accounts", verbose_name=_("company")
    )
    bank_name = models.CharField(_("bank"), max_length=200)
    holder = models.CharField(_("account holder"), max_length=200)
    number = models.CharField(_("account number / IBAN"), max_length=64)
    bic = models.CharField(_("BIC / SWIFT"), max_length=11, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_default=True), name="bank_account_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.bank_name} {self.number}"
