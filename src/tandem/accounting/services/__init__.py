"""Accounting services: the only code that writes ledger rows.

Every function takes keyword-only arguments, runs in one transaction, locks contested rows
through `_common.lock` (primary-key order) and raises a DomainError subclass with a stable
code on refusal (see ..errors); a refused call changes nothing.
"""

from ..errors import (
    ChartInstalled,
    EntryPosted,
    InUse,
    InvalidReference,
    PeriodClosed,
    PeriodMissing,
    Unbalanced,
)
from ._common import UNSET, account_for_role, company_today, lock, lock_one
from .chart import (
    ACCOUNT_FIELDS,
    JOURNAL_FIELDS,
    account_create,
    account_delete,
    account_update,
    chart_install,
    fiscal_year_create,
    fiscal_year_start_for,
    journal_create,
    journal_delete,
    journal_update,
)
from .entries import (
    LINE_FIELDS,
    entry_create,
    entry_create_posted,
    entry_delete,
    entry_post,
    entry_reverse,
    entry_update,
    period_for,
)
from .periods import period_close, period_reopen, year_end_close
from .tax_defaults import (
    default_taxes,
    default_taxes_for_lines,
    default_taxes_set,
    party_tax_rule_delete,
    party_tax_rule_set,
    tax_rule_apply,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "JOURNAL_FIELDS",
    "LINE_FIELDS",
    "UNSET",
    "ChartInstalled",
    "EntryPosted",
    "InUse",
    "InvalidReference",
    "PeriodClosed",
    "PeriodMissing",
    "Unbalanced",
    "account_create",
    "account_delete",
    "account_for_role",
    "account_update",
    "chart_install",
    "company_today",
    "default_taxes",
    "default_taxes_for_lines",
    "default_taxes_set",
    "entry_create",
    "entry_create_posted",
    "entry_delete",
    "entry_post",
    "entry_reverse",
    "entry_update",
    "fiscal_year_create",
    "fiscal_year_start_for",
    "journal_create",
    "journal_delete",
    "journal_update",
    "lock",
    "lock_one",
    "party_tax_rule_delete",
    "party_tax_rule_set",
    "period_close",
    "period_for",
    "period_reopen",
    "tax_rule_apply",
    "year_end_close",
]
