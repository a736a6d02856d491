"""Accounting refusals, each with a stable code (see API.md and the README of this app)."""

from tandem.core.errors import (
    Conflict,
    InvalidReference,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)


class EntryPosted(InvalidTransition):
    """A posted entry and its lines never change; a correction is a reversal."""

    code = "entry.posted"
    title = "Posted entries cannot change"


class Unbalanced(ValidationFailed):
    code = "ledger.unbalanced"
    title = "Debits and credits differ"


class PeriodClosed(Conflict):
    code = "period.closed"
    title = "The period is closed"


class PeriodMissing(ValidationFailed):
    code = "period.missing"
    title = "No fiscal period covers the date"


class InUse(Conflict):
    code = "account.in_use"
    title = "Still in use"


class ChartInstalled(Conflict):
    code = "chart.installed"
    title = "The company already has a chart of accounts"


# -- taxes and invoices ----------------------------------------------------------------------


class TaxInUse(Conflict):
    """A tax on documents keeps its figures; archive it and create another."""

    code = "tax.in_use"
    title = "The tax is in use"


class InvoiceNotDraft(InvalidTransition):
    code = "invoice.not_draft"
    title = "Only draft invoices can change"


class InvoiceInvalidTransition(InvalidTransition):
    code = "invoice.invalid_transition"
    title = "Not allowed in the invoice's state"


class InvoiceHasAllocations(Conflict):
    code = "invoice.has_allocations"
    title = "The invoice has payments or credit notes allocated"


class InvoiceEmpty(ValidationFailed):
    code = "invoice.empty"
    title = "An invoice needs lines"


class InvoiceNegative(ValidationFailed):
    code = "invoice.negative_total"
    title = "The invoice total is negative"


class CreditExceedsInvoice(Conflict):
    """A credit note of an invoice for more than the invoice has left to credit."""

    code = "invoice.credit_exceeds_invoice"


class RateMissing(ValidationFailed):
    code = "rate.missing"
    title = "No exchange rate for the invoice date"


__all__ = [
    "ChartInstalled",
    "Conflict",
    "CreditExceedsInvoice",
    "EntryPosted",
    "InUse",
    "InvoiceEmpty",
    "InvoiceHasAllocations",
    "InvoiceInvalidTransition",
    "InvoiceNegative",
    "InvoiceNotDraft",
    "RateMissing",
    "TaxInUse",
    "InvalidReference",
    "InvalidTransition",
    "NotFound",
    "PeriodClosed",
    "PeriodMissing",
    "Unbalanced",
    "ValidationFailed",
]


# -- payments and allocations (engineer `pay`) -----------------------------------------------


class PaymentNotDraft(InvalidTransition):
    code = "payment.not_draft"
    title = "Only draft payments can change"


class PaymentInvalidTransition(InvalidTransition):
    code = "payment.invalid_transition"
    title = "Not allowed in the payment's state"


class AllocationExceedsResidual(ValidationFailed):
    code = "allocation.exceeds_residual"
    title = "More than the invoice's amount due"


class AllocationExceedsUnallocated(ValidationFailed):
    code = "allocation.exceeds_unallocated"
    title = "More than the payment's unallocated amount"


class AllocationPartyMismatch(ValidationFailed):
    code = "allocation.party_mismatch"
    title = "The documents belong to different parties"


class AllocationCurrencyMismatch(ValidationFailed):
    code = "allocation.currency_mismatch"
    title = "The documents are in different currencies"


class AllocationWrongKind(ValidationFailed):
    code = "allocation.wrong_kind"
    title = "This document cannot be settled this way"


class AllocationNotOpen(Conflict):
    code = "allocation.document_not_open"
    title = "Only posted documents are settled"


# -- period-end revaluation --------------------------------------------------------------------


class RevaluationExists(Conflict):
    """One run per period end: a second one would count the differences twice."""

    code = "fx_revaluation.exists"
    title = "The open items were already revalued at this date"


class NotPeriodEnd(ValidationFailed):
    code = "fx_revaluation.not_period_end"
    title = "Revaluations are dated at the end of a period"
