"""Names in Latin letters get their last word as the search tail (John Smith: smith), so that
"smith" finds them (rules.name_keys). Their tail was empty: only those rows are read."""

from django.db import migrations


def fill(apps, schema_editor):
    from dms.customers.rules import name_keys

    Customer = apps.get_model("customers", "Customer")
    for pk, name in Customer.objects.filter(name_tail="").values_list("pk", "name").iterator():
        tail = name_keys(name)["name_tail"]
        if tail:
            Customer.objects.filter(pk=pk).update(name_tail=tail)


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_known_since")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
