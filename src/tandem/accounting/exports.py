"""CSV/XLSX tables of the ledger reports (the API and the pages share them)."""

from django.utils.translation import gettext as _

from tandem.core.exports import export_response

from .models import account_display_name


def trial_balance_response(data: dict, *, fmt: str, filename: str = "trial-balance"):
    headers = [
        _("Account"),
        _("Name"),
        _("Opening debit"),
        _("Opening credit"),
        _("Debit"),
        _("Credit"),
        _("Closing debit"),
        _("Closing credit"),
        _("Balance"),
    ]
    rows = [
        (
            row["account"],
            account_display_name(row["name"], row["name_en"]),
            row["opening_debit"],
            row["opening_credit"],
            row["debit"],
            row["credit"],
            row["closing_debit"],
            row["closing_credit"],
            row["balance"],
        )
        for row in data["rows"]
    ]
    totals = data["totals"]
    rows.append(
        (
            _("Total"),
            "",
            totals["opening_debit"],
            totals["opening_credit"],
            totals["debit"],
            totals["credit"],
            totals["closing_debit"],
            totals["closing_credit"],
            totals["balance"],
        )
    )
    return export_response(fmt=fmt, filename=filename, headers=headers, rows=rows)


def general_ledger_response(data: dict, *, fmt: str, filename: str = "general-ledger"):
    headers = [
        _("Account"),
        _("Name"),
        _("Date"),
        _("Number"),
        _("Journal"),
        _("Reference"),
        _("Party"),
        _("Description"),
        _("Debit"),
        _("Credit"),
        _("Balance"),
        _("Currency"),
        _("Amount in currency"),
    ]

    openings = {a["account_id"]: a for a in data["accounts"]}

    def rows():
        current = None
        for row in data["rows"]:
            if row["account_id"] != current:
                current = row["account_id"]
                summary = openings.get(current)
                if summary is not None:
                    yield (
                        row["account"],
                        account_display_name(row["name"], row["name_en"]),
                        data["date_from"].isoformat() if data["date_from"] else "",
                        "",
                        "",
                        _("Opening balance"),
                        "",
                        "",
                        "",
                        "",
                        summary["opening_balance"],
                        "",
                        "",
                    )
            yield (
                row["account"],
                account_display_name(row["name"], row["name_en"]),
                row["date"].isoformat(),
                row["number"],
                row["journal"],
                row["reference"],
                row["party_name"],
                row["description"],
                row["debit"],
                row["credit"],
                row["balance"],
                row["currency"],
                row["amount_currency"],
            )

    return export_response(fmt=fmt, filename=filename, headers=headers, rows=rows())


# -- financial statements and aged balances ------------------------------------------------


def pl_section_labels() -> dict[str, str]:
    return {
        "revenue": _("Revenue"),
        "cost_of_sales": _("Cost of sales"),
        "gross_profit": _("Gross profit"),
        "operating_expenses": _("Operating expenses"),
        "financial": _("Financial items"),
        "operating_profit": _("Operating profit"),
        "other_income": _("Other income"),
        "other_expenses": _("Other expenses"),
        "profit_before_tax": _("Profit before tax"),
        "income_tax": _("Income tax"),
        "net_profit": _("Net profit"),
    }


# the statement in reading order: sections with their accounts, then subtotals
PL_LAYOUT = (
    ("section", "revenue"),
    ("section", "cost_of_sales"),
    ("total", "gross_profit"),
    ("section", "operating_expenses"),
    ("section", "financial"),
    ("total", "operating_profit"),
    ("section", "other_income"),
    ("section", "other_expenses"),
    ("total", "profit_before_tax"),
    ("section", "income_tax"),
    ("total", "net_profit"),
)


def profit_and_loss_lines(data: dict) -> list[dict]:
    """The statement as display lines: a heading per section, its accounts, its total, and
    the subtotals, each `{"kind", "key", "label", "row", "amount", "compare"}`."""
    labels = pl_section_labels()
    compare = data.get("compare_totals")
    lines = []
    for kind, key in PL_LAYOUT:
        if kind == "section":
            lines.append({"kind": "heading", "key": key, "label": labels[key]})
            for row in data["rows"]:
                if row["section"] == key:
                    lines.append(
                        {
                            "kind": "account",
                            "key": key,
                            "row": row,
                            "label": account_display_name(row["name"], row["name_en"]),
                            "amount": row["amount"],
                            "compare": row.get("compare"),
                        }
                    )
            kind = "section_total"
        lines.append(
            {
                "kind": kind,
                "key": key,
                "label": labels[key],
                "amount": data["totals"][key],
                "compare": compare[key] if compare else None,
            }
        )
    return lines


def profit_and_loss_response(data: dict, *, fmt: str, filename: str = "profit-and-loss"):
    compare = "compare_totals" in data
    headers = [_("Section"), _("Account"), _("Name"), _("Amount")]
    if compare:
        headers.append(_("Comparison"))
    rows = []
    for line in profit_and_loss_lines(data):
        if line["kind"] == "heading":
            continue
        row = line.get("row")
        if row is not None:
            cells = [line["key"], row["account"], "  " * row["depth"] + line["label"]]
        else:
            cells = [line["key"], "", line["label"]]
        cells.append(line["amount"])
        if compare:
            cells.append(line["compare"])
        rows.append(cells)
    return export_response(fmt=fmt, filename=filename, headers=headers, rows=rows)


def bs_section_labels() -> dict[str, str]:
    return {
        "assets": _("Assets"),
        "liabilities": _("Liabilities"),
        "equity": _("Equity"),
        "prior_result": _("Result of earlier years not closed"),
        "current_year_result": _("Current year result"),
        "liabilities_and_equity": _("Liabilities and equity"),
    }


def balance_sheet_response(data: dict, *, fmt: str, filename: str = "balance-sheet"):
    labels = bs_section_labels()
    totals = data["totals"]
    headers = [_("Section"), _("Account"), _("Name"), _("Amount")]
    rows = []
    for section in ("assets", "liabilities", "equity"):
        for row in data["rows"]:
            if row["section"] == section:
                name = account_display_name(row["name"], row["name_en"])
                rows.append((section, row["account"], "  " * row["depth"] + name, row["amount"]))
        if section == "equity":
            for key in ("prior_result", "current_year_result"):
                if key == "current_year_result" or totals[key]:
                    rows.append((section, "", labels[key], totals[key]))
        rows.append((section, "", labels[section], totals[section]))
    rows.append(("", "", labels["liabilities_and_equity"], totals["liabilities_and_equity"]))
    return export_response(fmt=fmt, filename=filename, headers=headers, rows=rows)


def aged_headers() -> list[str]:
    return [
        _("Not yet due"),
        _("1-30 days"),
        _("31-60 days"),
        _("61-90 days"),
        _("91-120 days"),
        _("Over 120 days"),
        _("Total"),
    ]


AGED_KEYS = ("current", "1_30", "31_60", "61_90", "91_120", "over_120", "total")


def aged_response(data: dict, *, fmt: str, filename: str):
    headers = [_("Party"), *aged_headers()]
    rows = [(row["party_name"], *(row[key] for key in AGED_KEYS)) for row in data["rows"]]
    rows.append((_("Total"), *(data["totals"][key] for key in AGED_KEYS)))
    return export_response(fmt=fmt, filename=filename, headers=headers, rows=rows)


def _scalar(value):
    if isinstance(value, dict | list | tuple):
        return str(value)
    return value


def table_response(data: dict, *, fmt: str, filename: str):
    """Any `{"rows": [dicts], "totals": {...}}` report: columns are the rows' keys."""
    rows = list(data.get("rows") or [])
    keys: list[str] = []
    for row in rows:
        keys.extend(key for key in row if key not in keys)
    table = [[_scalar(row.get(key)) for key in keys] for row in rows]
    totals = data.get("totals") or {}
    if totals and keys:
        table.append([_("Total") if i == 0 else _scalar(totals.get(k)) for i, k in enumerate(keys)])
    return export_response(fmt=fmt, filename=filename, headers=keys, rows=table)
