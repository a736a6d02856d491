import random

import pytest

from tandem.inventory.demo import load_inventory_demo
from tandem.inventory.models import Transfer

from .conftest import assert_integrity

pytestmark = pytest.mark.django_db


def test_the_demo_is_deterministic_and_consistent(wh, make_product, supplier, customer):
    for n in range(12):
        make_product("fifo" if n % 2 else "average", cost=f"{n + 3}.00")
    result = load_inventory_demo(wh.company, rng=random.Random(7), size="small")
    assert result == {"receipts": 2, "deliveries": 8, "reservations": 6}
    assert Transfer.objects.filter(company=wh.company, kind="delivery", state="done").count() == 8
    assert_integrity()
