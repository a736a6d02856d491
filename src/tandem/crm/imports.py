"""Leads as an importable object (see tandem.core.imports), written by `lead_create` /
`lead_update` (which normalise and match each lead against the parties). A row with an
external key updates the lead that key created; a row without one is a new lead.

The lead page's own all-or-nothing import (services.imports, /leads/import) stays as it is
for its clients; this object is what the Import page, `POST /imports` and `tandem import`
use for leads.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import InvalidReference
from tandem.core.imports import (
    ImportField,
    ImportObject,
    batches,
    import_register,
    keys_of,
)
from tandem.core.models import Membership, User

from .models import Lead, SalesTeam, Source
from .services import lead_create, lead_update

F = ImportField
LEAD_FIELDS = (
    F(
        "external_key",
        gettext_lazy("External key"),
        aliases=("id", "external id", "外部编号", "编号"),
    ),  # noqa: E501
    F("name", gettext_lazy("Name"), aliases=("title", "标题", "线索名称")),
    F("contact_name", gettext_lazy("Contact person"), aliases=("contact", "联系人")),
    F("company_name", gettext_lazy("Company"), aliases=("company", "公司", "公司名称")),
    F("email", gettext_lazy("Email"), aliases=("e-mail", "邮箱")),
    F("phone", gettext_lazy("Phone"), aliases=("电话", "手机")),
    F("source", gettext_lazy("Source"), "choice", choices=tuple(Source.values), aliases=("来源",)),  # noqa: E501
    F("campaign", gettext_lazy("Campaign"), aliases=("营销活动",)),
    F("owner", gettext_lazy("Owner"), aliases=("salesperson", "负责人", "销售员")),
    F("team", gettext_lazy("Sales team"), aliases=("销售团队",)),
    F("notes", gettext_lazy("Notes"), aliases=("备注",), max_length=10_000),
)
TEXT = ("name", "contact_name", "company_name", "email", "phone", "campaign", "notes")


def _members(run) -> dict:
    def load():
        users = User.objects.filter(
            pk__in=Membership.objects.filter(company=run.company, is_active=True).values("user_id"),
            is_active=True,
        )
        return {key.casefold(): u for u in users for key in (u.username, u.email) if key}

    return run.cached("members", load)


def lead_import_row(run, values: dict, target_id=None):
    data = {n: values[n] or "" for n in TEXT if n in values}
    if values.get("source"):
        data["source"] = values["source"]
    if values.get("owner"):
        data["owner"] = _members(run).get(values["owner"].casefold())
        if data["owner"] is None:
            raise InvalidReference(_("Not a member of this company."), field="owner")
    if values.get("team"):
        teams = run.cached(
            "teams",
            lambda: {t.name.casefold(): t for t in SalesTeam.objects.filter(company=run.company)},
        )
        data["team"] = teams.get(values["team"].casefold())
        if data["team"] is None:
            raise InvalidReference(_("No such sales team."), field="team")
    lead = Lead.objects.filter(company=run.company, pk=target_id).first() if target_id else None
    if lead is not None:
        return lead_update(lead=lead, **data).pk, False
    data.setdefault("source", Source.IMPORT)
    return lead_create(company=run.company, **data).pk, True


def lead_export(company):
    """Every lead in the columns its import reads: importing the file back updates the
    same leads (by the key each was imported under, else its own)."""
    headers = [f.name for f in LEAD_FIELDS]

    def rows():
        leads = Lead.objects.filter(company=company).select_related("owner", "team")
        for batch in batches(leads):
            keys = keys_of(company, "leads", [lead.pk for lead in batch])
            for lead in batch:
                yield [
                    keys[lead.pk],
                    lead.name,
                    lead.contact_name,
                    lead.company_name,
                    lead.email,
                    lead.phone,
                    lead.source,
                    lead.campaign,
                    lead.owner.username if lead.owner else "",
                    lead.team.name if lead.team else "",
                    lead.notes,
                ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="leads",
            label=gettext_lazy("Leads"),
            description=gettext_lazy("Leads, each matched against the existing parties."),
            fields=LEAD_FIELDS,
            key="external_key",
            handler=lead_import_row,
            perms=("crm.add_lead", "crm.change_lead"),
            export=lead_export,
            export_perm="crm.view_lead",
        )
    )
