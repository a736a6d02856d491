"""Service benchmark: N tickets with M messages (seeded in bulk through the demo's
in-memory timeline and the real SLA engine), the SLA refresh of every open ticket, the
service report, and mail intake from a Maildir through `mail_in_maildir` (the CRM's reader
and the service claimer: threading, parsing, ticket creation), twice: once sending every new
ticket's SLA check to the broker, once with the sla_sweep task in the beat schedule (only
checks due within 15 minutes are sent; the rest wait for the sweep).

Usage: python bench/service.py [--tickets 100000] [--messages-per-ticket 5]
                               [--maildir 500] [--database-url URL] [--profile]
                               [--no-intake]

Prints a Markdown table: seconds, rows/s and peak RSS. Targets (issue 16): the report under
1 s on PostgreSQL and 2 s on SQLite at 100,000 tickets / 500,000 messages; mail intake of at
least 50 messages/s.
"""

import argparse
import mailbox
import os
import random
import resource
import tempfile
import time
from email.message import EmailMessage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=5)
    parser.add_argument("--maildir", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the SLA refresh and the report"
    )
    parser.add_argument("--no-intake", action="store_true", help="skip the Maildir intake")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tandem-bench-service-")
    os.environ["TANDEM_DATA_DIR"] = data_dir
    if args.database_url:
        os.environ["TANDEM_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from tandem.core.calendars import business_calendar_create
    from tandem.core.services import company_create, reference_data_sync
    from tandem.crm.services import mail_in_maildir
    from tandem.parties.models import Party
    from tandem.service import queries, services
    from tandem.service.demo import _agents, _tickets
    from tandem.service.models import (
        MessageKind,
        SlaPolicy,
        Ticket,
        TicketMessage,
        TicketTransition,
    )
    from tandem.service.services.sla import compute

    reference_data_sync()
    company = company_create(code="BENCH", name="Bench Co", currency="CNY", country="CN")
    calendar = business_calendar_create(
        company=company,
        name="Support",
        time_zone="Asia/Shanghai",
        country="CN",
        week={str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)},
    )
    agents = _agents(company)
    team = services.team_create(
        company=company,
        name="Care",
        calendar=calendar,
        support_address="support@bench.test",
        members=agents,
    )
    for priority, first, resolution in (
        ("low", 8, 40),
        ("normal", 4, 24),
        ("high", 2, 12),
        ("urgent", 1, 4),
    ):
        services.sla_policy_create(
            company=company,
            name=priority,
            priority=priority,
            first_response_hours=first,
            resolution_hours=resolution,
            calendar=calendar,
        )
    policies = {p.priority: p for p in SlaPolicy.objects.filter(company=company)}
    parties = Party.objects.bulk_create(
        [
            Party(
                company=company,
                name=f"Customer {i}",
                email=f"c{i}@example.test",
                currency_id="CNY",
                is_customer=True,
            )
            for i in range(2000)
        ]
    )
    rng = random.Random(1)
    now = timezone.now()
    rows = []
    t = time.perf_counter()
    made = 0
    while made < args.tickets:
        n = min(5000, args.tickets - made)
        tickets, logs, threads = _tickets(
            company, rng, team, calendar, policies, agents, parties, n, now
        )
        for ticket, log in zip(tickets, logs, strict=True):
            log_rows = [TicketTransition(to_state=s, at=a) for s, a in log]
            for field, value in compute(
                ticket, ticket.policy, log_rows, now, {team.pk: team}
            ).items():
                setattr(ticket, field, value)
        Ticket.objects.bulk_create(tickets, batch_size=1000)
        TicketTransition.objects.bulk_create(
            [
                TicketTransition(company=company, ticket=ticket, to_state=s, at=a)
                for ticket, log in zip(tickets, logs, strict=True)
                for s, a in log
            ],
            batch_size=2000,
        )
        TicketMessage.objects.bulk_create(
            [
                TicketMessage(
                    company=company,
                    ticket=ticket,
                    kind=MessageKind.INBOUND,
                    body="x" * 200,
                    at=ticket.opened_at,
                )
                for ticket in tickets
                for _ in range(args.messages_per_ticket)
            ],
            batch_size=2000,
        )
        made += n
    rows.append(("seed tickets", time.perf_counter() - t, args.tickets))

    def profiled(label, fn):
        if not args.profile:
            return fn()
        import cProfile
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(fn)
        print(f"\n## profile: {label}\n")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return result

    t, cpu = time.perf_counter(), time.process_time()
    changed = profiled("SLA refresh", lambda: services.sla_refresh_open(company=company))
    refresh_cpu = time.process_time() - cpu
    open_count = (
        Ticket.objects.filter(company=company).exclude(state__in=["resolved", "closed"]).count()
    )
    rows.append(
        (f"SLA refresh of open tickets ({changed} changed)", time.perf_counter() - t, open_count)
    )
    rows.append(("SLA refresh, CPU", refresh_cpu, open_count))

    times, cpus = [], []
    for _ in range(3):
        t, cpu = time.perf_counter(), time.process_time()
        queries.service_report(company=company)
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - cpu)
    rows.append(("service report (best of 3)", min(times), args.tickets))
    rows.append(("service report, CPU (best of 3)", min(cpus), args.tickets))
    if args.profile:
        profiled("service report", lambda: queries.service_report(company=company))

    def intake(label: str, first: int) -> None:
        """Mail intake of --maildir new messages; wall and CPU seconds."""
        box_dir = os.path.join(data_dir, f"Maildir-{first}")
        box = mailbox.Maildir(box_dir, create=True)
        for i in range(first, first + args.maildir):
            msg = EmailMessage()
            msg["From"] = f"c{i % 2000}@example.test"
            msg["To"] = "support@bench.test"
            msg["Subject"] = f"Question {i}"
            msg["Message-ID"] = f"<bench{i}@example.test>"
            msg.set_content("Hello, my order has not arrived yet.\n" * 5)
            box.add(msg.as_bytes())
        t, cpu = time.perf_counter(), time.process_time()
        counts = mail_in_maildir(company=company, path=box_dir)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        rows.append((f"mail intake, {label} ({counts}), wall", wall, args.maildir))
        rows.append((f"mail intake, {label}, CPU", cpu, args.maildir))

    from django.conf import settings

    sweep = {"task": "tandem.service.tasks.sla_sweep", "schedule": 300.0}
    beat = dict(settings.CELERY_BEAT_SCHEDULE)
    plain = {k: v for k, v in beat.items() if v.get("task") != sweep["task"]}
    # each way on its own messages: a check sent per message, then only the ones due soon
    # (the sweep in the beat schedule, as the lead wires it)
    if not args.no_intake:
        settings.CELERY_BEAT_SCHEDULE = plain
        intake("every check sent", 0)
        settings.CELERY_BEAT_SCHEDULE = {**plain, "service-sla-sweep": sweep}
        intake("checks due soon sent, the rest swept", 1_000_000)
        settings.CELERY_BEAT_SCHEDULE = beat

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"load average {os.getloadavg()}; database: {connection.vendor}; tickets {args.tickets}, "
        f"messages {args.tickets * args.messages_per_ticket}; peak RSS {rss} MB\n"
    )
    print("| step | seconds | rows | rows/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds, n in rows:
        print(f"| {name} | {seconds:.3f} | {n} | {n / seconds if seconds else 0:,.0f} |")


if __name__ == "__main__":
    main()
