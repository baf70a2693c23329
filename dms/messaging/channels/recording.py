"""The recording channel: for the demo and development, and for a store with no provider yet.

Nothing leaves: the message is kept as if sent, with the reason "recorded only — nothing was sent",
and the pages that show it say so.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .base import Provider, Sent


def recorded_note() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("recorded only — nothing was sent")


class Recording(Provider):
    name = "recording"
    dedups = True  # nothing is sent, so nothing can be sent twice

    def send(self, message) -> Sent:
        return Sent(note=recorded_note())

    def find(self, message) -> Sent | None:
        return None
