import hashlib
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, Permission
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CompanyQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)


class CompanyScoped(TimeStamped):
    """Every business row belongs to exactly one company."""

    company = models.ForeignKey(
        "core.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True


class Currency(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    minor_unit = models.PositiveSmallIntegerField(_("minor unit"), default=2)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self):
        return self.code


company_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$", _("Letters, digits, '-' and '_' only.")
)


class Company(TimeStamped):
    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[company_code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    country = models.CharField(_("country"), max_length=2, default="CN")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="company_fy_month_range",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class User(AbstractUser):
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("", _("Browser default")), ("en", "English"), ("zh-hans", "简体中文")],
    )
    default_company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default company"),
    )
    # Blank: the company's zone. Checked against the tz database by the services.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Set for a generated admin password: the first login goes to the password change.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    permissions = models.ManyToManyField(
        Permission, blank=True, related_name="tandem_roles", verbose_name=_("permissions")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return self.name


class Membership(TimeStamped):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    roles = models.ManyToManyField(
        Role, blank=True, related_name="memberships", verbose_name=_("roles")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.company.code}"


class ExchangeRate(CompanyScoped):
    """Units of the company currency for one unit of `currency` on `date`."""

    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=8)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "currency__code"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "currency", "date"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=Decimal(0)), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"{self.currency_id} {self.date} {self.rate}"


class Sequence(CompanyScoped):
    """A gapless counter per company, code and year; advanced only under a row lock."""

    code = models.CharField(_("code"), max_length=50)
    year = models.PositiveIntegerField(_("year"))
    prefix = models.CharField(_("prefix pattern"), max_length=50, default="{code}/{year}/")
    padding = models.PositiveSmallIntegerField(_("padding"), default=5)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")
        constraints = [
            models.UniqueConstraint(fields=["company", "code", "year"], name="sequence_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.year}: {self.last_number}"


class SequenceNumber(CompanyScoped):
    """Every number handed out, so `check-integrity` can prove there is no gap."""

    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="numbers")
    number = models.PositiveIntegerField()
    value = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "number"], name="sequence_number_unique"),
        ]


class ApiToken(TimeStamped):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"),
        max_length=20,
        choices=[("read-write", _("Read and write")), ("read", _("Read only"))],
        default="read-write",
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class IdempotencyKey(models.Model):
    """The first response to a POST with `Idempotency-Key`, replayed on retries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.TextField(blank=True)
    # False when the response carried a secret (a new API token) or streamed: only the fact
    # that the request was done is kept, and a replay answers 409 instead of the body.
    replayable = models.BooleanField(default=True)
    # Who holds an in-progress key: a retry that takes over an abandoned one writes its own,
    # so the first request, if it was only slow, cannot store its response over it.
    claim = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]


# Models of the shared machinery live in their own modules of this package (one per concern,
# so that the outbox, jobs, webhooks and company profile can grow without one long file); each
# is imported here so that Django and the migrations see it.
from .calendars import BusinessCalendar, CalendarDay, CalendarDayKind  # noqa: E402, F401
from .events import EventState, OutboxEvent, OutboxReceipt  # noqa: E402, F401
from .imports import ImportKey, ImportMapping  # noqa: E402, F401
from .jobs import FINISHED_STATES, Job, JobState  # noqa: E402, F401
from .profile import CompanyBankAccount, CompanyProfile  # noqa: E402, F401
from .webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
