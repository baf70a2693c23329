"""The order's approval round: each "request-approval" starts a new one, and the customer's
approval link is signed for its round. Orders asked before get the number of times they were
asked (their history's request-approval rows), so that a link texted before this change, which
carries no round, opens the "out of date" page rather than deciding."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_rounds(apps, schema_editor):
    RepairOrder = apps.get_model("workshop", "RepairOrder")
    RepairOrderEvent = apps.get_model("workshop", "RepairOrderEvent")
    asked = (
        RepairOrderEvent.objects.filter(order=OuterRef("pk"), action="request-approval")
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    RepairOrder.objects.filter(
        pk__in=RepairOrderEvent.objects.filter(action="request-approval").values("order")
    ).update(approval_round=Coalesce(Subquery(asked, output_field=models.PositiveIntegerField()), 0))


class Migration(migrations.Migration):
    dependencies = [("workshop", "0002_findingphoto_jobclock_progressreview")]

    operations = [
        migrations.AddField(
            model_name="repairorder",
            name="approval_round",
            field=models.PositiveIntegerField(default=0, verbose_name="approval round"),
        ),
        migrations.RunPython(count_rounds, migrations.RunPython.noop),
    ]
