"""manage.py restore ARCHIVE: an archive of manage.py backup into an empty database and uploads folder.

Refuses a database whose tables hold rows (and an uploads folder that holds files) unless --force.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from dms.ops.archive import BackupError, restore_archive
from dms.ops.uploads import uploads_folder


class Command(BaseCommand):
    help = "Restore a backup archive (manage.py backup) into an empty database and uploads folder."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true",
            help="Replace what the target database holds and overwrite uploaded files of the same name.",
        )  # fmt: skip
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        connection.close()  # the restore talks to the database on its own connections
        try:
            folder_of_uploads = uploads_folder()
            report = restore_archive(
                archive=options["archive"], database=connection.settings_dict, media_root=folder_of_uploads,
                force=options["force"],
            )  # fmt: skip
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        self.stdout.write(
            f"Restored the {manifest['vendor']} database and {report.files} files from the backup of "
            f"{manifest['created_at']}."
        )
        if report.migrations_unknown:
            self.stdout.write(
                "The backup was made by a newer version of OpenDMS (migrations unknown here: "
                f"{', '.join(report.migrations_unknown)}). Install that version before starting the app."
            )
        elif report.migrations_behind:
            self.stdout.write(
                "The backup is older than this version: run `manage.py migrate` before starting the app "
                f"(to apply up to {', '.join(report.migrations_behind)})."
            )
        else:
            self.stdout.write(
                "The database is at this version's migrations: start the app servers and workers."
            )
