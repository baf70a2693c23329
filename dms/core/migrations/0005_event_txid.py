"""Event.txid: the writing transaction's id on PostgreSQL (a database default, NULL on SQLite), and
the store's index in the events API's order (txid, id).

On PostgreSQL the existing events take this migration's transaction id: they all committed before
it (adding the column waits for every transaction writing events), so they stay first, in id order."""

from django.db import migrations, models

import dms.core.models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_superuser_belongs_to_no_group")]

    operations = [
        migrations.RemoveIndex(model_name="event", name="event_by_store"),
        migrations.AddField(
            model_name="event",
            name="txid",
            field=models.BigIntegerField(
                blank=True, db_default=dms.core.models.CurrentTransactionId(), editable=False, null=True
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["store", "txid", "id"], name="event_in_store_order"),
        ),
    ]
