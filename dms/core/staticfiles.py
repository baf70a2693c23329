"""Static files with their content's hash in their names, and compressed (WhiteNoise).

collectstatic (`make build`) always writes each file as name.<hash>.ext beside gzip and brotli
copies, and the manifest that maps one to the other. Pages link the hashed names when the settings
say so (DMS_STATIC_HASHED_NAMES: on wherever DEBUG is off when the settings are read, i.e. `make run`
and production); WhiteNoise serves them with a far-future cache header, so a new version's CSS and
JavaScript are fetched at once and never again after. Elsewhere (make dev, the test suite, whose live
server finds files in the apps' folders by their plain names) pages link the plain names.

A file missing from the manifest (collectstatic has not run since it was added, or not at all) is
linked by its plain name rather than failing the page; WhiteNoise serves it if it was collected.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not settings.DMS_STATIC_HASHED_NAMES:
            return name
        try:
            return super().stored_name(name)
        except ValueError:  # "Missing staticfiles manifest entry"
            return name
