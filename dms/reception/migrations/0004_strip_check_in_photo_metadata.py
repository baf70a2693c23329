"""Check-in photos kept before photos were re-encoded at upload still carry their EXIF data (the
phone's GPS position among it): re-encode them without it."""

from django.core.files.storage import default_storage
from django.db import migrations


def strip(apps, schema_editor):
    from dms.core.images import strip_stored_metadata

    CheckInPhoto = apps.get_model("reception", "CheckInPhoto")
    for name in CheckInPhoto.objects.exclude(image="").values_list("image", flat=True).iterator():
        strip_stored_metadata(default_storage, name)


class Migration(migrations.Migration):
    dependencies = [("reception", "0003_checkin_photo_count")]
    operations = [migrations.RunPython(strip, migrations.RunPython.noop)]
