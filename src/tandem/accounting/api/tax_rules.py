"""/party-tax-rules: a party's tax exemption or tax mappings, applied to the default taxes
of its document lines (thin: see services/tax_defaults.py)."""

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.parties.models import Party

from ..models import PartyTaxRule, Tax
from ..schemas.tax_rules import PartyTaxRuleIn, PartyTaxRuleOut, PartyTaxRulePatch
from ..services import tax_defaults as services

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
ID = Query(None, ge=1, le=2**63 - 1)


def rows_of(company):
    return (
        PartyTaxRule.objects.filter(company=company)
        .select_related("party")
        .prefetch_related("mappings")
    )


def _mappings(request, mappings):
    if mappings is None:
        return services.UNSET
    return [
        (
            get_ref(Tax, request, m["tax"], field=f"mappings.{i}.tax"),
            None
            if m.get("replacement") is None
            else get_ref(Tax, request, m["replacement"], field=f"mappings.{i}.replacement"),
        )
        for i, m in enumerate(mappings)
    ]


@router.get("/party-tax-rules", response=page_of(PartyTaxRuleOut), tags=["accounting"])
def party_tax_rule_list(request, limit: int = LIMIT, offset: int = OFFSET, party: int | None = ID):
    require_perm(request, "accounting.view_partytaxrule")
    qs = rows_of(company_of(request)).order_by("party__name", "id")
    if party is not None:
        qs = qs.filter(party_id=party)
    return paginate(qs, limit=limit, offset=offset)


@router.get("/party-tax-rules/{rule_id}", response=PartyTaxRuleOut, tags=["accounting"])
def party_tax_rule_read(request, rule_id: int):
    require_perm(request, "accounting.view_partytaxrule")
    return get_scoped(rows_of(company_of(request)), request, rule_id, label="party_tax_rule")


@router.post("/party-tax-rules", response={201: PartyTaxRuleOut}, tags=["accounting"])
def party_tax_rule_add(request, payload: PartyTaxRuleIn):
    """Creates the party's rule, or replaces it when it has one."""
    require_perm(request, "accounting.add_partytaxrule")
    data = payload.dict()
    rule = services.party_tax_rule_set(
        company=company_of(request),
        party=get_ref(Party, request, data["party"], field="party"),
        tax_exempt=data["tax_exempt"],
        note=data["note"],
        mappings=_mappings(request, data["mappings"]),
    )
    return Status(201, rows_of(company_of(request)).get(pk=rule.pk))


@router.patch("/party-tax-rules/{rule_id}", response=PartyTaxRuleOut, tags=["accounting"])
def party_tax_rule_update(request, rule_id: int, payload: PartyTaxRulePatch):
    require_perm(request, "accounting.change_partytaxrule")
    rule = get_scoped(rows_of(company_of(request)), request, rule_id, label="party_tax_rule")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "mappings" in changes:
        changes["mappings"] = _mappings(request, changes["mappings"])
    services.party_tax_rule_set(company=company_of(request), party=rule.party, **changes)
    return rows_of(company_of(request)).get(pk=rule.pk)


@router.delete("/party-tax-rules/{rule_id}", response={204: None}, tags=["accounting"])
def party_tax_rule_delete(request, rule_id: int):
    require_perm(request, "accounting.delete_partytaxrule")
    rule = get_scoped(rows_of(company_of(request)), request, rule_id, label="party_tax_rule")
    services.party_tax_rule_delete(rule=rule)
    return Status(204, None)
