"""HR invariants behind `tandem check-integrity` (set-based)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum

from tandem.accounting.models import EntryLine
from tandem.core.integrity import register

from .models import PayrollRun, RunState
from .services import posting_amounts


@register("hr: a posted payroll run's entry equals its payslips' totals")
def posted_runs_match_entries():
    runs = list(PayrollRun.objects.filter(state=RunState.POSTED).order_by("pk"))
    if not runs:
        return
    expected = posting_amounts(runs)
    booked: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    rows = (
        EntryLine.objects.filter(entry__in=[run.entry_id for run in runs if run.entry_id])
        .values("entry_id", "account__role")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    for row in rows:
        net = Decimal(str(row["debit"] - row["credit"])).quantize(Decimal("0.01"))
        booked[row["entry_id"]][row["account__role"]] += net
    for run in runs:
        want: dict[str, Decimal] = defaultdict(Decimal)
        for (role, side), value in expected.get(run.pk, {}).items():
            want[role] += value if side == "debit" else -value
        want = {role: value for role, value in want.items() if value}
        got = {role: value for role, value in booked.get(run.entry_id, {}).items() if value}
        if run.entry_id is None and want:
            yield f"payroll run {run.pk} ({run.period}): posted without an entry"
        elif want != got:
            yield (
                f"payroll run {run.pk} ({run.period}): entry {run.entry_id} books {got}, "
                f"its payslips call for {want}"
            )


@register("hr: each leave request's ledger entries match its state")
def leave_requests_match_ledger():
    """An approved request has taken its days (entries sum to -days), any other request
    nothing (a cancelled one's reversal brings it back to 0)."""
    from django.db.models import Q

    from .models import LeaveRequest, LeaveState

    rows = (
        LeaveRequest.objects.annotate(taken=Sum("entries__amount"))
        .filter(
            Q(state=LeaveState.APPROVED) & (Q(taken__isnull=True) | ~Q(taken=-F("days")))
            | (~Q(state=LeaveState.APPROVED) & Q(taken__isnull=False) & ~Q(taken=0))
        )
        .values_list("pk", "state", "days", "taken")
        .order_by("pk")
    )
    for pk, state, days, taken in rows:
        yield f"leave request {pk} ({state}, {days}): its ledger entries sum to {taken}"
