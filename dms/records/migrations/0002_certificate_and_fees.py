"""The record carries the completion certificate's number and the settlement list's fees (build.py).

Records built before: the certificate's number is copied from their order onto the new column
(given at settlement, never changed after). The record itself (`data`) gets `certificatecode`, each
item's and part's `feecategory` and the `costlist` only where it is still to be uploaded or exported
by hand (pending, failed, manual) and no worker holds it: a record on the platform stays as it was
uploaded. An order's lines and their fees are fixed at settlement, so what is added is what the
record would have said then; the items are not rebuilt (a part renamed in the catalogue since keeps
its old name in the record), only annotated in the order they were built in.
"""

from decimal import Decimal

from django.db import migrations, models
from django.utils import timezone

FEES = ["diagnosis", "inspection", "materials", "labor", "processing", "other"]
FEE_NAMES = dict(zip(FEES, ["诊断费", "检测费", "材料费", "工时费", "加工费", "其他费用"], strict=True))


def _annotated(items, lines):
    if not isinstance(items, list) or len(items) != len(lines):
        return items  # not as built from these lines: left as it is
    return [{**item, "feecategory": line.fee_category} for item, line in zip(items, lines, strict=True)]


def forwards(apps, schema_editor):
    RepairRecord = apps.get_model("records", "RepairRecord")
    RepairOrder = apps.get_model("workshop", "RepairOrder")
    RepairOrderLine = apps.get_model("workshop", "RepairOrderLine")
    now = timezone.now()

    certificates = (
        RepairOrder.objects.filter(pk__in=RepairRecord.objects.values("order_id"))
        .exclude(certificate_number="")
        .values_list("pk", "certificate_number")
    )
    for order_id, number in certificates.iterator(chunk_size=2000):
        RepairRecord.objects.filter(order_id=order_id).update(certificate_number=number)

    open_records = RepairRecord.objects.filter(state__in=("pending", "failed", "manual")).filter(
        models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)
    )
    for record in open_records.only("pk", "order_id", "data", "certificate_number").iterator(chunk_size=500):
        data = dict(record.data or {})
        lines = list(
            RepairOrderLine.objects.filter(order_id=record.order_id)
            .exclude(state="declined")
            .order_by("created_at", "id")
        )
        totals = dict.fromkeys(FEES, Decimal("0"))
        for line in lines:
            totals[line.fee_category] = (
                totals.get(line.fee_category, Decimal("0")) + line.amount + line.discount
            )
        data["certificatecode"] = record.certificate_number
        data["repairprojectlist"] = _annotated(
            data.get("repairprojectlist"), [ln for ln in lines if ln.kind == "labor"]
        )
        data["vehiclepartslist"] = _annotated(
            data.get("vehiclepartslist"), [ln for ln in lines if ln.kind in ("part", "material")]
        )
        data["costlist"] = [
            {"feecategory": fee, "feename": FEE_NAMES[fee], "amount": f"{totals[fee]:.2f}"} for fee in FEES
        ]
        RepairRecord.objects.filter(pk=record.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("workshop", "0007_repairorder_certificate_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="repairrecord",
            name="certificate_number",
            field=models.CharField(blank=True, max_length=30, verbose_name="completion certificate number"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
