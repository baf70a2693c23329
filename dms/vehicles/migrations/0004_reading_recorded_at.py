"""MileageReading.recorded_at: when the reading was entered (readings are no longer audited by
auditlog, the row is its own record). Earlier rows take the time of their audit entry, else the
time they were read."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    MileageReading = apps.get_model("vehicles", "MileageReading")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="vehicles", model="mileagereading").first()
    if content_type is not None:
        created = LogEntry.objects.filter(
            content_type=content_type, object_id=OuterRef("pk"), action=0
        ).order_by("timestamp")
        MileageReading.objects.filter(recorded_at__isnull=True).update(
            recorded_at=Subquery(created.values("timestamp")[:1])
        )
    MileageReading.objects.filter(recorded_at__isnull=True).update(recorded_at=models.F("read_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vehicles", "0003_opaque_sub_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="mileagereading",
            name="recorded_at",
            field=models.DateTimeField(null=True, verbose_name="entered"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="mileagereading",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="entered"),
        ),
    ]
