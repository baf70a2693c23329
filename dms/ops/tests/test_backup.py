"""manage.py backup then restore into an empty database finds every record and file again.

Real tools against real databases: SQLite's online backup API always; pg_dump / pg_restore (those on
PATH) when the suite runs on PostgreSQL, restoring into a database created for the test and dropped
after. The data are few (a store, its people, a customer, two files) so that each test takes seconds.
Transactional tests: pg_dump reads committed data only, on its own connection.
"""

import io
import json
import sqlite3
import tarfile
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from dms.customers.models import Customer
from dms.customers.services import customer_create
from dms.ops.archive import BackupError, restore_archive

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = bytes(range(256)) * 40  # any bytes: a file comes back byte for byte
SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"\x00signature" * 10


@pytest.fixture
def uploads(settings, tmp_path):
    """The uploads folder of this test (not var/media)."""
    folder = tmp_path / "media"
    settings.MEDIA_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


@pytest.fixture
def dealership(tenant, uploads):
    """A customer (through the service, with its audit entries) and two uploaded files."""
    customer_create(tenant=tenant, name="李四", mobile="13900001111", title="mr")
    storage = storages["default"]
    storage.save("reception/photos/1/front.jpg", ContentFile(PHOTO))
    storage.save("reception/signatures/1/sig.png", ContentFile(SIGNATURE))
    return uploads


def tables() -> list[str]:
    """Every table: each model's (auto-created many-to-many ones too) and the others (cache, tasks)."""
    names = set(connection.introspection.table_names())
    names |= {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    return sorted(names)


def counts_here() -> dict[str, int]:
    with connection.cursor() as cursor:
        result = {}
        for table in tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            result[table] = cursor.fetchone()[0]
        return result


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_everything_found(counts_there: dict[str, int], media: Path, uploads: Path):
    expected = counts_here()
    assert expected[Customer._meta.db_table] == 1
    assert counts_there == expected  # every table of every model, row for row
    assert files_under(media) == files_under(uploads)
    assert files_under(media)["reception/photos/1/front.jpg"] == PHOTO


# --- SQLite ------------------------------------------------------------------------------------------


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup (suite on SQLite)")


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables()}


@sqlite_only
def test_a_sqlite_backup_restored_into_a_new_file_holds_every_record_and_file(dealership, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["vendor"] == "sqlite"
    assert manifest["files"] == 2
    assert manifest["migrations"]["customers"]  # the latest applied migration per app
    assert len(manifest["database"]["sha256"]) == 64

    restored = tmp_path / "restored" / "opendms.sqlite3"
    report = restore_archive(
        archive=archive, database={**connection.settings_dict, "NAME": str(restored)},
        media_root=tmp_path / "restored-media",
    )  # fmt: skip
    assert report.files == 2
    assert report.migrations_behind == [] and report.migrations_unknown == []
    assert_everything_found(sqlite_counts(restored), tmp_path / "restored-media", dealership)
    with sqlite3.connect(restored) as db:
        assert db.execute(f"SELECT name FROM {Customer._meta.db_table}").fetchall() == [("李四",)]


@sqlite_only
def test_restore_refuses_a_database_that_holds_data(dealership, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())

    with pytest.raises(CommandError, match="is not empty.*--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Customer.objects.count() == 1


@sqlite_only
def test_restore_refuses_a_damaged_archive_and_another_vendors(dealership, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "database.sqlite3":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(member, io.BytesIO(data))
    target_db = {**connection.settings_dict, "NAME": str(tmp_path / "new.sqlite3")}

    with pytest.raises(BackupError, match="checksum"):
        restore_archive(archive=damaged, database=target_db, media_root=tmp_path / "m1")
    assert not (tmp_path / "m1").exists() or not any((tmp_path / "m1").iterdir())  # nothing restored

    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "elsewhere"}
    with pytest.raises(BackupError, match="sqlite database; the target database is postgresql"):
        restore_archive(archive=archive, database=postgres, media_root=tmp_path / "m2", force=True)


# --- PostgreSQL --------------------------------------------------------------------------------------


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump (suite on PostgreSQL)")


@pytest.fixture
def empty_postgres_database():
    """A new database on the suite's server, dropped after the test."""
    import psycopg

    settings_dict = connection.settings_dict
    name = f"opendms_restore_{uuid.uuid4().hex[:12]}"
    server = dict(
        host=settings_dict.get("HOST") or None, port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None, password=settings_dict.get("PASSWORD") or None,
    )  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**settings_dict, "NAME": name}, server
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@postgres_only
def test_a_postgres_backup_restored_into_a_new_database_holds_every_record_and_file(
    dealership, tmp_path, empty_postgres_database
):
    import psycopg

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["vendor"] == "postgresql"
    assert manifest["files"] == 2

    target, server = empty_postgres_database
    report = restore_archive(archive=archive, database=target, media_root=tmp_path / "restored-media")
    assert report.files == 2
    assert report.migrations_behind == [] and report.migrations_unknown == []

    with psycopg.connect(dbname=target["NAME"], **server) as db:
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables()}
        names = db.execute(f"SELECT name FROM {Customer._meta.db_table}").fetchall()
    assert names == [("李四",)]
    assert_everything_found(counts, tmp_path / "restored-media", dealership)

    # The same archive again into the now full database: refused, nothing changed.
    with pytest.raises(BackupError, match="is not empty"):
        restore_archive(archive=archive, database=target, media_root=tmp_path / "elsewhere")


@sqlite_only
def test_restoring_an_older_backup_says_to_migrate(dealership, tmp_path, settings):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    older = tmp_path / "older.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(older, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"]["customers"] = "0001_initial"  # made before the later migrations
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    restored = tmp_path / "var" / "opendms.sqlite3"

    report = restore_archive(
        archive=older, database={**connection.settings_dict, "NAME": str(restored)}, media_root=tmp_path / "m"
    )
    assert [m for m in report.migrations_behind if m.startswith("customers.")]
    assert report.migrations_unknown == []


def test_keep_deletes_all_but_the_newest_dated_archives(tmp_path):
    from dms.ops.archive import prune

    names = [f"opendms-2027010{d}-023000.tar.gz" for d in range(1, 6)]
    for name in [*names, "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")

    deleted = prune(tmp_path, keep=2)

    assert sorted(p.name for p in deleted) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[3:], "notes.txt"])
