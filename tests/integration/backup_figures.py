"""The figures a backup must keep, read through the report queries; run as
`python -m tests.integration.backup_figures CODE` to print them (JSON) for the database that
the environment (TANDEM_DATA_DIR / TANDEM_DATABASE_URL) points at."""

import json
import os
import sys


def figures(code: str) -> dict:
    from tandem.accounting import queries as ledger
    from tandem.accounting.models import Allocation, Entry, Invoice, Payment, VoidedAllocation
    from tandem.core.models import Company, User
    from tandem.inventory import queries as stock
    from tandem.inventory.models import StockMove, Transfer
    from tandem.sales.models import SalesOrder

    company = Company.objects.get(code=code)
    trial = ledger.trial_balance(company)
    valuation = stock.valuation(company)

    def count(model, *fields):
        rows = model.objects.filter(company=company).values_list(*fields) if fields else None
        if rows is None:
            return model.objects.filter(company=company).count()
        found: dict[str, int] = {}
        for row in rows:
            key = "/".join(str(v) for v in row)
            found[key] = found.get(key, 0) + 1
        return dict(sorted(found.items()))

    return {
        "trial_balance": [
            [row["account"], str(row["debit"]), str(row["credit"]), str(row["balance"])]
            for row in trial["rows"]
        ],
        "trial_totals": {key: str(value) for key, value in trial["totals"].items()},
        "valuation": [
            [row["sku"], str(row["quantity"]), str(row["value"])] for row in valuation["rows"]
        ],
        "valuation_total": str(valuation["totals"]["value"]),
        "counts": {
            "invoices": count(Invoice, "kind", "state", "payment_state"),
            "invoice_numbers": sorted(
                Invoice.objects.filter(company=company).values_list("number", flat=True)
            ),
            "payments": count(Payment, "state"),
            "allocations": count(Allocation),
            "voided_allocations": count(VoidedAllocation),
            "entries": count(Entry, "state"),
            "sales_orders": count(SalesOrder, "state"),
            "transfers": count(Transfer, "kind", "state"),
            "stock_moves": count(StockMove, "state"),
            "users": User.objects.count(),
        },
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    print(json.dumps(figures(sys.argv[1])))
