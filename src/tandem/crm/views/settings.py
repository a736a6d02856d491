"""CRM settings: pipeline stages, lost reasons, sales teams and the web-to-lead snippet."""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.models import User
from tandem.core.views import company_view

from .. import services
from ..forms import HONEYPOT, LostReasonForm, StageForm, TeamForm
from ..models import LostReason, PipelineStage, SalesTeam
from ..queries.visibility import crm_settings
from ._common import need, perms

SETTINGS_PERM = "crm.view_pipelinestage"


def _stage_data(form) -> dict:
    data = dict(form.cleaned_data)
    if data.get("sequence") is None:
        data.pop("sequence", None)
    return data


@company_view(SETTINGS_PERM)
@require_http_methods(["GET", "POST"])
def settings_page(request):
    company = request.company
    services.pipeline_seed(company=company)
    stage_form = StageForm(
        request.POST if request.POST.get("form") == "stage" else None,
        company=company,
        initial={"probability": 10},
        prefix="stage",
    )
    reason_form = LostReasonForm(
        request.POST if request.POST.get("form") == "reason" else None, prefix="reason"
    )
    team_form = TeamForm(
        request.POST if request.POST.get("form") == "team" else None, company=company, prefix="team"
    )
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "visibility":
            need(request, "crm.change_crmsettings")
            services.crm_settings_update(
                company=company, team_visibility=request.POST.get("team_visibility") == "on"
            )
            messages.success(request, _("The settings were saved."))
            return redirect("crm:settings")
        if kind == "mail_token":
            need(request, "crm.change_crmsettings")
            services.mail_in_token(company=company, regenerate=True)
            messages.success(request, _("A new inbound email token was made."))
            return redirect("crm:settings")
        if kind == "stage":
            need(request, "crm.add_pipelinestage")
            if stage_form.is_valid() and stage_form.run(
                services.stage_create, company=company, **_stage_data(stage_form)
            ):
                messages.success(request, _("The stage was added."))
                return redirect("crm:settings")
        elif kind == "reason":
            need(request, "crm.add_lostreason")
            if reason_form.is_valid() and reason_form.run(
                services.lost_reason_create, company=company, **reason_form.cleaned_data
            ):
                messages.success(request, _("The lost reason was added."))
                return redirect("crm:settings")
        elif kind == "team":
            need(request, "crm.add_salesteam")
            if team_form.is_valid() and team_form.run(
                services.team_create,
                company=company,
                name=team_form.cleaned_data["name"],
                leader=team_form.cleaned_data["leader"],
                members=list(team_form.cleaned_data["members"]),
            ):
                messages.success(request, _("The sales team was added."))
                return redirect("crm:settings")
    stages = (
        PipelineStage.objects.filter(company=company)
        .select_related("team")
        .annotate(opp_count=Count("opportunities"))
        .order_by("team__name", "sequence", "id")
    )
    pipelines: dict = {}
    for stage in stages:
        pipelines.setdefault(stage.team, []).append(stage)
    form_url = request.build_absolute_uri(reverse("crm:web_form", args=[company.code]))
    return render(
        request,
        "crm/settings.html",
        {
            "pipelines": list(pipelines.items()),
            "reasons": LostReason.objects.filter(company=company).annotate(
                used=Count("opportunities")
            ),
            "teams": SalesTeam.objects.filter(company=company)
            .select_related("leader")
            .prefetch_related(Prefetch("members", queryset=User.objects.order_by("username"))),
            "stage_form": stage_form,
            "reason_form": reason_form,
            "team_form": team_form,
            "form_url": form_url,
            "crm_settings": crm_settings(company),
            "mail_in_url": request.build_absolute_uri(reverse("crm:mail_in", args=[company.code])),
            "can_change_settings": request_has_perm(request, "crm.change_crmsettings"),
            "honeypot": HONEYPOT,
            "perms_crm": perms(request, "pipelinestage", "lostreason", "salesteam"),
        },
    )


@company_view("crm.change_pipelinestage")
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk):
    stage = get_object_or_404(PipelineStage.objects.filter(company=request.company), pk=pk)
    initial = {
        f: getattr(stage, f)
        for f in ("name", "sequence", "probability", "is_won", "is_lost", "fold")
    }
    initial["team"] = stage.team_id
    form = StageForm(request.POST or None, company=request.company, initial=initial)
    form.fields["team"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = _stage_data(form)
        data.pop("team", None)
        if form.run(services.stage_update, stage=stage, **data):
            messages.success(request, _("The stage was saved."))
            return redirect("crm:settings")
    return render(
        request,
        "crm/settings_form.html",
        {"form": form, "title": _("Edit stage"), "delete_url": None},
    )


@company_view("crm.delete_pipelinestage")
@require_POST
def stage_delete(request, pk):
    stage = get_object_or_404(PipelineStage.objects.filter(company=request.company), pk=pk)
    try:
        services.stage_delete(stage=stage)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The stage was deleted."))
    return redirect("crm:settings")


@company_view("crm.change_lostreason")
@require_POST
def reason_toggle(request, pk):
    reason = get_object_or_404(LostReason.objects.filter(company=request.company), pk=pk)
    services.lost_reason_update(reason=reason, active=not reason.active)
    return redirect("crm:settings")


@company_view("crm.delete_lostreason")
@require_POST
def reason_delete(request, pk):
    reason = get_object_or_404(LostReason.objects.filter(company=request.company), pk=pk)
    try:
        services.lost_reason_delete(reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The lost reason was deleted."))
    return redirect("crm:settings")


@company_view("crm.change_salesteam")
@require_http_methods(["GET", "POST"])
def team_edit(request, pk):
    team = get_object_or_404(SalesTeam.objects.filter(company=request.company), pk=pk)
    initial = {
        "name": team.name,
        "leader": team.leader_id,
        "members": list(team.members.values_list("pk", flat=True)),
    }
    form = TeamForm(request.POST or None, company=request.company, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.run(
            services.team_update,
            team=team,
            name=form.cleaned_data["name"],
            leader=form.cleaned_data["leader"],
            members=list(form.cleaned_data["members"]),
        )
    ):
        messages.success(request, _("The sales team was saved."))
        return redirect("crm:settings")
    return render(
        request,
        "crm/settings_form.html",
        {
            "form": form,
            "title": _("Edit sales team"),
            "delete_url": reverse("crm:team_delete", args=[team.pk]),
        },
    )


@company_view("crm.delete_salesteam")
@require_POST
def team_delete(request, pk):
    team = get_object_or_404(SalesTeam.objects.filter(company=request.company), pk=pk)
    try:
        services.team_delete(team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("crm:team_edit", pk=team.pk)
    messages.success(request, _("The sales team was deleted."))
    return redirect("crm:settings")
