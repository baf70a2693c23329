"""The portal's own SMS record goes (step 3 of 3): its rows are in messaging's outbox."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_outbound_messages_to_outbox"),
    ]

    operations = [
        migrations.RemoveField(model_name="promisewarning", name="message"),
        migrations.RenameField(model_name="promisewarning", old_name="outbox_message", new_name="message"),
        migrations.DeleteModel(name="OutboundMessage"),
    ]
