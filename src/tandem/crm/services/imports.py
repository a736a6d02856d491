"""Lead import from CSV or XLSX (core.tabular's bounded streaming reader, with the lead
service's own validation per row — django-import-export would validate through model forms
instead and bypass `lead_create`'s normalising and party matching).

A dry run checks every row and reports errors and matches; nothing is written. A commit
writes all rows or, if any row is refused, none (the report says which and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import tabular
from tandem.core.errors import DomainError, ValidationFailed
from tandem.core.models import Company, Membership, User

from ..models import Lead, LeadState, SalesTeam, Source
from .leads import lead_create

MAX_ROWS = 5000
MAX_BYTES = 5_000_000
MAX_COLUMNS = 50
# The lead import's codes came before core.tabular's finer ones; clients know these.
LEGACY_CODES = {
    "import.file_type": "import.format",
    "import.damaged": "import.format",
    "import.encoding": "import.format",
    "import.too_many_rows": "import.too_large",
}
COLUMNS = (
    "name",
    "contact_name",
    "company_name",
    "email",
    "phone",
    "source",
    "campaign",
    "owner",
    "team",
    "notes",
)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[dict] = field(default_factory=list)  # row, status, errors, matched_party, ...
    created: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r["errors"])

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "totals": {
                "rows": len(self.rows),
                "valid": len(self.rows) - self.errors,
                "errors": self.errors,
                "created": self.created,
            },
        }


@dataclass
class TableRow:
    number: int  # as a spreadsheet shows it; the header is row 1 (or the first filled one)
    values: dict[str, str]  # keyed by the lower-cased header
    errors: list[dict]


def read_table(name: str, content: bytes) -> list[TableRow]:
    """The rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file, read by
    core.tabular within this import's limits. Its refusals keep their finer code in
    `extra['reason']`; the code is the lead import's own (`LEGACY_CODES`)."""
    try:
        with tabular.read_table(
            name,
            content,
            max_rows=MAX_ROWS,
            max_columns=MAX_COLUMNS,
            max_bytes=MAX_BYTES,
        ) as table:
            header = [h.lower() for h in table.header]
            unknown = [h for h in header if h and h not in COLUMNS]
            if unknown or not set(header) & {"name", "contact_name", "company_name"}:
                raise ValidationFailed(
                    _("Unknown or missing columns. Use: %(columns)s.")
                    % {"columns": ", ".join(COLUMNS)},
                    code="import.columns",
                    field="file",
                )
            return [
                TableRow(
                    number=row.number,
                    values={
                        h: (row.cells[i] if i < len(row.cells) else "")
                        for i, h in enumerate(header)
                        if h
                    },
                    errors=row.errors,
                )
                for row in table
            ]
    except tabular.TableRefused as exc:
        raise ValidationFailed(
            exc.message,
            code=LEGACY_CODES.get(exc.code, exc.code),
            field="file",
            extra={"reason": exc.code, **exc.extra},
        ) from exc


def _row_errors(exc: DomainError) -> list[dict]:
    if exc.errors:
        return [
            {"field": e.get("field"), "message": e["message"], "code": e.get("code", exc.code)}
            for e in exc.errors
        ]
    return [{"field": exc.field, "message": exc.message, "code": exc.code}]


def lead_import(
    *, company: Company, name: str, content: bytes, dry_run: bool = True, user=None
) -> ImportReport:
    table = read_table(name, content)
    members = {
        key.lower(): u
        for u in User.objects.filter(
            pk__in=Membership.objects.filter(company=company, is_active=True).values("user_id"),
            is_active=True,
        )
        for key in (u.username, u.email)
        if key
    }
    teams = {t.name.lower(): t for t in SalesTeam.objects.filter(company=company)}
    emails = {r.values.get("email", "").lower() for r in table if r.values.get("email")}
    existing = {
        e.lower(): pk
        for e, pk in Lead.objects.filter(company=company, email__in=emails)
        .exclude(state=LeadState.DISQUALIFIED)
        .values_list("email", "pk")
    }
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        for line in table:
            row = line.values
            errors = list(line.errors)
            data = {k: row.get(k, "") for k in COLUMNS if k not in ("owner", "team")}
            data["source"] = data["source"] or Source.IMPORT
            owner = row.get("owner", "")
            team = row.get("team", "")
            if owner and owner.lower() not in members:
                errors.append(
                    {
                        "field": "owner",
                        "message": _("Not a member of this company."),
                        "code": "reference.invalid",
                    }
                )
            if team and team.lower() not in teams:
                errors.append(
                    {
                        "field": "team",
                        "message": _("No such sales team."),
                        "code": "reference.invalid",
                    }
                )
            entry = {
                "row": line.number,
                "name": data["name"] or data["company_name"] or data["contact_name"],
                "errors": errors,
                "lead": None,
                "matched_party": None,
                "match_on": "",
                "existing_lead": existing.get(data["email"].lower()) if data["email"] else None,
            }
            if not errors:
                try:
                    with transaction.atomic():
                        lead = lead_create(
                            company=company,
                            owner=members.get(owner.lower()) if owner else None,
                            team=teams.get(team.lower()) if team else None,
                            **data,
                        )
                except DomainError as exc:
                    entry["errors"] = _row_errors(exc)
                else:
                    entry.update(
                        lead=None if dry_run else lead.pk,
                        matched_party=lead.matched_party_id,
                        match_on=lead.match_on,
                    )
                    report.created += 1
            report.rows.append(entry)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
            report.created = 0
            for entry in report.rows:
                entry["lead"] = None
    return report
