"""One archive file holds the whole installation: the database and the uploaded files.

    manifest.json        format, vendor, migration state, created at, file count, sha256 of the dump
    database.dump        PostgreSQL: pg_dump --format=custom        (or)
    database.sqlite3     SQLite: a copy made with the online backup API (safe while the app runs)
    media/...            every file under the uploads' folder (check-in photos, signatures, finding
                         photos, spreadsheets waiting to be imported)

The database is dumped first and the files walked after: a row in the dump names a file that was
written before the row, so every file the dump refers to is in the archive (a file added later is
archived too, without its row: harmless).

Restoring goes into an empty database only (a database with rows in any table is refused unless
forced), checks the manifest (format, vendor, checksum, file count) before it touches anything,
then loads the database and moves the files into place.

Connection parameters come from a Django database settings dict (settings.DATABASES["default"] by
default); the PostgreSQL password is passed to pg_dump / pg_restore in PGPASSWORD, never on the
command line (where `ps` would show it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ARCHIVE_PREFIX = "opendms-"
ARCHIVE_SUFFIX = ".tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    manifest: dict
    files: int
    # app.migration the code has and the archive lacks (run migrate), and those unknown to this code
    migrations_behind: list[str] = field(default_factory=list)
    migrations_unknown: list[str] = field(default_factory=list)


# --- The database's kind and its tools ----------------------------------------------------------


def vendor_of(database: dict) -> str:
    engine = database.get("ENGINE", "")
    if "sqlite3" in engine:
        return "sqlite"
    if "postgresql" in engine:  # Django's backend or dms.core.postgresql, built on it
        return "postgresql"
    raise BackupError(f"Backups support PostgreSQL and SQLite only, not {engine!r}.")


def pg_environment(database: dict) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: the password in PGPASSWORD, never an argument."""
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    options = database.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def pg_arguments(database: dict) -> list[str]:
    args = ["--no-password"]  # never wait for a prompt (a nightly job has no one to answer)
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    return args


def _run(command: list[str], *, env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()}")


def _pg_connect(database: dict):
    import psycopg

    return psycopg.connect(
        dbname=str(database["NAME"]),
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    )


def tables_with_rows(database: dict) -> list[str]:
    """The target's tables that hold at least one row (an empty list: safe to restore into)."""
    if vendor_of(database) == "sqlite":
        path = str(database["NAME"])
        if path != ":memory:" and not path.startswith("file:") and not Path(path).exists():
            return []
        with _sqlite_connect(path) as db:
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return [t for t in tables if db.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]
    with _pg_connect(database) as db:
        tables = db.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1"
        ).fetchall()
        return [t for (t,) in tables if db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]


def _pg_has_tables(database: dict) -> bool:
    with _pg_connect(database) as db:
        row = db.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
        return bool(row and row[0])


def _sqlite_connect(name: str) -> sqlite3.Connection:
    return sqlite3.connect(name, uri=name.startswith("file:"))


# --- Backup -----------------------------------------------------------------------------------------


def migration_state(connection) -> dict[str, str]:
    """The latest applied migration per app (names are numbered, so the greatest is the latest)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_database(connection, target: Path) -> None:
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        command = ["pg_dump", "--format=custom", "--file", str(target), *pg_arguments(database)]
        _run([*command, "--dbname", str(database["NAME"])], env=pg_environment(database))
    elif connection.vendor == "sqlite":
        # The online backup API: a consistent copy page by page while others keep writing.
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite only, not {connection.vendor}.")


def backup_create(*, connection, media_root: Path, destination: Path) -> dict:
    """Write the archive to `destination` (atomically: a partial file is never left under its name)
    and answer its manifest."""
    vendor = vendor_of(connection.settings_dict)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="opendms-backup-", dir=destination.parent) as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        _dump_database(connection, dump)
        partial = Path(work) / "archive.partial"
        archived, archived_bytes = 0, 0
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(dump, arcname=dump.name, recursive=False)
            for path in media_files(media_root):
                try:
                    with path.open("rb") as f:
                        info = tar.gettarinfo(
                            arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix(), fileobj=f
                        )
                        tar.addfile(info, f)
                except FileNotFoundError:
                    continue  # deleted while we walked (a retention sweep): its row is gone too, or soon
                archived, archived_bytes = archived + 1, archived_bytes + info.size
            # The manifest last, once the files are counted (a file may vanish while the backup runs).
            manifest = {
                "format": FORMAT_VERSION,
                "application": "OpenDMS",
                "vendor": vendor,
                "created_at": timezone.now().isoformat(),
                "migrations": migration_state(connection),
                "database": {"name": dump.name, "bytes": dump.stat().st_size, "sha256": _sha256(dump)},
                "files": archived,
                "files_bytes": archived_bytes,
            }
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
        os.chmod(partial, 0o600)  # personal data: readable by the owner only
        os.replace(partial, destination)
    return manifest


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives this command wrote in `directory`; answer the deleted."""
    archives = sorted(
        p for p in directory.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}") if p.is_file()
    )  # names hold the time: opendms-YYYYMMDD-HHMMSS.tar.gz
    old = archives[:-keep] if keep > 0 else archives
    for path in old:
        path.unlink()
    return old


def archive_name(moment: datetime) -> str:
    return f"{ARCHIVE_PREFIX}{timezone.localtime(moment):%Y%m%d-%H%M%S}{ARCHIVE_SUFFIX}"


# --- Restore ----------------------------------------------------------------------------------------


def check_manifest(manifest, archive: Path) -> dict:
    if not isinstance(manifest, dict) or manifest.get("application") != "OpenDMS":
        raise BackupError(f"{archive} is not an OpenDMS backup (its manifest says otherwise).")
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is in backup format {manifest.get('format')}; this version reads format {FORMAT_VERSION}."
        )
    return manifest


def _compare_migrations(recorded: dict[str, str]) -> tuple[list[str], list[str]]:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    known = set(graph.nodes)
    unknown = [f"{app}.{name}" for app, name in recorded.items() if (app, name) not in known]
    behind = []
    for app, name in sorted(graph.leaf_nodes()):
        have = recorded.get(app)
        if have != name and (have is None or (app, have) in known):
            behind.append(f"{app}.{name}")
    return behind, unknown


def restore_archive(*, archive: Path, database: dict, media_root: Path, force: bool = False) -> RestoreReport:
    """Restore the archive into `database` (a Django settings dict) and `media_root`."""
    vendor = vendor_of(database)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    if not force:
        full = tables_with_rows(database)
        if full:
            raise BackupError(
                f"The target database {database['NAME']} is not empty: {len(full)} tables hold rows "
                f"(e.g. {', '.join(full[:3])}). Restore into a new, empty database, or pass --force to "
                "replace what it holds."
            )
        existing = media_files(media_root)
        if existing:
            raise BackupError(
                f"The uploads folder {media_root} already holds {len(existing)} files. Restore into an empty "
                "folder, or pass --force to overwrite files of the same name."
            )

    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".opendms-restore-", dir=media_root.parent) as work:
        # One pass to a staging folder beside the uploads (same file system: the files are moved
        # into place, not copied); nothing of the target is touched until all is checked.
        staging = Path(work)
        dump_name = DUMP_NAMES[vendor]
        dump, files, manifest = staging / dump_name, [], None
        try:
            with tarfile.open(archive, "r|gz") as tar:
                for member in tar:
                    if member.name == MANIFEST and member.isfile():
                        manifest = json.loads(tar.extractfile(member).read())
                    elif member.name in DUMP_NAMES.values() or member.name.startswith(MEDIA_PREFIX):
                        # The "data" filter refuses absolute paths, "..", links out of the folder, devices.
                        tar.extract(member, staging, filter="data")
                        if member.isfile() and member.name.startswith(MEDIA_PREFIX):
                            files.append(member.name[len(MEDIA_PREFIX) :])
                    else:
                        raise BackupError(
                            f"{archive} holds an unexpected entry {member.name!r}: not restoring it."
                        )
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise BackupError(f"{archive} cannot be read as an OpenDMS backup: {exc}") from exc
        if manifest is None:
            raise BackupError(
                f"{archive} is not an OpenDMS backup, or it is cut short: it holds no {MANIFEST}."
            )
        check_manifest(manifest, archive)
        if manifest.get("vendor") != vendor:
            raise BackupError(
                f"This archive holds a {manifest.get('vendor')} database; the target database is {vendor}. "
                "Restore it into a database of the same kind."
            )
        if not dump.is_file() or _sha256(dump) != manifest.get("database", {}).get("sha256"):
            raise BackupError(
                "The database in the archive does not match its checksum: the archive is damaged."
            )
        if len(files) != manifest.get("files"):
            raise BackupError(
                f"The archive holds {len(files)} files where its manifest says {manifest.get('files')}: "
                "the archive is damaged."
            )

        if vendor == "postgresql":
            command = [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            ]
            if _pg_has_tables(database):  # empty tables (a migrated database) or --force: replace them
                command += ["--clean", "--if-exists"]
            command += [*pg_arguments(database), "--dbname", str(database["NAME"]), str(dump)]
            _run(command, env=pg_environment(database))
        else:
            target = str(database["NAME"])
            if not target.startswith("file:") and target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(dump)
            destination = _sqlite_connect(target)
            try:
                source.backup(destination)  # replaces every page of the target, WAL or not
            finally:
                destination.close()
                source.close()

        for relative in files:
            target_path = media_root / relative
            target_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / MEDIA_PREFIX / relative, target_path)

    behind, unknown = _compare_migrations(manifest.get("migrations") or {})
    return RestoreReport(
        manifest=manifest, files=len(files), migrations_behind=behind, migrations_unknown=unknown
    )
