"""PostgreSQL indexes for vehicle search: VIN and reversed VIN by prefix, plates by prefix and by
any part (trigram). SQLite keeps the plain indexes.

The prefix indexes are btrees on (group_id, column COLLATE "C", id) INCLUDE (owner_id), for
`column LIKE 'x%'` ordered by `column COLLATE "C", id` with a LIMIT, reading owner_id: an
index-only range scan that stops after the LIMIT (see customers/migrations/0002_search_indexes.py).
The trigram index serves "any part of a plate" (LIKE '%x%'): a bitmap scan of the matches, then
a sort of them; a part of 4 or more characters matches about a hundred plates at most."""

from django.db import migrations

PREFIX = {"veh_s_vin": "vin", "veh_s_vin_tail": "vin_tail", "veh_s_plate": "plate"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in PREFIX.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON vehicles_vehicle "
            f'(group_id, "{column}" COLLATE "C", id) INCLUDE (owner_id)'
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS veh_s_plate_trgm ON vehicles_vehicle USING gin (plate gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*PREFIX, "veh_s_plate_trgm"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
