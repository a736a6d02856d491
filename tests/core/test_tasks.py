from datetime import timedelta

from django.utils import timezone

from tandem.core.models import IdempotencyKey
from tandem.core.tasks import expire_idempotency_keys


def test_stale_idempotency_keys_expire_and_fresh_ones_stay(owner):
    stale = IdempotencyKey.objects.create(user=owner, key="old", request_hash="x", path="/")
    IdempotencyKey.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    IdempotencyKey.objects.create(user=owner, key="new", request_hash="y", path="/")

    deleted = expire_idempotency_keys.apply().get()

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
