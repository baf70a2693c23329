"""Where the uploaded files live: the default storage's folder (check-in photos, signatures, finding
photos, spreadsheets waiting to be imported), settings.MEDIA_ROOT unless STORAGES says otherwise."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages

from .archive import BackupError


def uploads_folder() -> Path:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    if settings.MEDIA_ROOT:
        raise BackupError(
            "The uploaded files are not on this machine's file system (STORAGES['default'] is not a "
            "FileSystemStorage): back them up with the storage's own tools."
        )
    raise BackupError("No uploads folder is configured (MEDIA_ROOT).")
