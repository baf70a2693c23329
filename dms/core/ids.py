"""Opaque record ids.

Business records get random 52-bit integer ids instead of a shared sequence, so that an
id reveals nothing about another group's volume, and still fits a JavaScript number.
"""

import secrets

from django.db import models


def new_id() -> int:
    return secrets.randbits(52) | (1 << 40)


class OpaqueIdModel(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)

    class Meta:
        abstract = True
