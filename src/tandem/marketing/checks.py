"""Marketing invariants behind `tandem check-integrity` (set-based)."""

from django.db.models import Q

from tandem.core.integrity import register

from .models import CampaignRecipient, CampaignState, Suppression, TraceState


@register("marketing: a sent trace has its send time and Message-ID")
def sent_traces_complete():
    bad = CampaignRecipient.objects.filter(state__in=[TraceState.SENT, TraceState.BOUNCED]).filter(
        Q(sent_at__isnull=True) | Q(message_id="")
    )
    for pk, campaign_id in bad.values_list("pk", "campaign_id")[:50]:
        yield f"campaign {campaign_id}: trace {pk} is sent without a send time or Message-ID"


@register("marketing: a sent or cancelled campaign has no trace left queued or sending")
def finished_campaigns_drained():
    bad = CampaignRecipient.objects.filter(
        campaign__state__in=[CampaignState.SENT, CampaignState.CANCELLED],
        state__in=[TraceState.QUEUED, TraceState.SENDING],
    )
    for campaign_id in bad.values_list("campaign_id", flat=True).distinct()[:50]:
        yield f"campaign {campaign_id}: finished with traces still queued or sending"


@register("marketing: suppressed addresses are stored in lower case")
def suppressions_lower_case():
    for pk, address in Suppression.objects.values_list("pk", "address").iterator():
        if address != address.lower():
            yield f"suppression {pk}: {address} is not lower case"
