"""The database cache's table (settings.CACHES, when REDIS_URL is not set): the sign-in lockout's and
the rate limits' counts are shared by every worker process through it. `migrate` (make run, make dev,
a deployment) creates it, so no separate createcachetable step is needed; a cache that is not a
database cache (Redis) needs no table and this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_apitoken_revoked_at")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
