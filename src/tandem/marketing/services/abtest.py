"""A/B tests: variants of a campaign's subject and/or content sent to a share of the reachable
audience; after a wait, the winner by the stated metric (human open rate or click rate),
when a two-proportion z-test says the difference is significant, else the stated fallback,
goes to the rest.

The freeze splits the queued recipients: `ab_share` percent (at least one per variant),
drawn by a seeded shuffle, round-robin over the variants; the others are `held`. When the
test group has left, the send job sets `ab_decide_at` = now + `ab_wait_hours` and the campaign
stays `sending`. `ab_decide_due` (called by the beat task that starts due campaigns) chooses
the winner, queues the held recipients with it and starts the send job again.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.jobs import job_start

from ..abstats import choose_winner
from ..errors import CampaignStateInvalid
from ..models import (
    AbMetric,
    Campaign,
    CampaignRecipient,
    CampaignState,
    CampaignVariant,
    EmailTemplate,
    TraceState,
)
from ..rendering import template_check

LABELS = "ABCDE"


def _bad(message: str, field: str = "ab"):
    raise ValidationFailed(message, code="campaign.bad_ab", field=field)


@transaction.atomic
def variants_set(
    *,
    campaign: Campaign,
    variants: list[dict],
    share: int = 20,
    metric: str = AbMetric.OPEN,
    wait_hours: int = 4,
    fallback: str = "A",
) -> Campaign:
    """Replace a draft campaign's A/B test. `variants`: [{"subject": str, "template":
    EmailTemplate | None}, ...] labelled A, B, ... in order (2 to 5; each changes the subject
    or the template); an empty list removes the test."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignStateInvalid(
            f"A {locked.state} campaign cannot be changed.", code="campaign.state_invalid"
        )
    CampaignVariant.objects.filter(campaign=locked).delete()
    if not variants:
        return locked
    if not 2 <= len(variants) <= len(LABELS):
        _bad(f"ab.variants: 2 to {len(LABELS)} variants", "ab.variants")
    if isinstance(share, bool) or not isinstance(share, int) or not 1 <= share <= 90:
        _bad("ab.share: a percentage from 1 to 90", "ab.share")
    if metric not in AbMetric.values:
        _bad("ab.metric: open or click", "ab.metric")
    if isinstance(wait_hours, bool) or not isinstance(wait_hours, int):
        _bad("ab.wait_hours: whole hours from 0 to 720", "ab.wait_hours")
    if not 0 <= wait_hours <= 720:
        _bad("ab.wait_hours: whole hours from 0 to 720", "ab.wait_hours")
    labels = LABELS[: len(variants)]
    if fallback not in labels:
        _bad(f"ab.fallback: one of {', '.join(labels)}", "ab.fallback")
    rows = []
    for label, spec in zip(labels, variants, strict=True):
        path = f"ab.variants[{labels.index(label)}]"
        subject = (spec.get("subject") or "").strip()
        template = spec.get("template")
        if template is not None and (
            not isinstance(template, EmailTemplate) or template.company_id != locked.company_id
        ):
            raise InvalidReference(f"{path}.template: no such template", field=f"{path}.template")
        if len(subject) > 300:
            _bad(f"{path}.subject: at most 300 characters", f"{path}.subject")
        if subject:
            template_check(subject=subject, body_html="")
        rows.append(
            CampaignVariant(
                company_id=locked.company_id,
                campaign=locked,
                label=label,
                subject=subject,
                template=template,
            )
        )
    seen = {(r.subject, r.template_id) for r in rows}
    if len(seen) != len(rows):
        _bad("ab.variants: every variant differs in subject or template", "ab.variants")
    CampaignVariant.objects.bulk_create(rows)
    locked.ab_share, locked.ab_metric = share, metric
    locked.ab_wait_hours, locked.ab_fallback = wait_hours, fallback
    locked.save(
        update_fields=["ab_share", "ab_metric", "ab_wait_hours", "ab_fallback", "updated_at"]
    )
    return locked


def split(campaign: Campaign, traces: list[CampaignRecipient], labels: list[str]) -> None:
    """Assign the queued traces (in place, before insert): the test share round-robin over
    the variants in a seeded random order, the rest held."""
    queued = [t for t in traces if t.state == TraceState.QUEUED]
    if not labels or not queued:
        return
    random.Random(f"ab-{campaign.pk}").shuffle(queued)
    size = max(len(labels), round(len(queued) * campaign.ab_share / 100))
    for index, trace in enumerate(queued):
        if index < size:
            trace.variant = labels[index % len(labels)]
        else:
            trace.state = TraceState.HELD


def ab_counts(campaign: Campaign) -> dict[str, tuple[int, int]]:
    """label -> (successes by the campaign's metric, delivered) over the test group."""
    success = (
        Q(human_open=True) if campaign.ab_metric == AbMetric.OPEN else Q(clicked_at__isnull=False)
    )
    rows = (
        CampaignRecipient.objects.filter(campaign=campaign, state=TraceState.SENT)
        .exclude(variant="")
        .values("variant")
        .annotate(n=Count("pk"), x=Count("pk", filter=success))
    )
    counts = {label: (0, 0) for label in campaign.variants.values_list("label", flat=True)}
    for row in rows:
        if row["variant"] in counts:
            counts[row["variant"]] = (row["x"], row["n"])
    return counts


def ab_test_done(campaign: Campaign, now=None) -> None:
    """The test group has left: the winner is chosen `ab_wait_hours` from now."""
    now = now or timezone.now()
    Campaign.objects.filter(pk=campaign.pk, ab_decide_at__isnull=True).update(
        ab_decide_at=now + timedelta(hours=campaign.ab_wait_hours)
    )


@transaction.atomic
def ab_decide(*, campaign: Campaign, user=None) -> Campaign:
    """Choose the winner (significance test, else the fallback), queue the held recipients
    with it and start the send job for them."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state != CampaignState.SENDING or locked.ab_winner:
        raise CampaignStateInvalid(
            "The campaign is not waiting for an A/B winner.", code="campaign.state_invalid"
        )
    result = choose_winner(ab_counts(locked), fallback=locked.ab_fallback)
    result["metric"] = locked.ab_metric
    result["decided_at"] = timezone.now().isoformat()
    locked.ab_winner = result["winner"]
    locked.ab_result = result
    held = CampaignRecipient.objects.filter(campaign=locked, state=TraceState.HELD).update(
        state=TraceState.QUEUED, variant=locked.ab_winner
    )
    result["rest"] = held
    from .campaigns import SEND_JOB

    locked.job = job_start(
        SEND_JOB, company=locked.company, user=user, params={"campaign": locked.pk}
    )
    locked.save(update_fields=["ab_winner", "ab_result", "job", "updated_at"])
    return locked


def ab_decide_due(*, now=None) -> int:
    """Decide every A/B test whose wait is over (the beat task calls this)."""
    now = now or timezone.now()
    due = Campaign.objects.filter(
        state=CampaignState.SENDING, ab_winner="", ab_decide_at__lte=now
    ).order_by("ab_decide_at", "pk")
    decided = 0
    for campaign in due:
        try:
            ab_decide(campaign=campaign, user=campaign.created_by)
            decided += 1
        except CampaignStateInvalid:
            continue
    return decided
