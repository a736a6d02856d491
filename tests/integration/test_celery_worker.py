"""A real Celery worker process on the configured broker runs a task against the database."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tandem.core.models import IdempotencyKey
from tandem.core.tasks import expire_idempotency_keys

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("set TANDEM_BROKER_URL=redis://127.0.0.1:6379/15 for the Celery leg")
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": _database_url(),
        "TANDEM_DATA_DIR": str(tmp_path),
        "TANDEM_TEST_DATABASE_URL": "",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tandem",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_worker_expires_stale_idempotency_keys(owner, worker):
    stale = IdempotencyKey.objects.create(user=owner, key="stale", request_hash="h", path="/")
    IdempotencyKey.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))
    IdempotencyKey.objects.create(user=owner, key="fresh", request_hash="h", path="/")

    expire_idempotency_keys.delay()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and IdempotencyKey.objects.filter(key="stale").exists():
        time.sleep(0.5)
    assert worker.poll() is None, worker.stdout.read()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_expiry_task_is_on_the_beat_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE["expire-idempotency-keys"]
    assert schedule["task"] == expire_idempotency_keys.name
    assert schedule["schedule"] <= 24 * 3600
