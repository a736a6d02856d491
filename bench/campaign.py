"""Campaign benchmark: segment counts over N parties, the freeze of N recipients (the
enqueue), and the send of every message to a loopback SMTP sink through the real send code
(one connection, a claim that re-checks consent and suppression per message, MIME build,
the trace marked sent).

Usage: python bench/campaign.py [--recipients 100000] [--database-url URL] [--rate 0]
       [--no-send] [--count-only] [--counts 3] [--explain]

`--no-send` stops after the enqueue (the seed, the counts and the freeze of N recipients),
for a machine where the send of N messages does not fit; `--count-only` stops after the
segment counts (`--counts` of them), `--explain` prints the count's SQL and plan.
Each phase is printed as it ends.

The sink is aiosmtpd's discarding Sink in a child process (so it does not share this
process's interpreter lock). Prints a Markdown table: seconds, messages/s and peak RSS;
docs/benchmarks.md records the figures with the machine and its load (`uptime`).
Targets (issue 15): enqueue 100,000 in under 2 minutes; at least 200 messages/s to the local
sink; segment counts over 100,000 parties under 200 ms on SQLite and PostgreSQL.
"""

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rate", type=float, default=0, help="messages/s (0: unthrottled)")
    parser.add_argument("--no-send", action="store_true", help="stop after the enqueue")
    parser.add_argument("--count-only", action="store_true", help="stop after the segment counts")
    parser.add_argument("--counts", type=int, default=3, help="how many timed counts")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE) of the count's SQL"
    )
    args = parser.parse_args()
    n = args.recipients

    data_dir = tempfile.mkdtemp(prefix="tandem-bench-campaign-")
    os.environ["TANDEM_DATA_DIR"] = data_dir
    if args.database_url:
        os.environ["TANDEM_DATABASE_URL"] = args.database_url
    port = _free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ["TANDEM_EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MARKETING_RATE = args.rate
    settings.MARKETING_DOMAIN_RATE = 0

    try:
        _wait_port(port)
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        _phase("migrate", time.perf_counter() - t)
        from tandem.core.services import company_create, reference_data_sync
        from tandem.marketing import services
        from tandem.marketing.models import Campaign, CampaignRecipient, Consent
        from tandem.parties.models import Party

        reference_data_sync()
        company = company_create(code="BENCH", name="Bench Co", currency="CNY", country="CN")
        t = time.perf_counter()
        batch = 5000
        for start in range(0, n, batch):
            Party.objects.bulk_create(
                [
                    Party(
                        company=company,
                        name=f"Customer {i}",
                        kind="person",
                        email=f"c{i}@d{i % 50}.example.com",
                        country="CN" if i % 3 else "US",
                        currency_id="CNY",
                        is_customer=True,
                    )
                    for i in range(start, min(n, start + batch))
                ]
            )
        ids = list(Party.objects.filter(company=company).values_list("pk", flat=True))
        for start in range(0, n, batch):
            Consent.objects.bulk_create(
                [
                    Consent(
                        company=company,
                        party_id=pk,
                        purpose="newsletter",
                        state="granted",
                        source="bench",
                    )
                    for pk in ids[start : start + batch]
                ]
            )
        if connection.vendor == "postgresql":
            # fresh statistics and visibility map, as autovacuum keeps them after bulk inserts
            # (without the latter PostgreSQL does not plan the consent index-only scan)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        seed_seconds = time.perf_counter() - t
        _phase("seed parties + consents", seed_seconds)

        rules = {
            "all": [
                {"field": "consent", "op": "granted", "value": "newsletter"},
                {"field": "country", "op": "eq", "value": "CN"},
            ]
        }
        counts = []
        for _ in range(args.counts):
            t = time.perf_counter()
            services.segment_parties(company=company, rules=rules).count()
            counts.append(time.perf_counter() - t)
            _phase("segment count", counts[-1])
        if args.explain:
            _explain(connection, services.segment_parties(company=company, rules=rules))
        if args.count_only:
            return _report(connection, n, seed_seconds, counts, None, None, 0, 0)
        segment = services.segment_create(
            company=company,
            name="All",
            rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
        )
        template = services.template_create(
            company=company,
            name="News",
            language="en",
            subject="News for {{ name }}",
            body_html='<p>Dear {{ first_name }},</p><p><a href="https://ex.com/offer">Offer</a>'
            '</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
        )
        campaign = services.campaign_create(
            company=company, name="Bench", segment=segment, template=template
        )
        Campaign.objects.filter(pk=campaign.pk).update(state="sending")
        campaign.refresh_from_db()

        t = time.perf_counter()
        services.recipients_freeze(campaign=campaign)
        enqueue_seconds = time.perf_counter() - t
        _phase("enqueue (freeze)", enqueue_seconds)
        if args.no_send:
            return _report(connection, n, seed_seconds, counts, enqueue_seconds, None, 0, 0)

        from django.urls import reverse

        reverse("marketing:home")  # load the URLconf first, as a warm worker has it
        t = time.perf_counter()
        result = services.campaign_run(campaign=campaign)
        send_seconds = time.perf_counter() - t
        sent = CampaignRecipient.objects.filter(campaign=campaign, state="sent").count()
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    _report(connection, n, seed_seconds, counts, enqueue_seconds, result, send_seconds, sent)


def _explain(connection, queryset) -> None:
    """The count's SQL and its plan with real timings (EXPLAIN ANALYZE / EXPLAIN QUERY PLAN)."""
    inner, params = queryset.order_by().values("pk").query.sql_with_params()
    sql = f"SELECT COUNT(*) FROM ({inner}) AS counted"
    print(sql % tuple(repr(p) for p in params))
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        for row in cursor.fetchall():
            print(" | ".join(str(c) for c in row))


def _phase(name: str, seconds: float) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {seconds:.3f} s; load {os.getloadavg()}")
    sys.stdout.flush()


def _report(connection, n, seed_seconds, counts, enqueue_seconds, result, send_seconds, sent):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {connection.vendor}; recipients: {n}; uptime: {os.getloadavg()}")
    print("| phase | seconds | rate | notes |")
    print("| --- | ---: | ---: | --- |")
    print(f"| seed parties + consents | {seed_seconds:.1f} | | bulk insert |")
    print(
        f"| segment count (consent + country) | {min(counts) * 1000:.0f} ms | | "
        f"best of {len(counts)}: {', '.join(f'{c * 1000:.0f}' for c in counts)} ms |"
    )
    if enqueue_seconds is not None:
        print(f"| enqueue (freeze) | {enqueue_seconds:.1f} | {n / enqueue_seconds:,.0f}/s | |")
    if result is not None:
        print(
            f"| send to the sink | {send_seconds:.1f} | {sent / send_seconds:,.0f} msg/s | "
            f"sent {sent}, {result} |"
        )
    print(f"| peak RSS | {rss:.0f} MB | | |")


if __name__ == "__main__":
    main()
