"""What may still change on a posted (or cancelled) invoice or payment: almost nothing.

As for journal entries (ledger.py), three guards hold the line: `save()`/`delete()` of the
models (the mixins below), their QuerySets' `update()`/`delete()`, and on PostgreSQL the
triggers of migration 0006, which also stop raw SQL, other clients and bugs.

A document past draft keeps its number, party, journal, dates, currency, rate, amounts and
lines for good. The only columns that still move are those the services move (read
services/invoices.py and payments.py): the residuals and payment state as allocations settle
it, and the cancellation (state to cancelled, the reversal entry and its date). A correction is
a credit note or a cancellation, never an edit. Allocations are planned rows while their payment
is a draft; once in force they only leave, to `VoidedAllocation`, when the payment is cancelled
(its entry reversed in the same transaction).

Inserting a row that is already posted is not refused here: that is how data is loaded (and how
tests build a ledger); what these guards forbid is changing the story once told.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q

from tandem.core.models import CompanyQuerySet

from ..errors import InvoiceNotDraft, PaymentNotDraft

DRAFT = "draft"
POSTED = "posted"
CANCELLED = "cancelled"

# What the services change on an invoice after posting (settlement and cancellation).
INVOICE_MUTABLE = frozenset(
    {
        "state",
        "payment_state",
        "residual_amount",
        "residual_company",
        "cancel_entry",
        "cancelled_on",
        "updated_at",
    }
)
# What the services change on a payment after posting (allocation and cancellation).
PAYMENT_MUTABLE = frozenset(
    {"state", "unallocated_amount", "cancel_entry", "cancelled_on", "updated_at"}
)


def _same(field, a, b) -> bool:
    try:
        return field.to_python(a) == field.to_python(b)
    except ValidationError:
        return a == b


def _state_move_allowed(old: str, new) -> bool:
    # The one transition past draft: posted -> cancelled (through the services' cancel).
    return new == old or (old == POSTED and new == CANCELLED)


class PostedDocumentQuerySet(CompanyQuerySet):
    """Refuses bulk changes of immutable columns, and deletes, of rows past draft."""

    def update(self, **kwargs):
        model = self.model
        names = {model._meta.get_field(name).name for name in kwargs}
        refused = names - model.mutable_after_posting
        if "state" in kwargs and kwargs["state"] != CANCELLED:
            refused.add("state")
        if refused and self.exclude(state=DRAFT).exists():
            raise model.posted_error(
                f"Posted {model._meta.verbose_name_plural} keep their "
                f"{', '.join(sorted(refused))}; credit or cancel them instead"
            )
        return super().update(**kwargs)

    def delete(self):
        model = self.model
        if self.exclude(state=DRAFT).exists():
            raise model.posted_error(
                f"Posted {model._meta.verbose_name_plural} are never deleted; cancel them instead"
            )
        return super().delete()


class PostedDocumentGuard:
    """Mixin for Invoice and Payment: `save()` refuses a change of an immutable column of a
    row stored past draft, `delete()` refuses such a row."""

    mutable_after_posting: frozenset = frozenset()
    posted_error = InvoiceNotDraft

    def _stored_past_draft(self) -> dict | None:
        if self._state.adding or self.pk is None:
            return None
        names = [field.attname for field in self._meta.concrete_fields]
        return (
            type(self)._base_manager.filter(pk=self.pk).exclude(state=DRAFT).values(*names).first()
        )

    def save(self, *args, **kwargs):
        stored = self._stored_past_draft()
        if stored is not None:
            refused = {
                field.name
                for field in self._meta.concrete_fields
                if field.name not in self.mutable_after_posting
                and not _same(field, getattr(self, field.attname), stored[field.attname])
            }
            if not _state_move_allowed(stored["state"], self.state):
                refused.add("state")
            if refused:
                raise self.posted_error(
                    f"{stored['number'] or self.pk} is {stored['state']}: its "
                    f"{', '.join(sorted(refused))} never change; credit or cancel it instead"
                )
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if (
            self.state != DRAFT
            or type(self)._base_manager.filter(pk=self.pk).exclude(state=DRAFT).exists()
        ):
            raise self.posted_error(
                f"{self.number or self.pk} is not a draft: posted documents are never deleted"
            )
        return super().delete(*args, **kwargs)


class InvoiceLineQuerySet(CompanyQuerySet):
    """Refuses bulk changes of lines of invoices past draft."""

    def _touches_posted(self) -> bool:
        return self.exclude(invoice__state=DRAFT).exists()

    def update(self, **kwargs):
        if self._touches_posted():
            raise InvoiceNotDraft("Lines of posted invoices never change")
        return super().update(**kwargs)

    def delete(self):
        if self._touches_posted():
            raise InvoiceNotDraft("Lines of posted invoices are never deleted")
        return super().delete()


class InvoiceLineGuard:
    """Mixin for InvoiceLine: no line is added to, changed on or taken off an invoice past
    draft (the one it is moved to, or the one it belongs to now)."""

    def _in_posted_invoice(self) -> bool:
        invoice_model = self._meta.get_field("invoice").related_model
        invoices = Q(pk=self.invoice_id)
        if not self._state.adding and self.pk is not None:
            invoices |= Q(lines__pk=self.pk)
        return invoice_model._base_manager.filter(invoices).exclude(state=DRAFT).exists()

    def save(self, *args, **kwargs):
        if self._in_posted_invoice():
            raise InvoiceNotDraft("Lines of posted invoices never change")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._in_posted_invoice():
            raise InvoiceNotDraft("Lines of posted invoices are never deleted")
        return super().delete(*args, **kwargs)


# An allocation in force: of a posted or cancelled payment, or of a credit note.
IN_FORCE = Q(payment__isnull=True) | ~Q(payment__state=DRAFT)
# payment_cancel moves a posted payment's allocations to VoidedAllocation after reversing
# its entry, in the same transaction: the one way an allocation in force leaves.
BEING_CANCELLED = Q(payment__state=POSTED, payment__entry__reversed_by__isnull=False)


def _allocation_error(rows) -> Exception:
    if rows.filter(payment__isnull=True).exists():
        return InvoiceNotDraft("Allocations of credit notes never change")
    return PaymentNotDraft("Allocations of posted payments never change; cancel the payment")


class AllocationQuerySet(CompanyQuerySet):
    def update(self, **kwargs):
        in_force = self.filter(IN_FORCE)
        if in_force.exists():
            raise _allocation_error(in_force)
        return super().update(**kwargs)

    def delete(self):
        kept = self.filter(IN_FORCE).exclude(BEING_CANCELLED)
        if kept.exists():
            raise _allocation_error(kept)
        return super().delete()


class AllocationGuard:
    """Mixin for Allocation: a stored row changes or goes only while its payment is a draft
    (a planned allocation); new rows are how allocations happen."""

    def _stored_in_force(self):
        if self._state.adding or self.pk is None:
            return None
        rows = type(self)._base_manager.filter(IN_FORCE, pk=self.pk)
        return rows if rows.exists() else None

    def save(self, *args, **kwargs):
        rows = self._stored_in_force()
        if rows is not None:
            raise _allocation_error(rows)
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        rows = self._stored_in_force()
        if rows is not None:
            raise _allocation_error(rows)
        return super().delete(*args, **kwargs)
