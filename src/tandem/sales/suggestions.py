"""The quotation editor's "Suggested" panel (HTMX partial).

The suggestions are predictions stored by a higher app (analytics), which sales may not
import: it registers ORDER_SUGGESTIONS with core.providers and this view asks for it. Nothing
is computed per request: the provider reads the stored rows. While nothing is registered (or
nothing trained) the panel says there is nothing to suggest.
"""

from django.shortcuts import render

from tandem.core import providers
from tandem.core.views import company_view

ORDER_SUGGESTIONS = "sales.order_suggestions"


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@company_view("sales.view_salesorder")
def order_suggestions(request):
    """GET with the quotation form's fields: `party` and the lines' `lines-<key>-product`
    (or `product`, repeated). Answers the panel's HTML."""
    data = request.GET
    party_id = _int(data.get("party"))
    products = [
        _int(value)
        for key in data
        if key == "product" or (key.startswith("lines-") and key.endswith("-product"))
        for value in data.getlist(key)
    ]
    product_ids = sorted({pk for pk in products if pk})
    found = providers.ask(
        ORDER_SUGGESTIONS,
        request.company,
        party_id=party_id,
        product_ids=product_ids,
        default=None,
    ) or {"for_customer": [], "bought_together": []}
    return render(
        request,
        "sales/_suggestions.html",
        {
            "for_customer": found["for_customer"],
            "bought_together": found["bought_together"],
            "party_id": party_id,
        },
    )
