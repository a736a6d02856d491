"""Leads through the import framework: matched against the parties, owners and teams looked
up, updated by external key on re-import, unknown owners rejected naming the row."""

from tandem.core.imports import import_run
from tandem.crm.models import Lead

CONTENT = (
    "编号,标题,联系人,公司,邮箱,负责人\n"
    "L-1,Valves,Zhou Jie,Zhou Valves,zhou@valves.test,rep\n"
    "L-2,Pumps,Li Na,Harbour Trading,li@harbour.test,\n"
    "L-3,Ghost,,,,nobody\n"
)


def _import(company, content):
    return import_run(
        company=company, object_name="leads", name="leads.csv", content=content.encode()
    )


def test_leads_are_created_matched_and_updated_by_key(company, rep, make_party):
    harbour = make_party("Harbour Trading")

    report = _import(company, CONTENT)

    assert (report.created, report.updated) == (2, 0)
    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (4, "owner", "reference.invalid")
    ]
    pumps = Lead.objects.get(company=company, name="Pumps")
    assert (pumps.source, pumps.matched_party_id, pumps.match_on) == (
        "import",
        harbour.pk,
        "company_name",
    )
    assert Lead.objects.get(company=company, name="Valves").owner == rep

    again = _import(company, CONTENT.replace("Li Na", "Li Na (buyer)"))
    assert (again.created, again.updated) == (0, 2)
    assert Lead.objects.filter(company=company).count() == 2
    assert Lead.objects.get(pk=pumps.pk).contact_name == "Li Na (buyer)"
