"""The poster that tests/integration/test_crash_safety.py kills with SIGKILL.

Run as `python -m tests.integration.crash_worker CODE [--finish]` against the database the
environment points at. It posts, in a fixed order, every document of company CODE still left
to post: deliveries to ship, draft invoices, draft payments, computed payroll runs,
manufacturing orders to produce and finish, then one MRP run. Before each posting it prints
`begin <kind> <id>` (flushed), so the test can kill it inside that posting. It reads what is
left from the database each time it starts, as a worker retrying after a crash would.

With --finish it also delivers the events a killed process left in the outbox, then prints one
JSON line: the figures a crash must not change and the integrity report.
"""

import json
import os
import sys
from datetime import timedelta


def _say(*words) -> None:
    print(*words, flush=True)


def post_everything(company) -> None:
    from tandem.accounting.models import Invoice, Payment
    from tandem.accounting.services.invoices import invoice_post
    from tandem.accounting.services.payments import payment_post
    from tandem.hr.models import PayrollRun
    from tandem.hr.services import payroll_run_post
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Transfer
    from tandem.manufacturing.models import ManufacturingOrder, MoState
    from tandem.manufacturing.services import mo_done, mo_produce, mrp_run

    for transfer in Transfer.objects.filter(
        company=company, kind="delivery", state__in=["confirmed", "assigned"]
    ).order_by("pk"):
        _say("begin transfer", transfer.pk)
        inventory.transfer_done(transfer=transfer)
    for invoice in Invoice.objects.filter(company=company, state="draft").order_by("pk"):
        _say("begin invoice", invoice.pk)
        invoice_post(invoice=invoice)
    for payment in Payment.objects.filter(company=company, state="draft").order_by("pk"):
        _say("begin payment", payment.pk)
        payment_post(payment=payment)
    for run in PayrollRun.objects.filter(company=company, state="computed").order_by("pk"):
        _say("begin payroll", run.pk)
        payroll_run_post(run=run)
    orders = ManufacturingOrder.objects.filter(
        company=company, state__in=[MoState.CONFIRMED, MoState.IN_PROGRESS]
    )
    for mo in orders.order_by("pk"):
        left = mo.quantity - mo.quantity_produced
        if left > 0:
            _say("begin produce", mo.pk)
            mo = mo_produce(mo=mo, quantity=left)
        if mo.state != MoState.DONE:
            _say("begin finish", mo.pk)
            mo_done(mo=mo)
    _say("begin mrp", company.pk)
    mrp_run(company=company)


def finish(company) -> dict:
    from django.utils import timezone

    from tandem.core.events import deliver_due
    from tandem.core.integrity import run_all
    from tandem.manufacturing.models import PlannedOrder

    from .backup_figures import figures

    # events a killed process committed but never delivered (or held under a lease when it
    # died): what the retry task would pick up later, run now
    while deliver_due(now=timezone.now() + timedelta(days=1)):
        pass
    report = run_all()
    return {
        "figures": figures(company.code),
        # the last run's plan: a killed run must leave the one before it whole
        "plan": sorted(
            [kind, sku, str(quantity), str(due)]
            for kind, sku, quantity, due in PlannedOrder.objects.filter(
                company=company
            ).values_list("kind", "product__sku", "quantity", "due_date")
        ),
        "failed_checks": {name: found for name, found in report.results if found},
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from tandem.core.models import Company

    company = Company.objects.get(code=sys.argv[1])
    _say("ready")
    post_everything(company)
    if "--finish" in sys.argv:
        _say(json.dumps(finish(company)))
