"""The one customer/supplier master: parties, their contact persons, addresses, tags, terms."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped


class PaymentTerm(CompanyScoped):
    """When a party's invoices fall due: `due_days` after the invoice date."""

    name = models.CharField(_("name"), max_length=100)
    due_days = models.PositiveIntegerField(_("due days"), default=0)

    class Meta:
        ordering = ["due_days", "name"]
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="payment_term_unique_name"),
            models.CheckConstraint(
                condition=Q(due_days__gte=0), name="payment_term_due_days_gte_0"
            ),
        ]

    def __str__(self):
        return self.name


class Tag(CompanyScoped):
    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("colour"), max_length=7, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="tag_unique_name_ci"),
        ]

    def __str__(self):
        return self.name


class Party(CompanyScoped):
    """An organisation or a person the company deals with: customer, supplier or both."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Organisation")
        PERSON = "person", _("Person")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.ORGANIZATION)
    name = models.CharField(_("name"), max_length=200)
    is_customer = models.BooleanField(_("customer"), default=False)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164"))
    website = models.URLField(_("website"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=50, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    # the language of the documents sent to the party; blank: the company's
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        choices=[("", _("Company default")), ("en", "English"), ("zh-hans", "简体中文")],
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    payment_term = models.ForeignKey(
        PaymentTerm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
        verbose_name=_("payment term"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="parties", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        indexes = [
            models.Index(fields=["company", "name"], name="party_company_name"),
            models.Index(fields=["company", "email"], name="party_company_email"),
            models.Index(fields=["company", "tax_id"], name="party_company_tax_id"),
            models.Index(fields=["company", "created_at"], name="party_company_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="party_credit_limit_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["organization", "person"]), name="party_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def roles(self) -> list[str]:
        return [
            r for r, on in (("customer", self.is_customer), ("supplier", self.is_supplier)) if on
        ]


class Contact(CompanyScoped):
    """A person at a party (the buyer, the accountant, the warehouse manager)."""

    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("party")
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        indexes = [models.Index(fields=["party", "name"], name="contact_party_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["party"], condition=Q(is_primary=True), name="contact_one_primary"
            ),
        ]

    def __str__(self):
        return self.name


class Address(CompanyScoped):
    class Kind(models.TextChoices):
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        OTHER = "other", _("Other")

    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("party")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.BILLING)
    street = models.CharField(_("street"), max_length=200, blank=True)
    street2 = models.CharField(_("street 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state / province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-is_default", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "kind"],
                condition=Q(is_default=True),
                name="address_one_default_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["billing", "shipping", "other"]), name="address_kind_valid"
            ),
        ]

    def __str__(self):
        parts = [self.street, self.street2, self.postal_code, self.city, self.state, self.country]
        return ", ".join(p for p in parts if p) or str(self.get_kind_display())
