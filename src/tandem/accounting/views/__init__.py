"""Accounting pages: the ledger (ledger.py); documents and reports in sibling modules."""
