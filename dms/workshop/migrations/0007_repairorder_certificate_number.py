from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workshop", "0006_fee_categories"),
    ]

    operations = [
        migrations.AddField(
            model_name="repairorder",
            name="certificate_number",
            field=models.CharField(blank=True, max_length=30, verbose_name="completion certificate number"),
        ),
    ]
