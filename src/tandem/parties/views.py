"""Pages of the party master: thin, the forms call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core import panels
from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm

from . import queries, services
from .forms import AddressForm, ContactForm, PartyForm, PaymentTermForm, TagForm, country_name
from .models import Address, Contact, Party, PaymentTerm, Tag

PAGE_SIZE = 50
ACTIVE_CHOICES = {"": True, "archived": False, "all": None}


def _need(request, perm: str) -> None:
    if request.company is None or not request_has_perm(request, perm):
        raise PermissionDenied


def _perms(request) -> dict:
    return {
        action: request_has_perm(request, f"parties.{action}_party")
        for action in ("add", "change", "delete")
    }


def _party(request, pk) -> Party:
    return get_object_or_404(Party.objects.filter(company=request.company), pk=pk)


def _filters(params) -> dict:
    """The list filters from the query string; unknown values fall back to 'no filter'."""
    role = params.get("role", "")
    ordering = params.get("ordering", "name")
    status = params.get("status", "")
    return {
        "search": params.get("search", "").strip()[:200],
        "role": role if role in queries.ROLES else "",
        "country": params.get("country", "").strip().upper()[:2],
        "tag": params.get("tag", "").strip()[:50],
        "active": ACTIVE_CHOICES.get(status, True),
        "ordering": ordering if ordering in queries.ORDERINGS else "name",
    }


# -- list and export -------------------------------------------------------------------------


@login_required
def party_list(request):
    _need(request, "parties.view_party")
    filters = _filters(request.GET)
    qs = queries.parties_filtered(request.company, **filters).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "status": request.GET.get("status", ""),
        "perms_party": _perms(request),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "party-results" and not htmx.history_restore_request:
        response = render(request, "parties/_results.html", context)
    else:
        context["countries"] = [
            (code, country_name(code)) for code in queries.party_countries(request.company)
        ]
        context["tags"] = Tag.objects.filter(company=request.company).order_by("name")
        response = render(request, "parties/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def party_export(request):
    """The filtered list (all pages) as CSV or XLSX."""
    _need(request, "parties.view_party")
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    qs = queries.parties_filtered(request.company, **_filters(request.GET))
    stamp = timezone.localdate().isoformat()
    return export_response(
        fmt=fmt,
        filename=f"parties-{request.company.code}-{stamp}",
        headers=queries.export_headers(),
        rows=queries.export_rows(qs),
    )


# -- one party -------------------------------------------------------------------------------


@login_required
def party_detail(request, pk):
    _need(request, "parties.view_party")
    party = queries.party_detail(request.company, pk)
    if party is None:
        raise Http404
    return render(
        request,
        "parties/detail.html",
        {
            "party": party,
            "country": country_name(party.country),
            "history": history_rows(party),
            "perms_party": _perms(request),
            "panels": panels.render("party.detail", request, party),
        },
    )


def _duplicate_of(request, form):
    if form.duplicate_id is None:
        return None
    return Party.objects.filter(company=request.company, pk=form.duplicate_id).first()


@login_required
@require_http_methods(["GET", "POST"])
def party_create(request):
    _need(request, "parties.add_party")
    form = PartyForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        party = form.run(
            services.party_create,
            company=request.company,
            allow_duplicate=form.cleaned_data["allow_duplicate"],
            **form.service_data(),
        )
        if party is not None:
            messages.success(request, _("%(name)s was created.") % {"name": party.name})
            return redirect("parties:detail", pk=party.pk)
    return render(
        request,
        "parties/form.html",
        {"form": form, "party": None, "duplicate": _duplicate_of(request, form)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def party_edit(request, pk):
    _need(request, "parties.change_party")
    party = _party(request, pk)
    form = PartyForm(
        request.POST or None, company=request.company, initial=PartyForm.initial_from(party)
    )
    if request.method == "POST" and form.is_valid():
        updated = form.run(
            services.party_update,
            party=party,
            allow_duplicate=form.cleaned_data["allow_duplicate"],
            **form.service_data(),
        )
        if updated is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": updated.name})
            return redirect("parties:detail", pk=party.pk)
    return render(
        request,
        "parties/form.html",
        {"form": form, "party": party, "duplicate": _duplicate_of(request, form)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def party_delete(request, pk):
    _need(request, "parties.delete_party")
    party = _party(request, pk)
    if request.method == "POST":
        try:
            services.party_delete(party=party)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("parties:detail", pk=party.pk)
        messages.success(request, _("%(name)s was deleted.") % {"name": party.name})
        return redirect("parties:list")
    return render(request, "parties/confirm_delete.html", {"party": party})


# -- contacts and addresses ------------------------------------------------------------------


def _child_form(request, party, *, form_class, instance, kwarg, create, update, title):
    """Add or edit a contact or an address; `kwarg` names the instance for `update`."""
    initial = {f: getattr(instance, f) for f in form_class.FIELDS} if instance else {}
    if instance is None and form_class is AddressForm:
        initial["country"] = party.country
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form_class.FIELDS}
        if instance is None:
            done = form.run(create, party=party, **data)
        else:
            done = form.run(update, **{kwarg: instance}, **data)
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("parties:detail", pk=party.pk)
    return render(
        request,
        "parties/child_form.html",
        {"form": form, "party": party, "instance": instance, "title": title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request, pk, contact_id=None):
    _need(request, "parties.change_party")
    party = _party(request, pk)
    contact = get_object_or_404(party.contacts, pk=contact_id) if contact_id else None
    return _child_form(
        request,
        party,
        form_class=ContactForm,
        instance=contact,
        kwarg="contact",
        create=services.contact_create,
        update=services.contact_update,
        title=_("Edit contact person") if contact else _("New contact person"),
    )


@login_required
@require_POST
def contact_delete(request, pk, contact_id):
    _need(request, "parties.change_party")
    party = _party(request, pk)
    contact = get_object_or_404(Contact.objects.filter(party=party), pk=contact_id)
    services.contact_delete(contact=contact)
    messages.success(request, _("%(name)s was removed.") % {"name": contact.name})
    return redirect("parties:detail", pk=party.pk)


@login_required
@require_http_methods(["GET", "POST"])
def address_form(request, pk, address_id=None):
    _need(request, "parties.change_party")
    party = _party(request, pk)
    address = get_object_or_404(party.addresses, pk=address_id) if address_id else None
    return _child_form(
        request,
        party,
        form_class=AddressForm,
        instance=address,
        kwarg="address",
        create=services.address_create,
        update=services.address_update,
        title=_("Edit address") if address else _("New address"),
    )


@login_required
@require_POST
def address_delete(request, pk, address_id):
    _need(request, "parties.change_party")
    party = _party(request, pk)
    address = get_object_or_404(Address.objects.filter(party=party), pk=address_id)
    services.address_delete(address=address)
    messages.success(request, _("The address was removed."))
    return redirect("parties:detail", pk=party.pk)


# -- tags and payment terms ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tag_list(request):
    _need(request, "parties.view_tag")
    form = TagForm(request.POST or None)
    if request.method == "POST":
        _need(request, "parties.add_tag")
        if form.is_valid():
            tag = form.run(services.tag_create, company=request.company, **form.cleaned_data)
            if tag is not None:
                messages.success(request, _("Tag %(name)s was created.") % {"name": tag.name})
                return redirect("parties:tags")
    tags = (
        Tag.objects.filter(company=request.company)
        .annotate(party_count=Count("parties"))
        .order_by("name")
    )
    return render(
        request,
        "parties/tags.html",
        {
            "form": form,
            "tags": tags,
            "can_add": request_has_perm(request, "parties.add_tag"),
            "can_delete": request_has_perm(request, "parties.delete_tag"),
        },
    )


@login_required
@require_POST
def tag_delete(request, tag_id):
    _need(request, "parties.delete_tag")
    tag = get_object_or_404(Tag.objects.filter(company=request.company), pk=tag_id)
    services.tag_delete(tag=tag)
    messages.success(request, _("Tag %(name)s was deleted.") % {"name": tag.name})
    return redirect("parties:tags")


@login_required
@require_http_methods(["GET", "POST"])
def payment_term_list(request):
    _need(request, "parties.view_paymentterm")
    form = PaymentTermForm(request.POST or None)
    if request.method == "POST":
        _need(request, "parties.add_paymentterm")
        if form.is_valid():
            term = form.run(
                services.payment_term_create, company=request.company, **form.cleaned_data
            )
            if term is not None:
                messages.success(
                    request, _("Payment term %(name)s was created.") % {"name": term.name}
                )
                return redirect("parties:payment_terms")
    terms = (
        PaymentTerm.objects.filter(company=request.company)
        .annotate(party_count=Count("parties"))
        .order_by("due_days", "name")
    )
    return render(
        request,
        "parties/payment_terms.html",
        {
            "form": form,
            "terms": terms,
            "can_add": request_has_perm(request, "parties.add_paymentterm"),
            "can_delete": request_has_perm(request, "parties.delete_paymentterm"),
        },
    )


@login_required
@require_POST
def payment_term_delete(request, term_id):
    _need(request, "parties.delete_paymentterm")
    term = get_object_or_404(PaymentTerm.objects.filter(company=request.company), pk=term_id)
    try:
        services.payment_term_delete(term=term)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Payment term %(name)s was deleted.") % {"name": term.name})
    return redirect("parties:payment_terms")
