"""The hr part of the demo company (`tandem demo`), loaded by tandem.demo after the CRM
part, so it can use the demo's parties, products, orders and invoices."""

import random

from tandem.core.models import Company


def load_hr_demo(
    *, company: Company, parties: list, products: list, rng: random.Random, size: str
) -> None:
    """Nothing yet."""
