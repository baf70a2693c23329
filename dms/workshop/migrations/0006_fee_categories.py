from django.db import migrations, models

# The words the settlement list used to guess a diagnosis or inspection fee from, used here once,
# for the lines and labor operations entered before the line's category existed.
DIAGNOSIS = ("诊断", "diagnos")
INSPECTION = ("检测", "inspect")
BATCH = 500


def _guess(words: str) -> str | None:
    words = words.lower()
    if any(m in words for m in DIAGNOSIS):
        return "diagnosis"
    if any(m in words for m in INSPECTION):
        return "inspection"
    return None


def categorise(apps, schema_editor):
    """Labor operations whose name says 诊断 or 检测 count as such; parts and materials are materials
    fees, fee lines other fees; a labor or fee line whose description or labor operation's name
    says 诊断 or 检测 (as the settlement list guessed) is a diagnosis or inspection fee."""
    LaborOperation = apps.get_model("workshop", "LaborOperation")
    Line = apps.get_model("workshop", "RepairOrderLine")
    for pk, name in LaborOperation.objects.values_list("pk", "name").iterator():
        fee = _guess(name)
        if fee:
            LaborOperation.objects.filter(pk=pk).update(fee_category=fee)
    Line.objects.filter(kind__in=("part", "material")).update(fee_category="materials")
    Line.objects.filter(kind="fee").update(fee_category="other")
    found: dict[str, list[int]] = {"diagnosis": [], "inspection": []}
    rows = Line.objects.filter(kind__in=("labor", "fee")).values_list(
        "pk", "description", "labor_operation__name"
    )
    for pk, description, operation in rows.iterator():
        fee = _guess(f"{description} {operation or ''}")
        if fee:
            found[fee].append(pk)
    for fee, ids in found.items():
        for i in range(0, len(ids), BATCH):
            Line.objects.filter(pk__in=ids[i : i + BATCH]).update(fee_category=fee)


class Migration(migrations.Migration):
    dependencies = [
        ("workshop", "0005_comebacks_and_the_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="laboroperation",
            name="fee_category",
            field=models.CharField(
                choices=[
                    ("diagnosis", "Diagnosis fee"),
                    ("inspection", "Inspection fee"),
                    ("labor", "Labor fee"),
                    ("processing", "Processing fee"),
                    ("other", "Other fees"),
                ],
                default="labor",
                max_length=12,
                verbose_name="counted on the settlement list as",
            ),
        ),
        migrations.AddField(
            model_name="repairorderline",
            name="fee_category",
            field=models.CharField(
                choices=[
                    ("diagnosis", "Diagnosis fee"),
                    ("inspection", "Inspection fee"),
                    ("materials", "Materials fee"),
                    ("labor", "Labor fee"),
                    ("processing", "Processing fee"),
                    ("other", "Other fees"),
                ],
                default="labor",
                max_length=12,
                verbose_name="counted on the settlement list as",
            ),
        ),
        migrations.RunPython(categorise, migrations.RunPython.noop),
    ]
