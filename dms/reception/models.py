"""Reception (接待): the check-in at the tablet: walk-around inspection, signature, comeback check."""

from django.db import models  # noqa: F401
