from celery import shared_task

from . import services


@shared_task(name="tandem.core.tasks.expire_idempotency_keys")
def expire_idempotency_keys(older_than_hours: int | None = None) -> int:
    return services.idempotency_keys_expire(older_than_hours=older_than_hours)
