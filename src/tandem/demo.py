"""The demo company. Placeholder until the demo loader lands: one company, no invented data."""

from django.db import transaction

from tandem.core.models import Company
from tandem.core.services import company_create


@transaction.atomic
def load_demo(*, size: str = "small", seed: int = 1) -> dict:
    company = Company.objects.filter(code="DEMO").first() or company_create(
        code="DEMO",
        name="Tandem Demo Trading Co.",
        currency="CNY",
        country="CN",
        time_zone="Asia/Shanghai",
    )
    return {"company": company.code}
