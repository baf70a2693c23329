"""The customer's own pages, reached by a signed, expiring link (no login): repair status and approval of extra work."""

from django.db import models  # noqa: F401
