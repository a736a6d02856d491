"""Foundation benchmark: load the large demo, then time the party and product list pages.

Usage: python bench/foundation.py [--database-url URL]
Prints a Markdown table; docs/benchmarks.md records the figures with the machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-")
    if args.database_url:
        os.environ["TANDEM_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tandem.cli import ensure_admin
    from tandem.core.models import User
    from tandem.core.services import token_create
    from tandem.demo import load_demo

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    summary = load_demo(size="large", seed=1)
    load_seconds = time.perf_counter() - started
    ensure_admin("bench-password-1")
    _token, raw = token_create(user=User.objects.get(username="admin"))
    client = Client()
    headers = {"Authorization": f"Bearer {raw}", "X-Company": "DEMO"}
    web = Client()
    web.force_login(User.objects.get(username="admin"))

    cases = [
        ("API /parties first page", client, "/api/v1/parties?limit=50", headers),
        (
            "API /parties search + filter",
            client,
            "/api/v1/parties?limit=50&search=科技&role=customer&ordering=-created_at",
            headers,
        ),
        ("API /parties page 150", client, "/api/v1/parties?limit=50&offset=7450", headers),
        ("API /products first page", client, "/api/v1/products?limit=50", headers),
        ("web /parties/ first page", web, "/parties/", {}),
        ("web /parties/ CSV export (all rows)", web, "/parties/export/?format=csv", {}),
    ]
    rows = []
    for label, http, path, extra in cases:
        timings = []
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = http.get(path, headers=extra)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200, (label, response.status_code)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = http.get(path, headers=extra)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        rows.append(
            (
                label,
                counter.count,
                statistics.median(timings),
                timings[int(len(timings) * 0.95) - 1],
            )
        )

    print(
        f"database: {connection.vendor}; demo large loaded in {load_seconds:.1f} s "
        f"({summary['parties']} parties, {summary['products']} products)"
    )
    print("| request | queries | median ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, count, median, p95 in rows:
        print(f"| {label} | {count} | {median:.1f} | {p95:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
