"""The `tandem` command (see API.md). Thin: each subcommand hands over to Django or Celery."""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()


def _call(name, *args, **options):
    from django.core.management import call_command

    return call_command(name, *args, **options)


# One process at a time migrates a PostgreSQL database: app servers started together (N
# `tandem serve` behind a load balancer) would otherwise each apply the same new migration,
# and all but one fail on "column already exists". A session-level advisory lock; the key is
# arbitrary but fixed ("tand").
MIGRATE_LOCK = 0x74616E64


def _migrate(verbosity: int = 0) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        _call("migrate", interactive=False, verbosity=verbosity)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        # the second process finds everything applied and does nothing
        _call("migrate", interactive=False, verbosity=verbosity)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])


def _embedded_broker() -> bool:
    from django.conf import settings

    return settings.CELERY_BROKER_URL.startswith("sqla+")


def _database_is_empty() -> bool:
    from tandem.core.models import Company

    return not Company.objects.exists()


def admin_username() -> str:
    return os.environ.get("TANDEM_ADMIN_USER", "").strip() or "admin"


def ensure_admin(password: str | None = None) -> tuple[str, str | None]:
    """Create the superuser (TANDEM_ADMIN_USER, default `admin`; owner of every company) if
    missing. A given password (argument or TANDEM_ADMIN_PASSWORD) must pass the password
    validators; a generated one must be changed at the first login, and so must a given one
    when TANDEM_FORCE_PASSWORD_CHANGE is set.

    Returns the username and the password when one was set now (else None). Raises the
    service's ValidationFailed for a refused password.
    """
    from tandem.core.models import Company, User
    from tandem.core.services import membership_grant, password_check

    username = admin_username()
    user = User.objects.filter(username=username).first()
    new_password = None
    if user is None:
        given = password or os.environ.get("TANDEM_ADMIN_PASSWORD")
        new_password = given or secrets.token_urlsafe(12)
        email = f"{username}@localhost" if "@" not in username else username
        password_check(new_password, user=User(username=username, email=email))
        user = User.objects.create_superuser(username, email, new_password)
        forced = not given or _truthy_env("TANDEM_FORCE_PASSWORD_CHANGE")
        if forced:
            User.objects.filter(pk=user.pk).update(must_change_password=True)
    for company in Company.objects.exclude(memberships__user=user):
        membership_grant(user=user, company=company, roles=["owner"])
    return user.username, new_password


def _truthy_env(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _ensure_admin_or_exit(password: str | None = None) -> tuple[str, str | None]:
    from tandem.core.errors import DomainError

    try:
        return ensure_admin(password)
    except DomainError as exc:
        print(f"Refused admin password: {exc.message}", file=sys.stderr)
        sys.exit(2)


def cmd_migrate(args):
    _django()
    _migrate(args.verbosity)


def cmd_createadmin(args):
    _django()
    _migrate()
    username, password = _ensure_admin_or_exit(args.password)
    if password:
        print(f"Created user {username} with password: {password}")
    else:
        print(f"User {username} exists; password unchanged.")


def cmd_demo(args):
    _django()
    _migrate()
    _call("demo", size=args.size, seed=args.seed)
    username, password = _ensure_admin_or_exit()
    if password:
        print(f"Login: user {username}, password {password}")


def cmd_token(args):
    _django()
    from django.utils import timezone

    from tandem.core.models import User
    from tandem.core.services import token_create

    user = User.objects.filter(username=args.user).first()
    if user is None:
        print(f"No user named {args.user!r}", file=sys.stderr)
        sys.exit(2)
    expires_at = None
    if args.expires_days is not None:
        if args.expires_days < 1:
            print("--expires-days must be at least 1", file=sys.stderr)
            sys.exit(2)
        expires_at = timezone.now() + timedelta(days=args.expires_days)
    _token, raw = token_create(
        user=user, name=args.name or "cli", scope=args.scope, expires_at=expires_at
    )
    print(f"API token for {user.username} ({args.scope}, shown once):")
    print(raw)


def cmd_check_integrity(args):
    _django()
    from tandem.core.integrity import run_all

    report = run_all()
    print(report.render())
    sys.exit(0 if report.ok else 1)


def _company(code: str | None):
    """The company named by --company, or the only one; exits 2 otherwise."""
    from tandem.core.models import Company

    companies = Company.objects.order_by("pk")
    company = companies.filter(code=code).first() if code else None
    if company is None and not code and companies.count() == 1:
        company = companies.first()
    if company is None:
        print("Name the company with --company CODE", file=sys.stderr)
        sys.exit(2)
    return company


def cmd_mail_in(args):
    """Log the new messages of a Maildir as CRM interactions (see crm.services.email)."""
    _django()
    from tandem.crm.services import mail_in_maildir

    counts = mail_in_maildir(company=_company(args.company), path=args.maildir)
    print(
        f"logged {counts['logged']}, duplicates {counts['duplicate']}, "
        f"claimed {counts['claimed']}, failed {counts['failed']}"
    )
    sys.exit(1 if counts["failed"] else 0)


def _lead_import(args):
    """Leads keep their all-or-nothing import (crm.services.lead_import) until they move onto
    the framework."""
    from tandem.core.errors import DomainError
    from tandem.crm.services import lead_import

    try:
        with open(args.file, "rb") as handle:
            content = handle.read()
        report = lead_import(
            company=_company(args.company),
            name=args.file,
            content=content,
            dry_run=args.dry_run,
        )
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        sys.exit(2)
    except DomainError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    for row in report.rows:
        for error in row["errors"]:
            print(f"row {row['row']}: {error['field']}: {error['message']}", file=sys.stderr)
    totals = report.as_dict()["totals"]
    mode = "dry run" if args.dry_run else "import"
    print(
        f"{mode}: {totals['rows']} rows, {totals['valid']} valid, {totals['errors']} refused, "
        f"{totals['created']} created"
    )
    sys.exit(0 if report.ok else 1)


def cmd_import(args):
    """`tandem import OBJECT FILE [--dry-run] [--mapping JSON] [--source NAME]`: the same
    engine as the Import page (see tandem.core.imports), in this process. Rejected rows go to
    stderr with their row, field and code; exit 0 when every row was imported, 1 when some
    were rejected (the others are imported, unless the object is all-or-nothing), 2 when the
    file itself is refused."""
    import json

    _django()
    from tandem.core.errors import DomainError
    from tandem.core.imports import import_object, import_run, mapping_save, mapping_saved

    if args.object == "leads":
        _lead_import(args)
    company = _company(args.company)
    try:
        obj = import_object(args.object)
        mapping = json.loads(args.mapping) if args.mapping else None
        if mapping is None and args.source:
            mapping = mapping_saved(company, obj.name, args.source)
        with open(args.file, "rb") as handle:
            report = import_run(
                company=company,
                object_name=obj.name,
                name=args.file,
                content=handle,
                mapping=mapping,
                dry_run=args.dry_run,
                preview=0,
            )
        if args.source and args.mapping and not args.dry_run:
            mapping_save(company=company, object_name=obj.name, source=args.source, mapping=mapping)
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        sys.exit(2)
    except ValueError:
        print("--mapping: a JSON object {column: field}", file=sys.stderr)
        sys.exit(2)
    except DomainError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    for error in report.errors:
        field = f"{error['field']}: " if error["field"] else ""
        print(f"row {error['row']}: {field}{error['code']}: {error['message']}", file=sys.stderr)
    if report.refused:
        print(f"{report.refused['code']}: {report.refused['message']}", file=sys.stderr)
    mode = "dry run" if args.dry_run else "import"
    written = not args.dry_run and (report.ok or not obj.atomic)
    verb = ("created", "updated") if written else ("to create", "to update")
    print(
        f"{mode}: {report.rows} rows, {report.rows - report.rejected_count} valid, "
        f"{report.rejected_count} refused, {report.created} {verb[0]}, {report.updated} {verb[1]}"
    )
    sys.exit(0 if report.ok else 1)


def cmd_export(args):
    """`tandem export OBJECT [--format csv|xlsx] [--output PATH]`: every row, in the columns
    its import reads (so the file imports back); CSV is streamed."""
    _django()
    from tandem.core.errors import DomainError
    from tandem.core.exports import export_response
    from tandem.core.imports import import_object

    company = _company(args.company)
    try:
        obj = import_object(args.object)
    except DomainError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    if obj.export is None:
        print(f"{obj.name} cannot be exported", file=sys.stderr)
        sys.exit(2)
    headers, rows = obj.export(company)
    response = export_response(fmt=args.format, filename=obj.name, headers=headers, rows=rows)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        if response.streaming:
            for chunk in response.streaming_content:
                out.write(chunk)
        else:
            out.write(response.content)
    finally:
        if args.output:
            out.close()
        else:
            out.flush()


def cmd_backup(args):
    """`tandem backup PATH`: the database, secret key and uploaded files in one archive."""
    _django()
    from tandem.core.backup import BackupError, backup

    try:
        manifest = backup(args.path)
    except BackupError as exc:
        print(f"Backup refused: {exc}", file=sys.stderr)
        sys.exit(2)
    print(
        f"Backed up the {manifest['engine']} database (schema of Tandem "
        f"{manifest['tandem_version']}), {manifest['media_files']} uploaded files"
        f"{' and the secret key' if manifest['secret_key'] else ''} to {args.path}"
    )


def cmd_restore(args):
    """`tandem restore PATH [--force]`: exit 2, nothing changed, on any refusal."""
    _django()
    from tandem.core.backup import BackupError, restore

    try:
        manifest = restore(args.path, force=args.force)
    except BackupError as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        sys.exit(2)
    print(
        f"Restored {args.path} (Tandem {manifest['tandem_version']}, "
        f"{manifest['created_at']}); migrations applied"
    )


def _celery_argv(*extra):
    return [sys.executable, "-m", "celery", "-A", "tandem", *extra]


def cmd_worker(args):
    _django()
    os.execv(
        sys.executable,
        _celery_argv("worker", "--loglevel", args.loglevel, "--concurrency", str(args.concurrency)),
    )


def cmd_beat(args):
    _django()
    from django.conf import settings

    os.execv(
        sys.executable,
        _celery_argv(
            "beat",
            "--loglevel",
            args.loglevel,
            "--schedule",
            settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ),
    )


def cmd_serve(args):
    # links in mail and webhooks point here unless the operator names a public address
    shown_host = "localhost" if args.host in ("0.0.0.0", "::", "") else args.host
    os.environ.setdefault("TANDEM_BASE_URL", f"http://{shown_host}:{args.port}")
    _django()
    from django.conf import settings

    _migrate()
    if args.demo and _database_is_empty():
        print("Loading the demo company (first start)…", flush=True)
        _call("demo", size="small", seed=1)
    login_note = None
    if args.demo:
        username, password = _ensure_admin_or_exit()
        login_note = (
            f"Login: user {username}, password {password}"
            if password
            else f"Login: user {username} (password as set before)"
        )

    children = []
    if _embedded_broker():
        # One child runs both worker and beat: the embedded default needs no other process.
        children.append(
            subprocess.Popen(
                _celery_argv(
                    "worker",
                    "--beat",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "WARNING",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILENAME,
                )
            )
        )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tandem.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            # drops the secret calendar token from logged paths (see tandem.accesslog)
            "--logger-class",
            "tandem.accesslog.RedactingLogger",
        ]
    )
    children.append(web)
    host = "localhost" if args.host in {"0.0.0.0", "127.0.0.1"} else args.host
    print(f"Tandem is running at http://{host}:{args.port}/", flush=True)
    if login_note:
        print(login_note, flush=True)

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    sys.exit(0 if stopping else 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem CRM + ERP")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrate and run the web app (and embedded jobs)")
    p.add_argument("--demo", action="store_true", help="load the demo company if empty")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="load a demo company")
    p.add_argument("--size", choices=["small", "large"], default="small")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createadmin", help="create the admin user (TANDEM_ADMIN_USER)")
    p.add_argument("--password", default=None)
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("token", help="API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True)
    t = token_sub.add_parser("create", help="print a new API token")
    t.add_argument("--user", required=True)
    t.add_argument("--name", default="")
    t.add_argument("--scope", choices=["read-write", "read"], default="read-write")
    t.add_argument("--expires-days", type=int, default=None, help="expire after N days")
    t.set_defaults(func=cmd_token)

    p = sub.add_parser("worker", help="run a Celery worker")
    p.add_argument("--loglevel", default="INFO")
    p.add_argument("--concurrency", type=int, default=2)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("beat", help="run the Celery scheduler")
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(func=cmd_beat)

    p = sub.add_parser("check-integrity", help="verify ledger and data invariants")
    p.set_defaults(func=cmd_check_integrity)

    p = sub.add_parser("mail-in", help="log new Maildir messages as CRM interactions")
    p.add_argument("--maildir", required=True)
    p.add_argument("--company", default=None, help="company code (default: the only one)")
    p.set_defaults(func=cmd_mail_in)

    p = sub.add_parser("import", help="import records from a CSV or XLSX file")
    p.add_argument("object", help="parties, products, price-lists, opening-balances, ...")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.add_argument("--mapping", default="", help='JSON {"column": "field"}; "" ignores one')
    p.add_argument("--source", default="", help="the saved mapping of this source")
    p.add_argument("--company", default=None, help="company code (default: the only one)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write every row of an object as CSV or XLSX")
    p.add_argument("object")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--output", default="", help="a file (default: standard output)")
    p.add_argument("--company", default=None, help="company code (default: the only one)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("backup", help="write the database, secret key and uploads to a tar")
    p.add_argument("path", help="the archive to write (.tar, or .tar.gz to compress)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup written by `tandem backup`")
    p.add_argument("path")
    p.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("analytics", help="evaluate or train the analytics models")
    analytics_sub = p.add_subparsers(dest="analytics_command", required=True)
    a = analytics_sub.add_parser("evaluate", help="score a model and its baseline on a CSV")
    a.add_argument("task", help="forecast, recommend, lead-score or churn")
    a.add_argument("file")
    a.add_argument("--season", type=int, default=12, help="forecast: periods per season")
    a.add_argument("--holdout-weeks", type=int, default=39, help="churn: weeks held out")
    a.set_defaults(func=cmd_analytics_evaluate)
    a = analytics_sub.add_parser("train", help="train every model of a company now")
    a.add_argument("--company", default=None, help="company code (default: the only one)")
    a.set_defaults(func=cmd_analytics_train)

    p = sub.add_parser("si-rule", help="PRC social insurance bases per city and period")
    si_sub = p.add_subparsers(dest="si_command", required=True)
    a = si_sub.add_parser("list", help="print every city's periods and bases")
    a.set_defaults(func=cmd_si_rule_list)
    a = si_sub.add_parser(
        "add", help="enter a city's newly published bases (rates carry over from its last period)"
    )
    a.add_argument("--city", required=True, help="shanghai or beijing")
    a.add_argument("--from", dest="valid_from", required=True, help="first day, YYYY-MM-01")
    a.add_argument("--to", dest="valid_to", default=None, help="last day (default: open)")
    a.add_argument("--base-floor", required=True)
    a.add_argument("--base-ceiling", required=True)
    a.add_argument("--housing-fund-floor", required=True)
    a.add_argument("--housing-fund-ceiling", default=None, help="default: the base ceiling")
    a.add_argument("--source", default="", help="the notice the figures come from")
    a.set_defaults(func=cmd_si_rule_add)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def cmd_analytics_evaluate(args):
    """No database needed: the methods run on the file alone."""
    from tandem.analytics.evaluate import main as evaluate

    sys.exit(evaluate(args))


def cmd_analytics_train(args):
    _django()
    from tandem.analytics.services import analytics_train

    for run in analytics_train(company=_company(args.company)):
        print(
            f"{run.name}: {run.state} {run.verdict} {run.metric}={run.score} "
            f"{run.baseline}={run.baseline_score} {run.message}".rstrip()
        )


def _si_rule_line(rule) -> str:
    return (
        f"{rule.city} {rule.valid_from} .. {rule.valid_to or 'open'}: "
        f"base {rule.base_floor} / {rule.base_ceiling}, "
        f"housing fund {rule.housing_fund_floor} / {rule.housing_fund_ceiling}"
        + (f"  [{rule.source}]" if rule.source else "")
    )


def cmd_si_rule_list(args):
    _django()
    from tandem.hr.models import SocialInsuranceRule

    for rule in SocialInsuranceRule.objects.order_by("city", "valid_from"):
        print(_si_rule_line(rule))


def cmd_si_rule_add(args):
    _django()
    from tandem.core.errors import DomainError
    from tandem.hr.services.pack import si_rule_add

    try:
        rule = si_rule_add(
            city=args.city,
            valid_from=args.valid_from,
            valid_to=args.valid_to,
            base_floor=args.base_floor,
            base_ceiling=args.base_ceiling,
            housing_fund_floor=args.housing_fund_floor,
            housing_fund_ceiling=args.housing_fund_ceiling,
            source=args.source,
        )
    except DomainError as error:
        print(f"Refused: {error.message}", file=sys.stderr)
        sys.exit(2)
    print(f"Added {_si_rule_line(rule)}")


def cmd_manage(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem manage", *args.rest])


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
