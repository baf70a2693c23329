"""Finding photos kept before photos were re-encoded at upload still carry their EXIF data (the
phone's GPS position among it) and are shown to the customer: re-encode them without it."""

from django.core.files.storage import default_storage
from django.db import migrations


def strip(apps, schema_editor):
    from dms.core.images import strip_stored_metadata

    FindingPhoto = apps.get_model("workshop", "FindingPhoto")
    for name in FindingPhoto.objects.exclude(image="").values_list("image", flat=True).iterator():
        strip_stored_metadata(default_storage, name)


class Migration(migrations.Migration):
    dependencies = [("workshop", "0003_repairorder_approval_round")]
    operations = [migrations.RunPython(strip, migrations.RunPython.noop)]
