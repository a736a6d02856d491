"""The customer 360 panel on the party page, and the "send email" form of a timeline."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view
from tandem.parties.models import Party

from .. import services
from ..forms import EmailForm
from ..models import Lead, Opportunity
from ..queries.overview import party_overview
from ..queries.visibility import request_scope, visible
from ._common import back

PANEL_TIMELINE = 15


def party_panel(request, party):
    """Registered for "party.detail" in CrmConfig.ready; hidden without CRM access."""
    company = getattr(request, "company", None)
    if company is None or party.company_id != company.pk:
        return None
    if not request_has_perm(request, "crm.view_opportunity"):
        return None
    view = party_overview(
        company,
        party,
        scope=request_scope(request),
        limit=PANEL_TIMELINE,
    )
    money = request_has_perm(request, "accounting.view_invoice")
    top = max([view["revenue_this_year"], view["revenue_last_year"], 1])
    return render_to_string(
        "crm/_party_360.html",
        {
            "view": view,
            "party": party,
            "show_money": money,
            "bar_this": int(max(view["revenue_this_year"], 0) * 100 / top),
            "bar_last": int(max(view["revenue_last_year"], 0) * 100 / top),
            "email_form": EmailForm(initial={"to": party.email}),
            "can_email": request_has_perm(request, "crm.add_interaction"),
            "record": {"party": party.pk},
        },
        request=request,
    )


def _record(request):
    """The lead, opportunity or party named by the form (the caller may see it)."""
    company = request.company
    if request.POST.get("opportunity"):
        qs = visible(Opportunity.objects.filter(company=company), request)
        return get_object_or_404(qs, pk=request.POST["opportunity"])
    if request.POST.get("lead"):
        qs = visible(Lead.objects.filter(company=company), request)
        return get_object_or_404(qs, pk=request.POST["lead"])
    return get_object_or_404(Party.objects.filter(company=company), pk=request.POST.get("party"))


@company_view("crm.add_interaction")
@require_POST
def email_send(request):
    form = EmailForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
        return back(request, "crm:home")
    try:
        services.email_send(
            company=request.company,
            record=_record(request),
            user=request.user,
            **form.cleaned_data,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The email was sent and logged."))
    return back(request, "crm:home")
