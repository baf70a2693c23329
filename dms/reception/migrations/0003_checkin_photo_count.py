"""CheckIn.photo_count: how many walk-around photos a check-in has, kept by photo_add and
photo_remove; counted for the check-ins already there."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery


def count_photos(apps, schema_editor):
    CheckIn = apps.get_model("reception", "CheckIn")
    CheckInPhoto = apps.get_model("reception", "CheckInPhoto")
    counted = (
        CheckInPhoto.objects.filter(checkin=OuterRef("pk"))
        .order_by()
        .values("checkin")
        .annotate(n=Count("pk"))
    )
    CheckIn.objects.filter(pk__in=CheckInPhoto.objects.values("checkin")).update(
        photo_count=Subquery(counted.values("n")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reception", "0002_checkin_comeback"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="photo_count",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_photos, migrations.RunPython.noop),
    ]
