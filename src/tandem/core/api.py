from django.db.models import Prefetch
from ninja import File, Query, Router, Status, UploadedFile

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.api.idempotency import mark_secret
from tandem.core.errors import Forbidden, NotFound

from . import services
from .models import CompanyBankAccount, Currency, ExchangeRate, Membership, User
from .profile import LOGO_MAX_BYTES, PROFILE_FIELDS, company_profile, company_profile_update
from .schemas import (
    NO_NUL,
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    CompanyProfileOut,
    CompanyProfilePatch,
    CurrencyOut,
    ExchangeRateIn,
    ExchangeRateOut,
    ExchangeRatePatch,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)

router = Router()


# -- companies ---------------------------------------------------------------------------


@router.get(
    "/companies",
    response=page_of(CompanyOut),
    tags=["companies"],
    summary="Companies the caller is a member of",
)
def company_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    search: str = Query("", max_length=100),
):
    qs = services.user_companies(request.user).order_by("code")
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(code__icontains=search)
    return paginate(qs.distinct(), limit=limit, offset=offset)


@router.get("/companies/{company_id}", response=CompanyOut, tags=["companies"])
def company_read(request, company_id: int):
    company = services.user_companies(request.user).filter(pk=company_id).first()
    if company is None:
        raise NotFound(f"No company with id {company_id}", code="company.not_found")
    return company


@router.post("/companies", response={201: CompanyOut}, tags=["companies"])
def company_add(request, payload: CompanyIn):
    if not request.user.is_superuser:
        # Owners and admins of any company may open another one.
        allowed = Membership.objects.filter(
            user=request.user, is_active=True, roles__code__in=["owner", "admin"]
        ).exists()
        if not allowed:
            raise Forbidden("Only owners and admins create companies", code="permission.denied")
    company = services.company_create(owner=request.user, **payload.dict())
    return Status(201, company)


@router.patch("/companies/{company_id}", response=CompanyOut, tags=["companies"])
def company_update(request, company_id: int, payload: CompanyPatch):
    company = services.user_companies(request.user).filter(pk=company_id).first()
    if company is None:
        raise NotFound(f"No company with id {company_id}", code="company.not_found")
    if "core.change_company" not in services.user_permissions(request.user, company):
        raise Forbidden("Missing permission core.change_company", code="permission.denied")
    return services.company_update(company=company, **payload.dict(exclude_unset=True))


# -- company profile: what every document prints about the company -------------------------


def _company_for_profile(request, company_id: int, *, change: bool):
    company = services.user_companies(request.user).filter(pk=company_id).first()
    if company is None:
        raise NotFound(f"No company with id {company_id}", code="company.not_found")
    if change and "core.change_company" not in services.user_permissions(request.user, company):
        raise Forbidden("Missing permission core.change_company", code="permission.denied")
    return company


def _profile_out(company) -> dict:
    profile = company_profile(company)
    out = {field: getattr(profile, field) for field in PROFILE_FIELDS}
    out["has_logo"] = bool(profile.logo)
    out["bank_accounts"] = list(
        CompanyBankAccount.objects.filter(company=company)
        .order_by("-is_default", "id")
        .values("bank_name", "holder", "number", "bic", "is_default")
    )
    return out


@router.get("/companies/{company_id}/profile", response=CompanyProfileOut, tags=["companies"])
def company_profile_read(request, company_id: int):
    return _profile_out(_company_for_profile(request, company_id, change=False))


@router.patch("/companies/{company_id}/profile", response=CompanyProfileOut, tags=["companies"])
def company_profile_patch(request, company_id: int, payload: CompanyProfilePatch):
    """Refused fields answer 422 naming each one (`bank_accounts.1.number`); nothing changes."""
    company = _company_for_profile(request, company_id, change=True)
    data = payload.dict(exclude_unset=True)
    accounts = data.pop("bank_accounts", None)
    data = {key: ("" if value is None else value) for key, value in data.items()}
    company_profile_update(company=company, bank_accounts=accounts, **data)
    return _profile_out(company)


@router.post("/companies/{company_id}/logo", response=CompanyProfileOut, tags=["companies"])
def company_logo_upload(request, company_id: int, file: UploadedFile = File(...)):
    """A PNG or JPEG of at most 1 MB and 4000 × 4000 pixels (multipart field `file`)."""
    company = _company_for_profile(request, company_id, change=True)
    content = file.read(LOGO_MAX_BYTES + 1)
    company_profile_update(company=company, logo=content)
    return _profile_out(company)


@router.delete("/companies/{company_id}/logo", response=CompanyProfileOut, tags=["companies"])
def company_logo_delete(request, company_id: int):
    company = _company_for_profile(request, company_id, change=True)
    company_profile_update(company=company, logo_clear=True)
    return _profile_out(company)


# -- currencies and exchange rates ---------------------------------------------------------


@router.get("/currencies", response=page_of(CurrencyOut), tags=["currencies"])
def currency_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    search: str = Query("", max_length=100),
    active: bool | None = None,
):
    qs = Currency.objects.all()
    if search:
        qs = qs.filter(code__icontains=search) | qs.filter(name__icontains=search)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("code"), limit=limit, offset=offset)


@router.get("/currencies/{code}", response=CurrencyOut, tags=["currencies"])
def currency_read(request, code: str):
    currency = Currency.objects.filter(code=code.upper()[:3]).first()
    if currency is None:
        raise NotFound(f"No currency {code}", code="currency.not_found")
    return currency


@router.get("/exchange-rates", response=page_of(ExchangeRateOut), tags=["exchange-rates"])
def exchange_rate_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    currency: str = Query("", max_length=3),
    search: str = Query("", max_length=100, pattern=NO_NUL),
):
    require_perm(request, "core.view_exchangerate")
    qs = ExchangeRate.objects.filter(company=company_of(request)).select_related("company")
    if currency:
        qs = qs.filter(currency_id=currency.upper())
    if search.strip():
        qs = qs.filter(currency__code__icontains=search.strip())
    return paginate(qs.order_by("-date", "currency_id"), limit=limit, offset=offset)


@router.get("/exchange-rates/{rate_id}", response=ExchangeRateOut, tags=["exchange-rates"])
def exchange_rate_read(request, rate_id: int):
    require_perm(request, "core.view_exchangerate")
    return get_scoped(ExchangeRate, request, rate_id, label="exchange_rate")


@router.post("/exchange-rates", response={201: ExchangeRateOut}, tags=["exchange-rates"])
def exchange_rate_add(request, payload: ExchangeRateIn):
    require_perm(request, "core.add_exchangerate")
    rate = services.exchange_rate_set(
        company=company_of(request),
        currency=payload.currency,
        on_date=payload.date,
        rate=payload.rate,
    )
    return Status(201, rate)


@router.patch("/exchange-rates/{rate_id}", response=ExchangeRateOut, tags=["exchange-rates"])
def exchange_rate_update(request, rate_id: int, payload: ExchangeRatePatch):
    require_perm(request, "core.change_exchangerate")
    rate = get_scoped(ExchangeRate, request, rate_id, label="exchange_rate")
    rate.rate = payload.rate
    rate.save()
    return rate


@router.delete("/exchange-rates/{rate_id}", response={204: None}, tags=["exchange-rates"])
def exchange_rate_delete(request, rate_id: int):
    require_perm(request, "core.delete_exchangerate")
    get_scoped(ExchangeRate, request, rate_id, label="exchange_rate").delete()
    return Status(204, None)


# -- users (members of the current company) -----------------------------------------------


def _users_of(company):
    memberships = Membership.objects.filter(company=company).prefetch_related("roles")
    return User.objects.filter(memberships__company=company).prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="company_memberships")
    )


def _user_out(user) -> dict:
    """The user as seen from the current company: its roles and membership state there."""
    membership = user.company_memberships[0]
    fields = (
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "date_joined",
        "updated_at",
    )
    return {
        **{f: getattr(user, f) for f in fields},
        "is_active": user.is_active and membership.is_active,
        "roles": [r.code for r in membership.roles.all()],
    }


def _user_read(request, user_id):
    user = _users_of(company_of(request)).filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"No user with id {user_id}", code="user.not_found")
    return user


@router.get("/users", response=page_of(UserOut), tags=["users"])
def user_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    search: str = Query("", max_length=100),
):
    require_perm(request, "core.view_user")
    qs = _users_of(company_of(request))
    if search:
        qs = qs.filter(username__icontains=search)
    page = paginate(qs.order_by("username"), limit=limit, offset=offset)
    page["items"] = [_user_out(u) for u in page["items"]]
    return page


@router.get("/users/{user_id}", response=UserOut, tags=["users"])
def user_read(request, user_id: int):
    require_perm(request, "core.view_user")
    return _user_out(_user_read(request, user_id))


@router.post("/users", response={201: UserOut}, tags=["users"])
def user_add(request, payload: UserIn):
    require_perm(request, "core.add_user")
    user = services.user_create(company=company_of(request), **payload.dict())
    return Status(201, _user_out(_user_read(request, user.pk)))


@router.patch("/users/{user_id}", response=UserOut, tags=["users"])
def user_update(request, user_id: int, payload: UserPatch):
    require_perm(request, "core.change_user")
    user = _user_read(request, user_id)
    services.member_update(
        company=company_of(request),
        user=user,
        acting_user=request.user,
        **payload.dict(exclude_unset=True),
    )
    return _user_out(_user_read(request, user.pk))


@router.delete("/users/{user_id}", response={204: None}, tags=["users"])
def user_delete(request, user_id: int):
    """Removes the user's membership in this company; the account itself stays."""
    require_perm(request, "core.delete_user")
    services.member_remove(
        company=company_of(request), user=_user_read(request, user_id), acting_user=request.user
    )
    return Status(204, None)


# -- the caller's own API tokens ----------------------------------------------------------


@router.get("/me/tokens", response=list[TokenOut], tags=["tokens"])
def token_list(request):
    return list(request.user.api_tokens.all())


@router.post("/me/tokens", response={201: TokenCreated}, tags=["tokens"])
def token_add(request, payload: TokenIn):
    """The raw token is in this response only. With an Idempotency-Key, a replay answers
    409 idempotency.not_replayable: the response is never stored (list, revoke, make anew)."""
    token, raw = services.token_create(
        user=request.user, name=payload.name, scope=payload.scope, expires_at=payload.expires_at
    )
    mark_secret(request)
    token.token = raw  # shown once, never stored
    return Status(201, token)


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut, tags=["tokens"])
def token_revoke(request, token_id: int):
    return services.token_revoke(user=request.user, token_id=token_id)
