"""The accounting API: one router made of the ledger's, the documents' and the reports'."""

from ninja import Router

from .category_accounts import router as category_accounts_router
from .invoices import router as invoices_router
from .ledger import router as ledger_router
from .payments import router as payments_router
from .reports import router as reports_router
from .revaluation import router as revaluation_router
from .tax_rules import router as tax_rules_router

router = Router()
router.add_router("/", ledger_router)
router.add_router("/", invoices_router)
router.add_router("/", payments_router)
router.add_router("/", reports_router)
router.add_router("/", revaluation_router)
router.add_router("/", category_accounts_router)
router.add_router("/", tax_rules_router)
