"""Static files with their content's hash in their names, and compressed (WhiteNoise).

`make build` (collectstatic) writes each file as name.<hash>.ext beside a gzip copy, and the manifest
that maps one to the other; WhiteNoise serves the hashed names with a far-future cache header, so a
new version's CSS and JavaScript are fetched at once and never again after. With DEBUG on (make dev)
the plain names are used, from the apps' folders.

A file that was not collected (a test run in a tree where collectstatic has not run since the file
was added) is named plainly rather than failing the page: WhiteNoise then serves it if it is in
STATIC_ROOT, as before hashing.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not in the manifest, nor in STATIC_ROOT
            return name
