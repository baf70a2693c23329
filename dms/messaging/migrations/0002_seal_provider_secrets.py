"""The providers' secrets already in the database are sealed (dms/messaging/vault.py)."""

from django.db import migrations


def seal(apps, schema_editor):
    from dms.messaging.vault import sealed

    ChannelConfig = apps.get_model("messaging", "ChannelConfig")
    for config in ChannelConfig.objects.all():
        values = sealed(config.settings) if isinstance(config.settings, dict) else config.settings
        if values != config.settings:
            ChannelConfig.objects.filter(pk=config.pk).update(settings=values)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_outbox")]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
