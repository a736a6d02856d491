"""Sales teams, pipeline stages and lost reasons; the default pipeline of a new company."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Company

from ..errors import InUse, StageInvalid
from ..models import LostReason, Opportunity, OpportunityStageChange, PipelineStage, SalesTeam
from ._common import UNSET, locked, member, same_company, text
from ._common import probability as clean_probability

# (name, sequence, probability, is_won, is_lost, fold). The names are marked for translation:
# the pages show a seeded name in the user's language (see templatetags.crm_tags.crm_label).
DEFAULT_STAGES = [
    (gettext_noop("New"), 10, 10, False, False, False),
    (gettext_noop("Qualified"), 20, 20, False, False, False),
    (gettext_noop("Proposal"), 30, 50, False, False, False),
    (gettext_noop("Negotiation"), 40, 75, False, False, False),
    (gettext_noop("Won"), 50, 100, True, False, True),
    (gettext_noop("Lost"), 60, 0, False, True, True),
]
DEFAULT_LOST_REASONS = [
    gettext_noop("Too expensive"),
    gettext_noop("Chose a competitor"),
    gettext_noop("No budget"),
    gettext_noop("No response"),
    gettext_noop("Not a fit"),
]
SEEDED_LABELS = frozenset(name for name, *_rest in DEFAULT_STAGES) | frozenset(DEFAULT_LOST_REASONS)


@transaction.atomic
def pipeline_seed(*, company: Company) -> int:
    """Give `company` the default pipeline and lost reasons if it has none; safe to rerun.

    Returns how many rows were added (0 when the company already has them).
    """
    has_stages = PipelineStage.objects.filter(company=company, team__isnull=True).exists()
    has_reasons = LostReason.objects.filter(company=company).exists()
    if has_stages and has_reasons:
        return 0
    # Serialise seeding per company, so two first requests cannot both seed.
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()
    added = 0
    if not PipelineStage.objects.filter(company=company, team__isnull=True).exists():
        PipelineStage.objects.bulk_create(
            PipelineStage(
                company=company,
                team=None,
                name=name,
                sequence=sequence,
                probability=prob,
                is_won=is_won,
                is_lost=is_lost,
                fold=fold,
            )
            for name, sequence, prob, is_won, is_lost, fold in DEFAULT_STAGES
        )
        added += len(DEFAULT_STAGES)
    if not LostReason.objects.filter(company=company).exists():
        LostReason.objects.bulk_create(
            LostReason(company=company, name=name) for name in DEFAULT_LOST_REASONS
        )
        added += len(DEFAULT_LOST_REASONS)
    return added


def on_company_created(event, company, **payload) -> None:
    """`core.events` hook: every new company starts with the default pipeline."""
    pipeline_seed(company=company)


# -- pipelines -------------------------------------------------------------------------------


def pipeline_stages(*, company: Company, team: SalesTeam | None = None):
    """The stages an opportunity of `team` moves through: the team's own if it has any,
    else the company's default pipeline. Ordered by sequence."""
    if team is not None:
        own = PipelineStage.objects.filter(company=company, team=team)
        if own.exists():
            return own.order_by("sequence", "id")
    return PipelineStage.objects.filter(company=company, team__isnull=True).order_by(
        "sequence", "id"
    )


def _same_pipeline(a: PipelineStage, b: PipelineStage) -> bool:
    return a.company_id == b.company_id and a.team_id == b.team_id


def stage_for(*, company: Company, team: SalesTeam | None, stage, field: str = "stage"):
    """`stage` (row or id) if it is a stage of `team`'s pipeline, else 422 `stage.invalid`;
    None gives the pipeline's first open stage."""
    stages = pipeline_stages(company=company, team=team)
    if stage is None:
        first = stages.filter(is_won=False, is_lost=False).first()
        if first is None:
            pipeline_seed(company=company)
            first = (
                pipeline_stages(company=company, team=team)
                .filter(is_won=False, is_lost=False)
                .first()
            )
        if first is None:
            raise StageInvalid(_("The pipeline has no open stage."), field=field)
        return first
    stage_id = stage.pk if isinstance(stage, PipelineStage) else stage
    try:
        found = stages.filter(pk=int(stage_id)).first()
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        raise StageInvalid(_("This stage is not in the opportunity's pipeline."), field=field)
    return found


def closing_stage(*, pipeline_of: PipelineStage, won: bool) -> PipelineStage | None:
    """The won (or lost) stage of the pipeline `pipeline_of` belongs to."""
    qs = PipelineStage.objects.filter(company_id=pipeline_of.company_id, team=pipeline_of.team_id)
    return qs.filter(is_won=True).first() if won else qs.filter(is_lost=True).first()


# -- sales teams -----------------------------------------------------------------------------


def _team_name(company: Company, name, *, exclude: int | None = None) -> str:
    name = text(name, field="name", max_length=100, required=True)
    existing = (
        SalesTeam.objects.filter(company=company, name__iexact=name).exclude(pk=exclude).first()
    )
    if existing is not None:
        raise Duplicate(
            _("A sales team named %(name)s exists.") % {"name": existing.name},
            code="team.duplicate",
            field="name",
            extra={"existing_id": existing.pk},
        )
    return name


@transaction.atomic
def team_create(
    *, company: Company, name: str, leader=None, members=(), active: bool = True
) -> SalesTeam:
    name = _team_name(company, name)
    leader = member(company, leader, field="leader")
    users = [member(company, user, field="members") for user in dict.fromkeys(members or ())]
    team = SalesTeam.objects.create(company=company, name=name, leader=leader, active=active)
    if users:
        team.members.set(users)
    return team


@transaction.atomic
def team_update(
    *, team: SalesTeam, name=UNSET, leader=UNSET, members=UNSET, active=UNSET
) -> SalesTeam:
    team = locked(SalesTeam, team.pk)
    company = team.company
    if name is not UNSET:
        team.name = _team_name(company, name, exclude=team.pk)
    if leader is not UNSET:
        team.leader = member(company, leader, field="leader")
    if active is not UNSET:
        if not isinstance(active, bool):
            raise ValidationFailed(_("Enter true or false."), field="active")
        team.active = active
    team.save()
    if members is not UNSET:
        team.members.set(
            [member(company, user, field="members") for user in dict.fromkeys(members or ())]
        )
    return team


@transaction.atomic
def team_delete(*, team: SalesTeam) -> None:
    """Refused while leads or opportunities name the team; its own stages go with it."""
    try:
        with transaction.atomic():
            team.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            _("Leads or opportunities belong to this team; move them first."), code="team.in_use"
        ) from None


# -- stages ----------------------------------------------------------------------------------


def _check_stage_name(company, team, name, *, exclude=None) -> str:
    name = text(name, field="name", max_length=100, required=True)
    clash = PipelineStage.objects.filter(company=company, name__iexact=name).exclude(pk=exclude)
    clash = clash.filter(team=team) if team is not None else clash.filter(team__isnull=True)
    existing = clash.first()
    if existing is not None:
        raise Duplicate(
            _("This pipeline already has a stage named %(name)s.") % {"name": existing.name},
            code="stage.duplicate",
            field="name",
            extra={"existing_id": existing.pk},
        )
    return name


def _check_closing(company, team, *, is_won: bool, is_lost: bool, exclude=None) -> None:
    if is_won and is_lost:
        raise ValidationFailed(
            _("A stage is either won or lost, not both."), code="stage.won_and_lost", field="is_won"
        )
    siblings = PipelineStage.objects.filter(company=company).exclude(pk=exclude)
    siblings = (
        siblings.filter(team=team) if team is not None else siblings.filter(team__isnull=True)
    )
    for flag, label in (("is_won", _("won")), ("is_lost", _("lost"))):
        wanted = is_won if flag == "is_won" else is_lost
        if wanted and siblings.filter(**{flag: True}).exists():
            raise ValidationFailed(
                _("This pipeline already has a %(kind)s stage.") % {"kind": label},
                code="stage.duplicate_closing",
                field=flag,
            )


def _sequence(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise ValidationFailed(
            _("Enter a whole number from 0 to 1000000."),
            code="validation.invalid",
            field="sequence",
        )
    return value


def _flag(value, field) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(_("Enter true or false."), code="validation.invalid", field=field)
    return value


@transaction.atomic
def stage_create(
    *,
    company: Company,
    name: str,
    team=None,
    sequence: int | None = None,
    probability: int = 0,
    is_won: bool = False,
    is_lost: bool = False,
    fold: bool = False,
) -> PipelineStage:
    """Add a stage to the default pipeline (`team` None) or to a team's own pipeline."""
    team = same_company(company, team, field="team", model=SalesTeam)
    name = _check_stage_name(company, team, name)
    prob = clean_probability(probability)
    is_won, is_lost, fold = _flag(is_won, "is_won"), _flag(is_lost, "is_lost"), _flag(fold, "fold")
    _check_closing(company, team, is_won=is_won, is_lost=is_lost)
    if sequence is None:
        last = (
            PipelineStage.objects.filter(company=company, team=team)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        sequence = (last or 0) + 10
    return PipelineStage.objects.create(
        company=company,
        team=team,
        name=name,
        sequence=_sequence(sequence),
        probability=prob,
        is_won=is_won,
        is_lost=is_lost,
        fold=fold,
    )


@transaction.atomic
def stage_update(
    *,
    stage: PipelineStage,
    name=UNSET,
    sequence=UNSET,
    probability=UNSET,
    is_won=UNSET,
    is_lost=UNSET,
    fold=UNSET,
) -> PipelineStage:
    """Change a stage. Its won/lost flag cannot change while opportunities sit in it (they
    would no longer match their state). A new probability applies to the open opportunities
    in the stage whose probability follows the stage."""
    stage = locked(PipelineStage, stage.pk)
    company, team = stage.company, stage.team
    if name is not UNSET:
        stage.name = _check_stage_name(company, team, name, exclude=stage.pk)
    if sequence is not UNSET:
        stage.sequence = _sequence(sequence)
    if fold is not UNSET:
        stage.fold = _flag(fold, "fold")
    new_won = stage.is_won if is_won is UNSET else _flag(is_won, "is_won")
    new_lost = stage.is_lost if is_lost is UNSET else _flag(is_lost, "is_lost")
    if (new_won, new_lost) != (stage.is_won, stage.is_lost):
        _check_closing(company, team, is_won=new_won, is_lost=new_lost, exclude=stage.pk)
        if Opportunity.objects.filter(stage=stage).exists():
            raise InUse(
                _("Opportunities are in this stage; its won/lost flag cannot change."),
                code="stage.in_use",
            )
        stage.is_won, stage.is_lost = new_won, new_lost
    if probability is not UNSET:
        stage.probability = clean_probability(probability)
    stage.save()
    if probability is not UNSET:
        for opp in Opportunity.objects.filter(
            stage=stage, state="open", probability_manual=False
        ).exclude(probability=stage.probability):
            opp.probability = stage.probability  # row by row, so the history records it
            opp.save(update_fields=["probability", "updated_at"])
    return stage


@transaction.atomic
def stage_delete(*, stage: PipelineStage) -> None:
    """Refused while an opportunity is, or ever was, in the stage (the history needs it)."""
    in_history = OpportunityStageChange.objects.filter(
        Q(from_stage=stage) | Q(to_stage=stage)
    ).exists()
    if in_history or Opportunity.objects.filter(stage=stage).exists():
        raise InUse(
            _("Opportunities are or were in this stage; it cannot be deleted."),
            code="stage.in_use",
        )
    stage.delete()


# -- lost reasons ----------------------------------------------------------------------------


def _reason_name(company, name, *, exclude=None) -> str:
    name = text(name, field="name", max_length=100, required=True)
    existing = (
        LostReason.objects.filter(company=company, name__iexact=name).exclude(pk=exclude).first()
    )
    if existing is not None:
        raise Duplicate(
            _("A lost reason named %(name)s exists.") % {"name": existing.name},
            code="lost_reason.duplicate",
            field="name",
            extra={"existing_id": existing.pk},
        )
    return name


@transaction.atomic
def lost_reason_create(*, company: Company, name: str, active: bool = True) -> LostReason:
    return LostReason.objects.create(
        company=company, name=_reason_name(company, name), active=_flag(active, "active")
    )


@transaction.atomic
def lost_reason_update(*, reason: LostReason, name=UNSET, active=UNSET) -> LostReason:
    reason = locked(LostReason, reason.pk)
    if name is not UNSET:
        reason.name = _reason_name(reason.company, name, exclude=reason.pk)
    if active is not UNSET:
        reason.active = _flag(active, "active")
    reason.save()
    return reason


@transaction.atomic
def lost_reason_delete(*, reason: LostReason) -> None:
    try:
        with transaction.atomic():
            reason.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            _("Lost opportunities give this reason; deactivate it instead."),
            code="lost_reason.in_use",
        ) from None
