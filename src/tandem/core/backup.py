"""`tandem backup PATH` and `tandem restore PATH`: one tar archive holding the database, the
secret key file and the uploaded files (media) of the data dir, with a manifest.

- SQLite: SQLite's online backup API (`sqlite3.Connection.backup`) copies the live database
  page by page under its own read lock, so the copy is consistent while the server writes.
- PostgreSQL: `pg_dump -Fc` (one snapshot) and `pg_restore --single-transaction` (all or
  nothing); both must be on PATH.

The manifest names the schema (the latest applied migration of each app) and Tandem's
version. A restore refuses, before it changes anything, an archive of a newer schema than the
code knows, an archive of the other database engine, and a database that already holds a
company or a user (unless forced); after restoring an older schema it runs the migrations.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
SECRET_MEMBER = "secret_key"
MEDIA_MEMBER = "media"


class BackupError(Exception):
    """A refusal with a message for the operator (the CLI exits 2 with it)."""


# -- what is installed ---------------------------------------------------------------------


def tandem_version() -> str:
    try:
        from importlib.metadata import version

        return version("tandem")
    except Exception:  # not installed as a distribution (a source checkout)
        from tandem import __version__

        return __version__


def _engine(alias: str = "default") -> str:
    from django.db import connections

    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def applied_schema(alias: str = "default") -> dict[str, str]:
    """The latest applied migration of each app (names sort by their number)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def _code_graph():
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(None, ignore_no_migrations=True).graph


def schema_newer_than_code(schema: dict[str, str]) -> list[str]:
    """Migrations of the archive this code does not know: it was written by a newer Tandem."""
    graph = _code_graph()
    return sorted(f"{app}.{name}" for app, name in schema.items() if (app, name) not in graph.nodes)


def schema_older_than_code(schema: dict[str, str]) -> bool:
    leaves = dict(_code_graph().leaf_nodes())
    return any(schema.get(app) != name for app, name in leaves.items())


# -- backup --------------------------------------------------------------------------------


def _sqlite_copy(target: Path, alias: str) -> dict[str, str]:
    """Copy the live database with the online backup API; the schema read from the copy."""
    from django.db import connections

    connection = connections[alias]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # pages=0: one step, so the copy is one consistent snapshot even under writers
        connection.connection.backup(destination)
        rows = destination.execute("SELECT app, name FROM django_migrations").fetchall()
    finally:
        destination.close()
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def _pg_env(alias: str) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore: passed in the environment, never on argv."""
    from django.db import connections

    config = connections[alias].settings_dict
    env = dict(os.environ)
    for key, name in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if config.get(name):
            env[key] = str(config[name])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client tools "
            "(apt-get install postgresql-client) of the server's major version or newer"
        )
    return path


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or done.returncode}")


def _pg_dump(target: Path, alias: str) -> dict[str, str]:
    schema = applied_schema(alias)
    _run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "--file", str(target)],
        _pg_env(alias),
        "pg_dump",
    )
    return schema


def backup(path: str | os.PathLike, *, data_dir: Path | None = None, alias="default") -> dict:
    """Write the archive at `path` (a .tar, or .tar.gz/.tgz compressed); returns the manifest.

    The archive is written beside `path` and renamed into place, readable by its owner only:
    it holds the secret key.
    """
    from django.conf import settings

    data_dir = Path(data_dir or settings.DATA_DIR)
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(alias)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".tandem-backup-") as work:
        work = Path(work)
        member = SQLITE_MEMBER if engine == "sqlite" else PG_MEMBER
        if engine == "sqlite":
            schema = _sqlite_copy(work / member, alias)
        else:
            schema = _pg_dump(work / member, alias)
        media = Path(settings.MEDIA_ROOT)
        files = sorted(
            p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()
        ) if media.is_dir() else []  # fmt: skip
        secret = data_dir / "secret_key"
        manifest = {
            "format": FORMAT,
            "tandem_version": tandem_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database": member,
            "schema": dict(sorted(schema.items())),
            "secret_key": secret.is_file(),
            "media_files": len(files),
        }
        partial = work / "archive.partial"
        mode = "w:gz" if path.name.endswith((".tar.gz", ".tgz")) else "w"
        with tarfile.open(partial, mode) as archive:
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(body))
            archive.add(work / member, arcname=member)
            if secret.is_file():
                archive.add(secret, arcname=SECRET_MEMBER)
            for name in files:
                archive.add(media / name, arcname=f"{MEDIA_MEMBER}/{name}")
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    return manifest


# -- restore -------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read())
    except (KeyError, ValueError, AttributeError):
        raise BackupError("Not a Tandem backup: the archive has no readable manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}")
    if not isinstance(manifest.get("schema"), dict):
        raise BackupError("Not a Tandem backup: the manifest names no schema")
    return manifest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Regular files and directories with relative paths inside the archive only."""
    members = []
    for member in archive.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Refusing the archive: unsafe member {member.name!r}")
        members.append(member)
    return members


def database_holds_data(alias: str = "default") -> bool:
    """True when the database has a company or a user: restoring over it needs --force."""
    from django.db import connections

    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in ("core_company", "core_user"):
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return True
    return False


def _sqlite_restore(source: Path, alias: str) -> None:
    from django.db import connections

    connection = connections[alias]
    connection.close()
    target = connection.settings_dict["NAME"]
    origin = sqlite3.connect(source)
    destination = sqlite3.connect(target, timeout=30)
    try:
        # the backup API writes the whole database under one lock (WAL and all), so no
        # reader ever sees half of it; pages the target had beyond the copy are dropped
        origin.backup(destination)
    finally:
        destination.close()
        origin.close()


def _pg_restore(source: Path, alias: str) -> None:
    from django.db import connections

    connections[alias].close()
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _pg_env(alias)["PGDATABASE"],
            str(source),
        ],
        _pg_env(alias),
        "pg_restore",
    )


def restore(
    path: str | os.PathLike,
    *,
    force: bool = False,
    data_dir: Path | None = None,
    alias: str = "default",
    migrate: bool = True,
) -> dict:
    """Restore the archive at `path` into the configured database and data dir.

    Every refusal (BackupError) comes before anything is written. Returns the manifest.
    """
    from django.conf import settings
    from django.core.management import call_command

    data_dir = Path(data_dir or settings.DATA_DIR)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}")
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"Not a readable tar archive: {exc}") from None
    with archive, tempfile.TemporaryDirectory(prefix=".tandem-restore-", dir=data_dir) as work:
        manifest = read_manifest(archive)
        members = _safe_members(archive)
        unknown = schema_newer_than_code(manifest["schema"])
        if unknown:
            raise BackupError(
                f"The backup's schema is newer than this Tandem ({tandem_version()}; the backup "
                f"was written by {manifest.get('tandem_version', '?')}): it has migrations this "
                f"code does not know ({', '.join(unknown[:5])}). Upgrade Tandem, then restore."
            )
        engine = _engine(alias)
        if manifest.get("engine") != engine:
            raise BackupError(
                f"The backup holds a {manifest.get('engine')} database; the configured database "
                f"is {engine}. Restore it into a {manifest.get('engine')} database."
            )
        member = manifest.get("database")
        if member not in (SQLITE_MEMBER, PG_MEMBER) or member not in archive.getnames():
            raise BackupError("The backup has no database file")
        if database_holds_data(alias) and not force:
            raise BackupError(
                "The database already holds data (a company or a user); restore into an empty "
                "database, or pass --force to replace it"
            )

        work = Path(work)
        archive.extractall(work, members=members, filter="data")
        if engine == "sqlite":
            _sqlite_restore(work / member, alias)
        else:
            _pg_restore(work / member, alias)

        secret = work / SECRET_MEMBER
        if secret.is_file():
            target = data_dir / "secret_key"
            shutil.copyfile(secret, target)
            os.chmod(target, 0o600)
        media = Path(settings.MEDIA_ROOT)
        restored_media = work / MEDIA_MEMBER
        if restored_media.is_dir():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(restored_media, media)

    if migrate and schema_older_than_code(manifest["schema"]):
        call_command("migrate", interactive=False, verbosity=0)
    return manifest
