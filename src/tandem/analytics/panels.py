"""Sections analytics adds to lower apps' pages through core.panels (registered in
AnalyticsConfig.ready): "Bought together" on the product page, the customer's scores and
"for this customer" on the party page. They read stored predictions only."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tandem.core.views import request_has_perm

from . import queries
from .views import BANDS, VIEW, WORDS, _shown


def together_words(score) -> str:
    """A co-purchase similarity (0..1) in plain words."""
    if score is None:
        return ""
    if score >= 0.25:
        return _("Very often bought together")
    if score >= 0.1:
        return _("Often bought together")
    return _("Sometimes bought together")


def _company_of(request, obj):
    company = getattr(request, "company", None)
    if company is None or obj.company_id != company.pk or not request_has_perm(request, VIEW):
        return None
    return company


def product_panel(request, product):
    """Registered for "product.detail"."""
    company = _company_of(request, product)
    if company is None:
        return None
    items = queries.product_bought_together(company, product.pk)
    for item in items:
        item["words"] = together_words(item["score"])
        item["score_shown"] = _shown(item["score"], 2)
    return render_to_string(
        "analytics/_bought_together.html", {"items": items, "product": product}, request=request
    )


def party_panel(request, party):
    """Registered for "party.detail"; hidden when nothing is stored for the party."""
    company = _company_of(request, party)
    if company is None:
        return None
    found = queries.customer_insight(company, party.pk)
    if found is None:
        return None
    score, segment = found["score"], found["segment"]
    context = {"party": party, "score": score, "recommended": found["recommended"]}
    if score is not None:
        context["band_label"] = BANDS.get(score.band, score.band)
        if score.churn_risk is not None:
            context["risk_pct"] = _shown(score.churn_risk * 100, 0)
        if score.p_alive is not None:
            context["alive_pct"] = _shown(score.p_alive * 100, 0)
        if score.expected_orders is not None:
            context["expected_orders"] = _shown(score.expected_orders, 1)
        context["drivers"] = churn_drivers(score)
    if segment is not None:
        context["segment_words"] = " · ".join(str(WORDS.get(w, w)) for w in segment.words)
    return render_to_string("analytics/_customer_panel.html", context, request=request)


def churn_drivers(score) -> list[str]:
    """What the churn model reads, in words, from the stored figures of one customer."""
    out = [
        _("last order %(days)s days ago") % {"days": score.recency_days},
        _("%(orders)s orders") % {"orders": score.frequency},
    ]
    if score.p_alive is not None:
        out.append(
            _("%(pct)s %% likely still a customer (BG/NBD)")
            % {"pct": Decimal(round(score.p_alive * 100))}
        )
    return out
