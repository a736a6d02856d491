"""Settings -> Integrations: webhook endpoints, their secret (shown once) and delivery log."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import webhooks
from tandem.core.errors import DomainError
from tandem.core.event_catalog import event_names
from tandem.core.middleware import request_has_perm
from tandem.core.models import WebhookDelivery, WebhookEndpoint

PERM = "core.manage_webhooks"
LOG_ROWS = 100


class WebhookForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Endpoint URL"), max_length=2000)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(name, name) for name in event_names()]


def _require(request):
    if request.company is None or not request_has_perm(request, PERM):
        raise PermissionDenied


def _page(request, form, secret=None, created=None):
    endpoints = WebhookEndpoint.objects.filter(company=request.company).order_by("pk")
    return render(
        request,
        "web/integrations.html",
        {"form": form, "endpoints": endpoints, "secret": secret, "created": created},
    )


@login_required
def integrations(request):
    _require(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_create(
                company=request.company,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                user=request.user,
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            # rendered, not redirected: the secret is never stored anywhere it could be
            # shown again (no session, no message queue)
            return _page(request, WebhookForm(), secret=secret, created=endpoint)
    return _page(request, form)


@login_required
def integration_detail(request, endpoint_id):
    _require(request)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, company=request.company)
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-pk")[:LOG_ROWS]
    )
    return render(
        request,
        "web/integration_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries},
    )


@login_required
@require_POST
def integration_toggle(request, endpoint_id):
    _require(request)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, company=request.company)
    webhooks.webhook_update(endpoint=endpoint, active=not endpoint.active)
    messages.success(
        request, _("Endpoint disabled.") if endpoint.active else _("Endpoint enabled.")
    )
    return redirect("web:integration_detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def integration_delete(request, endpoint_id):
    _require(request)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, company=request.company)
    webhooks.webhook_delete(endpoint=endpoint)
    messages.success(request, _("Endpoint deleted."))
    return redirect("web:integrations")


@login_required
@require_POST
def delivery_replay(request, delivery_id):
    _require(request)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"),
        pk=delivery_id,
        company=request.company,
    )
    try:
        webhooks.delivery_replay(delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Delivery queued again."))
    return redirect("web:integration_detail", endpoint_id=delivery.endpoint_id)
