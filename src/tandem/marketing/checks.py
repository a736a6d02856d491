"""Marketing invariants behind `tandem check-integrity` (set-based)."""

from django.db.models import Count, Exists, OuterRef, Q

from tandem.core.integrity import register

from .models import (
    CampaignRecipient,
    CampaignState,
    CampaignTouch,
    Suppression,
    TouchKind,
    TraceState,
)


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


@register("marketing: a message that left has one sent touch, a clicked one its click touch")
def touches_match_traces():
    sent = Count("touches", filter=Q(touches__kind=TouchKind.SENT))
    bad_sent = (
        CampaignRecipient.objects.filter(state__in=[TraceState.SENT, TraceState.BOUNCED])
        .annotate(sent_touches=sent)
        .exclude(sent_touches=1)
    )
    for pk, campaign_id, n in bad_sent.values_list("pk", "campaign_id", "sent_touches")[:50]:
        yield f"campaign {campaign_id}: trace {pk} left with {n} sent touches (1 expected)"
    clicks = CampaignTouch.objects.filter(recipient=OuterRef("pk"), kind=TouchKind.CLICK)
    bad_click = CampaignRecipient.objects.filter(clicked_at__isnull=False).filter(~Exists(clicks))
    for pk, campaign_id in bad_click.values_list("pk", "campaign_id")[:50]:
        yield f"campaign {campaign_id}: trace {pk} was clicked without a click touch"
