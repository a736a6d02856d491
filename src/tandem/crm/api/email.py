"""/mail-in: log one inbound email (RFC 822) as an interaction on the matching record."""

from ninja import Router, Status

from tandem.api.context import company_of, require_perm

from .. import services
from ..schemas import MailIn, MailInOut

router = Router(tags=["interactions"])


def mail_in_answer(result) -> dict:
    return {
        "status": result.status,
        "interaction": result.interaction.pk if result.interaction else None,
        "matched_by": result.matched_by,
        "party": result.interaction.party_id if result.interaction else None,
        "lead": result.interaction.lead_id if result.interaction else None,
        "opportunity": result.interaction.opportunity_id if result.interaction else None,
    }


@router.post("/mail-in", response={200: MailInOut, 201: MailInOut}, summary="Log an inbound email")
def mail_in(request, payload: MailIn):
    """Attached by threading (In-Reply-To / References of a logged message) first, else by
    the sender's address (contact person, party — with its opportunity if exactly one is
    open — or lead), else a new lead (source `email`) is made. A Message-ID logged before
    answers 200 `duplicate` and changes nothing; 201 `logged` otherwise."""
    require_perm(request, "crm.add_interaction")
    result = services.mail_in(company=company_of(request), raw=payload.message)
    return Status(201 if result.status == "logged" else 200, mail_in_answer(result))
