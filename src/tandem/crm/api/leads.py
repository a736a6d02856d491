"""/leads: list, create, read, update, delete; qualify, disqualify, reopen."""

from ninja import File, Router, Status, UploadedFile

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import ValidationFailed
from tandem.parties.models import Party

from .. import queries, services
from ..models import Lead, SalesTeam
from ..queries.visibility import visible
from ..schemas import (
    DisqualifyIn,
    LeadImportOut,
    LeadIn,
    LeadOut,
    LeadPatch,
    LeadStateName,
    QualifyIn,
    SourceName,
)
from ..scoring import with_lead_scores
from ..services.imports import MAX_BYTES
from ._common import ID, LIMIT, OFFSET, SEARCH, ref

router = Router(tags=["leads"])


def _lead(request, lead_id) -> Lead:
    return get_scoped(visible(Lead.objects.all(), request), request, lead_id, label="lead")


def _refs(request, data: dict) -> dict:
    if data.get("team") is not None:
        data["team"] = ref(SalesTeam, request, data["team"], field="team")
    return data


@router.get("/leads", response=page_of(LeadOut), summary="List leads")
def lead_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    owner: int | None = ID,
    team: int | None = ID,
    state: LeadStateName | None = None,
    source: SourceName | None = None,
    campaign: str = SEARCH,
):
    require_perm(request, "crm.view_lead")
    qs = queries.leads_filtered(
        company_of(request),
        search=search,
        owner=owner,
        team=team,
        state=state or "",
        source=source or "",
        campaign=campaign,
    )
    page = paginate(visible(qs, request), limit=limit, offset=offset)
    with_lead_scores(company_of(request), "lead", page["items"])
    return page


@router.post(
    "/leads/import",
    response={200: LeadImportOut, 201: LeadImportOut},
    summary="Import leads from CSV or XLSX",
)
def lead_import(request, file: UploadedFile = File(...), dry_run: bool = True):
    """Multipart upload (`file`: .csv UTF-8/GB18030 or .xlsx; header row with name,
    contact_name, company_name, email, phone, source, campaign, owner, team, notes). With
    `dry_run` (the default) every row is checked and matched against the parties, nothing is
    written, and the answer (200) lists each row's errors. `dry_run=false` writes all rows
    (201) or, if any row is refused, none: 422 `import.rows_invalid` naming each bad row
    (`rows.<row>.<field>`). 422 `import.columns`, `import.format`, `import.empty`,
    `import.too_large` for a file that cannot be read; the shared reader's finer reason
    (`import.zip_bomb`, `import.cell_too_large`, `import.too_many_columns`, ...) is in
    `extra.reason`."""
    require_perm(request, "crm.add_lead")
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationFailed("The file is too large", code="import.too_large", field="file")
    report = services.lead_import(
        company=company_of(request),
        name=file.name or "",
        content=file.read(MAX_BYTES + 1),
        dry_run=dry_run,
        user=request.user,
    )
    if not dry_run and not report.ok:
        raise ValidationFailed(
            f"{report.errors} rows are refused; nothing was imported",
            code="import.rows_invalid",
            errors=[
                {"field": f"rows.{row['row']}.{e['field'] or 'row'}", "message": e["message"]}
                for row in report.rows
                for e in row["errors"]
            ],
        )
    return Status(200 if dry_run else 201, report.as_dict())


@router.post("/leads", response={201: LeadOut}, summary="Create a lead")
def lead_add(request, payload: LeadIn):
    """The lead is matched against the existing parties by email, phone and company name
    (`matched_party`, `match_on`). `source` defaults to `api`."""
    require_perm(request, "crm.add_lead")
    lead = services.lead_create(company=company_of(request), **_refs(request, payload.dict()))
    return Status(201, lead)


@router.get("/leads/{lead_id}", response=LeadOut)
def lead_read(request, lead_id: int):
    require_perm(request, "crm.view_lead")
    return with_lead_scores(company_of(request), "lead", [_lead(request, lead_id)])[0]


@router.patch("/leads/{lead_id}", response=LeadOut)
def lead_update(request, lead_id: int, payload: LeadPatch):
    """409 `lead.already_qualified` once qualified."""
    require_perm(request, "crm.change_lead")
    lead = _lead(request, lead_id)
    changes = _refs(request, payload.dict(exclude_unset=True))
    for field in ("name", "contact_name", "company_name", "email", "phone", "campaign", "notes"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    if changes.get("source", "") is None:
        changes.pop("source")
    return services.lead_update(lead=lead, **changes)


@router.delete("/leads/{lead_id}", response={204: None})
def lead_delete(request, lead_id: int):
    """409 `lead.already_qualified`: a qualified lead stays with its opportunity."""
    require_perm(request, "crm.delete_lead")
    services.lead_delete(lead=_lead(request, lead_id))
    return Status(204, None)


@router.post("/leads/{lead_id}/qualify", response=LeadOut, summary="Qualify a lead")
def lead_qualify(request, lead_id: int, payload: QualifyIn | None = None):
    """Makes an opportunity (see `opportunity` in the answer) with the given party, else the
    matched one, else a new customer (and its contact person). 409 `lead.already_qualified`
    the second time, `lead.disqualified` for a disqualified lead."""
    require_perm(request, "crm.change_lead")
    require_perm(request, "crm.add_opportunity")
    lead = _lead(request, lead_id)
    data = (payload or QualifyIn()).dict()
    data["party"] = ref(Party, request, data["party"], field="party")
    if data["party"] is None and lead.matched_party_id is None:
        require_perm(request, "parties.add_party")
    return services.lead_qualify(lead=lead, user=request.user, **data)


@router.post("/leads/{lead_id}/disqualify", response=LeadOut, summary="Disqualify a lead")
def lead_disqualify(request, lead_id: int, payload: DisqualifyIn):
    """`reason` is required (422 `validation.required` when blank)."""
    require_perm(request, "crm.change_lead")
    return services.lead_disqualify(lead=_lead(request, lead_id), reason=payload.reason)


@router.post("/leads/{lead_id}/reopen", response=LeadOut, summary="Reopen a disqualified lead")
def lead_reopen(request, lead_id: int):
    require_perm(request, "crm.change_lead")
    return services.lead_reopen(lead=_lead(request, lead_id))
