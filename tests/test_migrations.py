"""Every change to a model has its migration: a model edited without one would leave production's
database behind the code (makemigrations --check, as the suite's own database is made by migrate)."""

import pytest
from django.core.management import call_command


def test_no_model_change_is_missing_its_migration(db, capsys):
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{capsys.readouterr().out}")
