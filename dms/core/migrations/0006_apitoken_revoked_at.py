"""ApiToken.revoked_at: a token signed out, or revoked with all its user's tokens (a password change,
a deactivation, POST /api/v1/auth/tokens/revoke-all), keeps its row with the moment it stopped."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0005_event_txid")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
