"""CSV/XLSX tables of the ledger reports (the API and the pages share them)."""

from django.utils.translation import gettext as _

from tandem.web.exports import export_response

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
