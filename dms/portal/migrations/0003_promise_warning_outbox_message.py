"""The promise warning's text becomes a message of messaging's outbox (step 1 of 3: the new link)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_outbox"),
        ("portal", "0002_promise_warning"),
    ]

    operations = [
        migrations.AddField(
            model_name="promisewarning",
            name="outbox_message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="messaging.message",
                verbose_name="text message to the customer",
            ),
        ),
    ]
