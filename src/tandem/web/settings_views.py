"""Settings pages: the current company and its profile, its members and roles, exchange
rates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import services
from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.middleware import SESSION_COMPANY_KEY, request_has_perm
from tandem.core.models import CompanyBankAccount, ExchangeRate, Membership, User
from tandem.core.profile import (
    PROFILE_FIELDS,
    company_logo_bytes,
    company_profile,
    company_profile_update,
)

from .forms import (
    BankAccountFormSet,
    CompanyCreateForm,
    CompanyForm,
    CompanyProfileForm,
    ExchangeRateForm,
    MemberForm,
    MemberRolesForm,
)


def _require(request, perm):
    if request.company is None or not request_has_perm(request, perm):
        raise PermissionDenied


def form_error(form, exc: DomainError):
    """Show a service refusal on the field it names, else on the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
def settings_page(request):
    company = request.company
    can_manage = company is not None and request_has_perm(request, "core.view_user")
    members = []
    if can_manage:
        members = (
            Membership.objects.filter(company=company)
            .select_related("user")
            .prefetch_related("roles")
            .order_by("user__username")
        )
    company_form = None
    if company is not None and request_has_perm(request, "core.change_company"):
        company_form = CompanyForm(instance=company)
    return render(
        request,
        "web/settings.html",
        {
            "company": company,
            "members": members,
            "company_form": company_form,
            "can_add_member": company is not None and request_has_perm(request, "core.add_user"),
            "can_integrate": company is not None
            and request_has_perm(request, "core.manage_webhooks"),
            "history": history_rows(company) if company is not None else [],
        },
    )


@login_required
@require_POST
def company_edit(request):
    _require(request, "core.change_company")
    form = CompanyForm(request.POST, instance=request.company)
    if form.is_valid():
        try:
            # through the service: it refuses a time zone this system does not know
            services.company_update(company=request.company, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Company saved."))
            return redirect("web:settings")
    return render(
        request,
        "web/settings.html",
        {"company": request.company, "company_form": form, "members": []},
    )


@login_required
def company_add(request):
    allowed = (
        request.user.is_superuser
        or Membership.objects.filter(
            user=request.user, is_active=True, roles__code__in=["owner", "admin"]
        ).exists()
    )
    if not allowed:
        raise PermissionDenied
    form = CompanyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            request.session[SESSION_COMPANY_KEY] = company.code
            messages.success(request, _("Company created."))
            return redirect("web:settings")
    return render(request, "web/company_form.html", {"form": form})


@login_required
def member_add(request):
    _require(request, "core.add_user")
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_create(company=request.company, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("User added."))
            return redirect("web:settings")
    return render(request, "web/member_form.html", {"form": form, "member": None})


@login_required
def member_edit(request, user_id):
    _require(request, "core.change_user")
    membership = get_object_or_404(
        Membership.objects.select_related("user"), company=request.company, user_id=user_id
    )
    initial = {"roles": [r.code for r in membership.roles.all()], "is_active": membership.is_active}
    form = MemberRolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                company=request.company,
                user=membership.user,
                acting_user=request.user,
                roles=form.cleaned_data["roles"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Roles saved."))
            return redirect("web:settings")
    return render(request, "web/member_form.html", {"form": form, "member": membership.user})


@login_required
@require_POST
def member_remove(request, user_id):
    _require(request, "core.delete_user")
    user = get_object_or_404(User, pk=user_id, memberships__company=request.company)
    try:
        services.member_remove(company=request.company, user=user, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("User removed from this company."))
    return redirect("web:settings")


@login_required
def exchange_rates(request):
    _require(request, "core.view_exchangerate")
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST":
        _require(request, "core.add_exchangerate")
        if form.is_valid():
            try:
                services.exchange_rate_set(
                    company=request.company,
                    currency=form.cleaned_data["currency"],
                    on_date=form.cleaned_data["date"],
                    rate=form.cleaned_data["rate"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Exchange rate saved."))
                return redirect("web:exchange_rates")
    rates = ExchangeRate.objects.filter(company=request.company).order_by("-date", "currency_id")
    return render(request, "web/exchange_rates.html", {"form": form, "rates": rates[:200]})


@login_required
@require_POST
def exchange_rate_delete(request, rate_id):
    _require(request, "core.delete_exchangerate")
    get_object_or_404(ExchangeRate, pk=rate_id, company=request.company).delete()
    messages.success(request, _("Exchange rate deleted."))
    return redirect("web:exchange_rates")


def _profile_initial(company) -> tuple[dict, list[dict]]:
    profile = company_profile(company)
    initial = {field: getattr(profile, field) for field in PROFILE_FIELDS}
    accounts = list(
        CompanyBankAccount.objects.filter(company=company)
        .order_by("-is_default", "id")
        .values("bank_name", "holder", "number", "bic", "is_default")
    )
    return initial, accounts


def _profile_refusal(form, formset, exc: DomainError) -> None:
    """Each refused field next to its input: `bank_accounts.1.number` on the second row."""
    for error in exc.errors or [{"field": exc.field, "message": exc.message}]:
        field, message = error.get("field") or "", error.get("message") or exc.message
        parts = field.split(".")
        if parts[0] == "bank_accounts" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            rows = [f for f in formset.forms if not f.is_blank()]
            if index < len(rows) and parts[2] in rows[index].fields:
                rows[index].add_error(parts[2], message)
                continue
        form.add_error(field if field in form.fields else None, message)


@login_required
def company_profile_edit(request):
    """The company profile: names, address, tax id, contacts, bank accounts and logo."""
    _require(request, "core.change_company")
    company = request.company
    initial, accounts = _profile_initial(company)
    if request.method == "POST":
        form = CompanyProfileForm(request.POST, request.FILES, initial=initial)
        formset = BankAccountFormSet(request.POST, prefix="bank")
        if form.is_valid() and formset.is_valid():
            data = {f: form.cleaned_data.get(f) or "" for f in PROFILE_FIELDS}
            upload = form.cleaned_data.get("logo")
            try:
                company_profile_update(
                    company=company,
                    bank_accounts=[row.cleaned_data for row in formset.forms if not row.is_blank()],
                    logo=upload.read() if upload else None,
                    logo_clear=form.cleaned_data.get("logo_clear", False),
                    **data,
                )
            except DomainError as exc:
                _profile_refusal(form, formset, exc)
            else:
                messages.success(request, _("Company profile saved."))
                return redirect("web:company_profile")
        status = 422
    else:
        form = CompanyProfileForm(initial=initial)
        formset = BankAccountFormSet(initial=accounts, prefix="bank")
        status = 200
    return render(
        request,
        "web/company_profile.html",
        {"form": form, "formset": formset, "profile": company_profile(company)},
        status=status,
    )


@login_required
def company_logo(request):
    """The logo as stored, for the profile page (the data dir is not served as static)."""
    if request.company is None:
        raise Http404
    content = company_logo_bytes(request.company)
    if content is None:
        raise Http404
    kind = "image/png" if content[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return HttpResponse(content, content_type=kind)
