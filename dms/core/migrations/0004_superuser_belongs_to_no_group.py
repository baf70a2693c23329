from django.db import migrations, models


def demote_group_superusers(apps, schema_editor):
    """Group administrators made superusers before (the demo's admin) keep the admin as staff."""
    User = apps.get_model("core", "User")
    User.objects.filter(is_superuser=True, group__isnull=False).update(is_superuser=False, is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_event")]

    operations = [
        migrations.RunPython(demote_group_superusers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_superuser", False), ("group__isnull", True), _connector="OR"),
                name="superuser_belongs_to_no_group",
                violation_error_message="A user of a dealer group cannot be a superuser.",
            ),
        ),
    ]
