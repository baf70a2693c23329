"""Maintenance packages by model (km/months), canned jobs and the service recommendations drawn from them."""

from django.db import models  # noqa: F401
