"""MileageReading, ServiceRecord: opaque ids (dms.core.ids) like the main records, since the API serves them.

The rows keep everything but their id: each gets a new random one, and its audit entries follow
it (auditlog's object_pk and object_id). No other table refers to these rows."""

from django.db import migrations, models

import dms.core.ids


def rekey(apps, schema_editor):
    from dms.core.ids import new_id

    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name in ["MileageReading", "ServiceRecord"]:
        Model = apps.get_model("vehicles", name)
        content_type = ContentType.objects.filter(app_label="vehicles", model=name.lower()).first()
        for old in list(Model.objects.filter(id__lt=1 << 40).values_list("id", flat=True)):
            new = new_id()
            Model.objects.filter(pk=old).update(id=new)
            if content_type is not None:
                LogEntry.objects.filter(content_type=content_type, object_pk=str(old)).update(
                    object_pk=str(new), object_id=new
                )


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vehicles", "0002_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mileagereading",
            name="id",
            field=models.BigIntegerField(
                default=dms.core.ids.new_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="id",
            field=models.BigIntegerField(
                default=dms.core.ids.new_id, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
