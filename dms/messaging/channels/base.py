"""One interface for every way a message leaves: a provider sends one message, or says why not.

A provider is built from the store's ChannelConfig (None: the recording channel) and answers:

- `send(message) -> Sent`, or raises `SendFailed(reason, retry=...)`: retry=True for what may pass
  (the provider is down, answers 5xx, throttles), False for what will not (an invalid number, a
  template the provider does not know, a rejected signature).
- `find(message) -> Sent | None`: after a worker died while sending (its lease lapsed), did the
  provider get the message? None: it did not, so it is sent again. Raises LookupUnsupported when
  the provider cannot tell (outbox.py then relies on `dedups` or sends again; see there).
- `dedups`: the provider itself drops a second request with the message's idempotency key
  (message.outbox_key), so sending again after a lost answer cannot send twice.
"""

import abc
from dataclasses import dataclass

import httpx
from django.conf import settings


@dataclass
class Sent:
    provider_message_id: str = ""
    note: str = ""  # kept as the message's reason (e.g. "recorded only — nothing was sent")


class SendFailed(Exception):
    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class LookupUnsupported(Exception):
    """The provider keeps no record we can ask by our idempotency key."""


class Provider(abc.ABC):
    name = ""
    dedups = False

    def __init__(self, config=None):
        self.config = config
        self.settings: dict = config.plain_settings if config is not None else {}

    @abc.abstractmethod
    def send(self, message) -> Sent:
        """Hand the message to the provider; SendFailed when it was not accepted."""

    def find(self, message) -> Sent | None:
        raise LookupUnsupported()

    # --- helpers for the HTTP providers ------------------------------------------------------

    def setting(self, name: str) -> str:
        value = self.settings.get(name)
        if value in (None, ""):
            raise SendFailed(f"{self.name}: the store's configuration lacks “{name}”.", retry=False)
        return str(value)

    def template(self, message) -> dict:
        templates = self.settings.get("templates") or {}
        entry = templates.get(message.kind)
        if not entry:
            raise SendFailed(
                f"{self.name}: no template is registered for messages of kind “{message.kind}”.", retry=False
            )
        return entry

    def client(self) -> httpx.Client:
        return httpx.Client(timeout=settings.DMS_OUTBOX_HTTP_TIMEOUT)


def http_failure(exc: Exception, provider: str) -> SendFailed:
    """A transport error (refused, reset, timed out) or a 5xx: worth another try."""
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return SendFailed(f"{provider}: HTTP {status}", retry=status >= 500 or status == 429)
    return SendFailed(f"{provider}: {type(exc).__name__}: {exc}"[:300], retry=True)
