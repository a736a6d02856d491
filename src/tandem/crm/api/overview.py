"""GET /parties/{id}/overview: the customer 360 as JSON."""

from ninja import Query, Router

from tandem.api.context import company_of, get_scoped, require_perm
from tandem.parties.models import Party

from ..queries.overview import party_overview
from ..queries.visibility import request_scope
from ..schemas import PartyOverviewOut

router = Router(tags=["parties"])


@router.get("/parties/{party_id}/overview", response=PartyOverviewOut, summary="Customer 360")
def overview(
    request,
    party_id: int,
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
):
    """Revenue (untaxed: posted customer invoices minus credit notes, untaxed amount x the
    posted rate, company currency) this year, last year and lifetime; open balance and
    overdue (amount due of posted documents, overdue past the due date); average days to
    pay (invoice date to the payment that settled it, over paid invoices); top products;
    open opportunities; last and next touch; and a timeline (newest first, `limit` events
    after `offset`, `timeline_count` in all) of interactions, activities, opportunities,
    stage changes, sales orders (confirmed, done or cancelled), done deliveries, invoices,
    credit notes and payments; `orders` counts the orders placed and still open."""
    require_perm(request, "parties.view_party")
    require_perm(request, "crm.view_opportunity")
    party = get_scoped(Party, request, party_id, label="party")
    return party_overview(
        company_of(request),
        party,
        scope=request_scope(request),
        limit=limit,
        offset=offset,
    )
