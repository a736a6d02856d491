"""Core services: reference data, companies and memberships, sequences, API tokens."""

import secrets
import zoneinfo
from datetime import date as date_type
from datetime import timedelta
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_precision, list_currencies
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from . import events
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .models import (
    ApiToken,
    Company,
    Currency,
    ExchangeRate,
    IdempotencyKey,
    Membership,
    Role,
    Sequence,
    SequenceNumber,
    User,
)
from .roles import BUSINESS_APPS, ROLES

# "Leave this field alone" in every app's update services: one marker, so that a value passed
# from one app's service to another's keeps its meaning.
UNSET = object()

ACTIONS = ("add", "change", "delete", "view")


def currencies_sync(*, using: str = "default") -> int:
    """Load ISO 4217 currencies with their minor units from babel's CLDR data."""
    names = Locale("en").currencies
    existing = set(Currency.objects.using(using).values_list("code", flat=True))
    new = [
        Currency(code=code, name=names.get(code, code), minor_unit=get_currency_precision(code))
        for code in sorted(list_currencies())
        if len(code) == 3 and code not in existing
    ]
    Currency.objects.using(using).bulk_create(new, ignore_conflicts=True)
    return len(new)


def _role_permission_ids(
    grants: dict,
    permissions: list[tuple[int, str, str, str]],
    special: list[tuple[int, str, str]],
) -> list[int]:
    chosen = []
    for perm_id, app_label, model, action in permissions:
        level = grants.get(f"{app_label}.{model}", grants.get(app_label))
        if level == "full" or (level == "view" and action == "view"):
            chosen.append(perm_id)
    for perm_id, app_label, codename in special:
        if grants.get("*") == "grant" or grants.get(f"{app_label}.{codename}") == "grant":
            chosen.append(perm_id)
    return chosen


def roles_sync(*, using: str = "default") -> None:
    """Create the fixed roles and map each onto the Django permissions of the apps it grants."""
    permissions, special = [], []
    for perm_id, codename, app_label, model in Permission.objects.using(using).values_list(
        "id", "codename", "content_type__app_label", "content_type__model"
    ):
        action = codename.split("_", 1)[0]
        if action in ACTIONS and codename == f"{action}_{model}":
            permissions.append((perm_id, app_label, model, action))
        elif app_label in BUSINESS_APPS or app_label == "core":  # core: manage_webhooks
            special.append((perm_id, app_label, codename))
    for code, (label, grants) in ROLES.items():
        role, _ = Role.objects.using(using).get_or_create(code=code, defaults={"name": str(label)})
        role.permissions.set(_role_permission_ids(grants, permissions, special))


def reference_data_sync(*, using: str = "default") -> None:
    if not router.allow_migrate_model(using, Currency):
        return
    currencies_sync(using=using)
    roles_sync(using=using)


@cache
def _time_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    return frozenset(zoneinfo.available_timezones())


def time_zone_valid(name) -> bool:
    return isinstance(name, str) and name in _time_zones()


def time_zone_check(name: str, *, field: str = "time_zone") -> str:
    """`name` if it is an IANA zone this system knows, else 422 naming `field`."""
    if not time_zone_valid(name):
        raise ValidationFailed(f"Unknown time zone {name!r}", code="validation.choice", field=field)
    return name


def company_zone(company) -> zoneinfo.ZoneInfo:
    """The company's zone; UTC for a name stored before zones were checked."""
    name = getattr(company, "time_zone", "")
    return zoneinfo.ZoneInfo(name if time_zone_valid(name) else "UTC")


def _currency_get(code: str) -> Currency:
    try:
        return Currency.objects.get(code=code.upper())
    except Currency.DoesNotExist:
        raise ValidationFailed(
            f"Unknown currency {code}", code="currency.unknown", field="currency"
        ) from None


@transaction.atomic
def company_create(
    *,
    code: str,
    name: str,
    currency: str = "CNY",
    country: str = "CN",
    time_zone: str = "Asia/Shanghai",
    fiscal_year_start_month: int = 1,
    owner: User | None = None,
) -> Company:
    currency_obj = _currency_get(currency)
    time_zone_check(time_zone)
    if Company.objects.filter(code__iexact=code).exists():
        raise ValidationFailed(
            f"Company code {code} is taken", code="company.code_taken", field="code"
        )
    company = Company.objects.create(
        code=code,
        name=name,
        currency=currency_obj,
        country=country.upper(),
        time_zone=time_zone,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    if owner is not None:
        membership_grant(user=owner, company=company, roles=["owner"])
    events.emit("company.created", company=company)
    events.publish("company.created", company_id=company.pk)
    return company


def company_currency_in_use(company: Company) -> bool:
    """Whether figures in the company currency have been recorded: every posted ledger entry
    and every other numbered document takes a sequence number, and exchange rates are quoted
    against the company currency."""
    return (
        SequenceNumber.objects.filter(company=company).exists()
        or ExchangeRate.objects.filter(company=company).exists()
    )


@transaction.atomic
def company_update(
    *,
    company: Company,
    name: str | None = None,
    currency: str | None = None,
    time_zone: str | None = None,
    fiscal_year_start_month: int | None = None,
) -> Company:
    """Change a company's settings; `None` leaves a field as it is.

    The currency changes only while nothing has been recorded in it: posted amounts, stock
    values and rates would otherwise silently switch unit.
    """
    locked = Company.objects.select_for_update().get(pk=company.pk)
    changed = []
    if currency is not None and currency.upper() != locked.currency_id:
        currency_obj = _currency_get(currency)
        if company_currency_in_use(locked):
            raise Conflict(
                f"The company currency stays {locked.currency_id}: "
                "documents or ledger entries are recorded in it",
                code="company.currency_locked",
                field="currency",
            )
        locked.currency = currency_obj
        changed.append("currency")
    if time_zone is not None:
        locked.time_zone = time_zone_check(time_zone)
        changed.append("time_zone")
    if name is not None:
        locked.name = name
        changed.append("name")
    if fiscal_year_start_month is not None:
        locked.fiscal_year_start_month = fiscal_year_start_month
        changed.append("fiscal_year_start_month")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def membership_grant(*, user: User, company: Company, roles: list[str]) -> Membership:
    role_objs = list(Role.objects.filter(code__in=roles))
    unknown = set(roles) - {r.code for r in role_objs}
    if unknown:
        raise ValidationFailed(
            f"Unknown roles: {', '.join(sorted(unknown))}", code="role.unknown", field="roles"
        )
    membership, _ = Membership.objects.get_or_create(user=user, company=company)
    membership.is_active = True
    membership.save(update_fields=["is_active", "updated_at"])
    membership.roles.set(role_objs)
    if user.default_company_id is None:
        User.objects.filter(pk=user.pk).update(default_company=company)
        user.default_company = company
    return membership


def user_companies(user):
    if not user.is_authenticated:
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user, memberships__is_active=True)


def company_for_user(user, code: str | None = None) -> Company | None:
    """The company a request acts in: `code` if the user is a member, else its default."""
    companies = user_companies(user)
    if code:
        company = companies.filter(code=code).first()
    else:
        company = None
        if user.default_company_id:
            company = companies.filter(pk=user.default_company_id).first()
        if company is None:
            company = companies.order_by("id").first()
    if company is not None and not time_zone_valid(company.time_zone):
        # A zone stored before zones were checked: the request acts in UTC instead of failing
        # wherever the zone is read. The row keeps its value: GET /companies/{id} shows it.
        company.time_zone = "UTC"
    return company


def user_permissions(user, company) -> frozenset[str]:
    """Django permission names ('app_label.codename') the user holds in `company`."""
    if company is None or not user.is_authenticated:
        return frozenset()
    rows = (
        Permission.objects.filter(
            tandem_roles__memberships__user=user,
            tandem_roles__memberships__company=company,
            tandem_roles__memberships__is_active=True,
        )
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    return frozenset(f"{app}.{codename}" for app, codename in rows)


def _sequence_locked(company: Company, code: str, year: int, prefix: str) -> Sequence:
    lookup = {"company": company, "code": code, "year": year}
    seq = Sequence.objects.select_for_update().filter(**lookup).first()
    if seq is not None:
        return seq
    try:
        with transaction.atomic():
            Sequence.objects.create(**lookup, prefix=prefix)
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return Sequence.objects.select_for_update().get(**lookup)


def sequence_format(seq: Sequence, number: int) -> str:
    prefix = seq.prefix.format(code=seq.code.upper(), year=seq.year)
    return f"{prefix}{number:0{seq.padding}d}"


# No savepoint of its own: nothing catches its errors halfway, and it runs several times in
# every document's transaction.
@transaction.atomic(savepoint=False)
def sequence_next(
    *, company: Company, code: str, on_date: date_type | None = None, prefix: str = "{code}/{year}/"
) -> str:
    """Allocate the next gapless number of `code` for the year of `on_date`.

    Call inside the transaction that uses the number: a rollback returns it.
    """
    year = (on_date or timezone.localdate()).year
    seq = _sequence_locked(company, code, year, prefix)
    number = seq.last_number + 1
    Sequence.objects.filter(pk=seq.pk).update(last_number=number)
    value = sequence_format(seq, number)
    SequenceNumber.objects.create(company=company, sequence=seq, number=number, value=value)
    return value


@transaction.atomic(savepoint=False)
def sequence_next_many(
    *,
    company: Company,
    code: str,
    count: int,
    on_date: date_type | None = None,
    prefix: str = "{code}/{year}/",
) -> list[str]:
    """`count` consecutive gapless numbers of `code` in one call (one lock, three statements).

    The numbers a batch of documents gets are the ones `count` calls of `sequence_next`
    would have given them, in the same order.
    """
    if count <= 0:
        return []
    year = (on_date or timezone.localdate()).year
    seq = _sequence_locked(company, code, year, prefix)
    first = seq.last_number + 1
    last = seq.last_number + count
    Sequence.objects.filter(pk=seq.pk).update(last_number=last)
    values = [sequence_format(seq, n) for n in range(first, last + 1)]
    SequenceNumber.objects.bulk_create(
        [
            SequenceNumber(company=company, sequence=seq, number=n, value=value)
            for n, value in zip(range(first, last + 1), values, strict=True)
        ]
    )
    return values


TOKEN_SCOPES = ("read-write", "read")


def token_create(
    *, user: User, name: str = "", scope: str = "read-write", expires_at=None
) -> tuple[ApiToken, str]:
    """Make a token; the raw value is returned once and only its hash is stored.

    `scope` "read" limits it to GET/HEAD/OPTIONS; `expires_at` (optional) must be in the future.
    """
    if scope not in TOKEN_SCOPES:
        raise ValidationFailed(f"Unknown scope {scope!r}", code="validation.choice", field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(
            "The expiry must be in the future", code="token.expiry_past", field="expires_at"
        )
    raw = "tdm_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:12],
        token_hash=ApiToken.hash(raw),
        scope=scope,
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("No such token", code="token.not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def token_find(raw: str) -> ApiToken | None:
    """The unrevoked token of an active user for `raw`, expired or not (the caller tells an
    expired token apart, so the client learns to make a new one rather than retry)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.is_expired:
        return token
    now = timezone.now()
    # Touch at most once a minute: a read-heavy client should not turn every GET into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_authenticate(raw: str) -> User | None:
    """The user of a valid (unrevoked, unexpired) token, else None."""
    token = token_find(raw)
    return None if token is None or token.is_expired else token.user


def exchange_rate_for(*, company: Company, currency: str, on_date: date_type):
    """The latest rate on or before `on_date`; 1 for the company's own currency."""
    if currency.upper() == company.currency_id:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(
            company=company, currency_id=currency.upper(), date__lte=on_date
        )
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationFailed(
            f"No exchange rate for {currency} on {on_date}",
            code="exchange_rate.missing",
            field="currency",
        )
    return rate


def idempotency_keys_expire(*, older_than_hours: int | None = None) -> int:
    hours = older_than_hours if older_than_hours is not None else settings.IDEMPOTENCY_KEY_TTL_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _validate_email(email: str) -> None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(
                "Enter a valid email address", code="validation.email", field="email"
            ) from None


def password_check(password: str, *, user: User | None = None, field: str = "password") -> None:
    """Django's AUTH_PASSWORD_VALIDATORS, as a 422 naming `field` with every reason."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        messages = list(exc.messages)
        raise ValidationFailed(
            " ".join(messages),
            code="password.invalid",
            field=field,
            errors=[{"field": field, "message": m} for m in messages],
        ) from None


@transaction.atomic
def user_password_set(*, user: User, password: str) -> User:
    """Set `user`'s password after the validators; clears a forced change."""
    password_check(password, user=user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password", "updated_at"])
    return user


@transaction.atomic
def user_preferences_update(*, user: User, language: str, time_zone: str) -> User:
    """The user's own language ("" = the browser's) and time zone ("" = the company's)."""
    if language not in {code for code, _label in User._meta.get_field("language").choices}:
        raise ValidationFailed(
            f"Unknown language {language!r}", code="validation.choice", field="language"
        )
    if time_zone:
        time_zone_check(time_zone)
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone", "updated_at"])
    return user


def user_zone(user, company) -> zoneinfo.ZoneInfo:
    """The zone to show `user` times in: its own when set and valid, else the company's."""
    name = getattr(user, "time_zone", "")
    if time_zone_valid(name):
        return zoneinfo.ZoneInfo(name)
    return company_zone(company)


@transaction.atomic
def user_create(
    *,
    company: Company,
    username: str,
    roles: list[str],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    password: str | None = None,
) -> User:
    """Create a login and make it a member of `company` with `roles`."""
    from .errors import Duplicate

    _validate_email(email)
    if password:
        password_check(password, user=User(username=username, email=email))
    existing = User.objects.filter(username__iexact=username).first()
    if existing:
        raise Duplicate(
            "That username is taken",
            code="user.duplicate",
            field="username",
            extra={"existing_id": existing.pk},
        )
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        default_company=company,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    membership_grant(user=user, company=company, roles=roles)
    return user


def user_identity_check(*, user: User, acting_user: User | None) -> None:
    """Refuse (403 ``user.identity_foreign``) a change to `user`'s login itself (name, email,
    language, password) unless it is the user's own, a superuser's, or made by someone who
    administers users in every company `user` belongs to: the admin of one company must not
    take over an account that also opens another company's books."""
    if acting_user is not None and (acting_user.pk == user.pk or acting_user.is_superuser):
        return
    companies = set(Membership.objects.filter(user=user).values_list("company_id", flat=True))
    administered = set()
    if acting_user is not None:
        administered = set(
            Membership.objects.filter(
                user=acting_user,
                is_active=True,
                company_id__in=companies,
                roles__permissions__codename="change_user",
                roles__permissions__content_type__app_label="core",
            ).values_list("company_id", flat=True)
        )
    if acting_user is None or companies - administered:
        raise Forbidden(
            "This user also belongs to a company you do not administer: only the user "
            "or an admin of each of its companies may change its name, email or password",
            code="user.identity_foreign",
        )


@transaction.atomic
def member_update(
    *,
    company: Company,
    user: User,
    acting_user: User | None = None,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    **profile,
) -> User:
    """Change a member's profile fields, roles in `company`, or membership state.

    Roles and the membership state are `company`'s own; the profile is the login shared by
    every company of the user, so `user_identity_check` decides over it.
    """
    membership = Membership.objects.select_for_update().filter(user=user, company=company).first()
    if membership is None:
        raise NotFound("Not a member of this company", code="user.not_found")
    if profile.get("email"):
        _validate_email(profile["email"])
    changed = [f for f, v in profile.items() if v is not None]
    if changed:
        user_identity_check(user=user, acting_user=acting_user)
    for field in changed:
        setattr(user, field, profile[field])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    if roles is not None:
        membership_grant(user=user, company=company, roles=roles)
    if is_active is not None:
        Membership.objects.filter(pk=membership.pk).update(is_active=is_active)
        if not is_active and user.default_company_id == company.pk:
            other = user_companies(user).exclude(pk=company.pk).order_by("id").first()
            User.objects.filter(pk=user.pk).update(default_company=other)
    return user


@transaction.atomic
def member_remove(*, company: Company, user: User, acting_user: User) -> None:
    if user.pk == acting_user.pk:
        raise ValidationFailed("You cannot remove yourself", code="user.self_delete")
    Membership.objects.filter(user=user, company=company).delete()
    if user.default_company_id == company.pk:
        other = user_companies(user).order_by("id").first()
        User.objects.filter(pk=user.pk).update(default_company=other)


@transaction.atomic
def exchange_rate_set(
    *, company: Company, currency: str, on_date: date_type, rate: Decimal
) -> ExchangeRate:
    """Record the rate of `currency` on `on_date`; a second rate for that day is a duplicate."""
    from .errors import Duplicate

    code = currency.upper()
    if not Currency.objects.filter(code=code).exists():
        raise ValidationFailed(
            f"Unknown currency {currency}", code="currency.unknown", field="currency"
        )
    if code == company.currency_id:
        raise ValidationFailed(
            "The company currency has no exchange rate",
            code="exchange_rate.own_currency",
            field="currency",
        )
    if rate is None or rate <= 0:
        raise ValidationFailed(
            "The rate must be positive", code="exchange_rate.invalid", field="rate"
        )
    existing = ExchangeRate.objects.filter(company=company, currency_id=code, date=on_date).first()
    if existing:
        raise Duplicate(
            "A rate for that currency and date exists",
            code="exchange_rate.duplicate",
            extra={"existing_id": existing.pk},
        )
    return ExchangeRate.objects.create(company=company, currency_id=code, date=on_date, rate=rate)
