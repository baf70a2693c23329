"""manage.py backup: the database and the uploaded files in one archive (dms/ops/archive.py).

manage.py backup                          var/backups/opendms-YYYYMMDD-HHMMSS.tar.gz
manage.py backup --dir /srv/backups --keep 14
manage.py backup --output /tmp/now.tar.gz
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from dms.ops.archive import BackupError, archive_name, backup_create, prune
from dms.ops.uploads import uploads_folder


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's online backup) and the uploaded files into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Folder for the archive (default: DMS_VAR_DIR/backups).")
        parser.add_argument(
            "--output", type=Path, help="The archive's path (instead of a dated name in --dir)."
        )
        parser.add_argument(
            "--keep", type=int, default=0,
            help="After a successful backup, delete all but the KEEP newest dated archives in --dir (0: keep all).",
        )  # fmt: skip
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(self, *args, **options):
        if options["output"] and options["keep"]:
            raise CommandError("--keep prunes dated archives in --dir; it cannot be used with --output.")
        if options["keep"] < 0:
            raise CommandError("--keep must be 0 or more.")
        folder = options["dir"] or Path(settings.VAR_DIR) / "backups"
        destination = options["output"] or folder / archive_name(timezone.now())
        try:
            folder_of_uploads = uploads_folder()
            manifest = backup_create(
                connection=connections[options["database"]],
                media_root=folder_of_uploads,
                destination=destination,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = destination.stat().st_size
        self.stdout.write(
            f"Backed up the {manifest['vendor']} database and {manifest['files']} files to {destination} "
            f"({size / 1_048_576:.1f} MB)."
        )
        if options["keep"]:
            for path in prune(folder, keep=options["keep"]):
                self.stdout.write(f"Deleted the older backup {path}.")
