"""App servers started together migrate one at a time: `tandem migrate` (and `serve`, `demo`)
take a PostgreSQL advisory lock, so a second process waits and then finds nothing to do
instead of applying the same migration twice and failing on "already exists"."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tandem.cli import MIGRATE_LOCK

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]


def _waiting_on_the_lock(cursor) -> bool:
    # a bigint advisory key below 2**32 shows as classid 0, objid the key
    cursor.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = 0 AND objid = %s",
        [MIGRATE_LOCK],
    )
    return cursor.fetchone()[0] > 0


def test_a_second_migrate_waits_for_the_lock_then_succeeds(tmp_path):
    from django.db import connection

    config = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANDEM_", "PYTEST_"))}
    env.update(
        TANDEM_DATA_DIR=str(tmp_path),
        TANDEM_DATABASE_URL=(
            f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
            f"/{config['NAME']}"
        ),
        PYTHONPATH=str(REPO / "src"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    process = None
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tandem", "migrate"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with connection.cursor() as cursor:
            for _ in range(3000):  # until the process queues on the lock (or exits)
                if _waiting_on_the_lock(cursor) or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert _waiting_on_the_lock(cursor), process.communicate()[0][-3000:]
        assert process.poll() is None  # held back while this session migrates
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-3000:]
