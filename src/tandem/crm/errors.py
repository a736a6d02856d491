"""CRM refusals, each with a stable code (see API.md)."""

from tandem.core.errors import (
    Conflict,
    InvalidReference,  # noqa: F401  (shared; re-exported)
    InvalidTransition,
    ValidationFailed,
)


class StageInvalid(ValidationFailed):
    """A stage of another pipeline (team) or another company."""

    code = "stage.invalid"
    title = "Stage not in this pipeline"


class LeadAlreadyQualified(InvalidTransition):
    code = "lead.already_qualified"
    title = "The lead is already qualified"


class LeadDisqualified(InvalidTransition):
    code = "lead.disqualified"
    title = "The lead is disqualified"


class LeadNotDisqualified(InvalidTransition):
    code = "lead.not_disqualified"
    title = "The lead is not disqualified"


class OpportunityClosed(InvalidTransition):
    code = "opportunity.closed"
    title = "The opportunity is won or lost"


class NothingToOrder(Conflict):
    """Winning with an order asked for, but the opportunity has no customer or no products."""

    code = "opportunity.no_products"
    title = "Nothing to put on an order"


class ActivityNotPlanned(InvalidTransition):
    code = "activity.not_planned"
    title = "The activity is not planned"


class PipelineIncomplete(Conflict):
    """The pipeline has no won (or lost) stage to close an opportunity in."""

    code = "pipeline.incomplete"
    title = "The pipeline lacks a won or lost stage"


class InUse(Conflict):
    code = "crm.in_use"
    title = "Still in use"


class Throttled(Conflict):
    code = "request.throttled"
    status = 429
    title = "Too many requests"
