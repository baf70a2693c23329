"""The kinds of message a store sends, each a template with named parameters.

Chinese SMS providers (Alibaba Cloud, Tencent Cloud) and WeChat template messages send only
templates registered in advance with the provider, filled with parameters. So a message is a kind
(its template) plus its parameters; each store maps every kind to its own template code and
parameter order in its ChannelConfig (see models.ChannelConfig). The text here is what the
recording channel keeps, what e-mail sends, and what the timeline shows: the provider's registered
template should say the same.

The service loop's four texts (dms/portal/notify.py: status link, approval link, delay, promise at
risk) are kinds here with the same words, so that they move onto the outbox unchanged.

`store`, `name` (the customer's salutation), `phone` and `address` (the store's) are filled in by
message_queue when the caller leaves them out.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dms.core.roles import Perm

AUTO_PARAMS = ("store", "name", "phone", "address")


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise
    params: tuple[str, ...]  # required
    optional: tuple[str, ...] = ()
    link: str = ""  # the parameter that is a link to open (WeChat makes the message clickable)
    # Staff read the link in the text only with this permission (shown_body): the customer's
    # approval link decides for them, so it is for the roles that may edit the order.
    link_perm: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return self.params + self.optional


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("status_link", gettext_lazy("Progress link"), ("store", "name", "plate", "number", "url"), link="url"),
        Kind(
            "approval_link", gettext_lazy("Extra work approval link"),
            ("store", "name", "plate", "url", "phone"), link="url", link_perm=Perm.RO_EDIT,
        ),
        Kind("delay", gettext_lazy("Delay notice"), ("store", "name", "plate", "time", "url"), ("reason",), link="url"),
        Kind(
            "promise_at_risk", gettext_lazy("Promised time at risk"),
            ("store", "name", "plate", "time", "url", "phone"), link="url",
        ),
        Kind(
            "appointment_confirmation", gettext_lazy("Appointment confirmation"),
            ("store", "name", "plate", "time", "phone"), ("address",),
        ),
        Kind(
            "delivery_photo", gettext_lazy("Delivery photo"), ("store", "name", "model", "url", "phone"), link="url"
        ),
        Kind("note", pgettext_lazy("message kind", "Free text"), ("store", "text")),
    )
}  # fmt: skip

FREE_TEXT = "note"
HIDDEN_LINK = gettext_lazy("[link hidden]")


def shown_body(message, tenant) -> str:
    """The text of `message` as `tenant`'s role may read it: a link its kind keeps for a permission
    the role lacks (the customer's approval link) is replaced by "[link hidden]"."""
    kind = KINDS.get(message.kind)
    if kind is None or not kind.link_perm or (tenant is not None and tenant.can(kind.link_perm)):
        return message.body
    link = str((message.params or {}).get(kind.link) or "")
    return message.body.replace(link, str(HIDDEN_LINK)) if link else message.body


def _text(kind: str, p: dict) -> str:
    if kind == "status_link":
        return (
            _(
                "[%(store)s] %(name)s, your car %(plate)s is with us (repair order %(number)s). "
                "Follow its progress here: %(url)s"
            )
            % p
        )
    if kind == "approval_link":
        return (
            _(
                "[%(store)s] %(name)s, while repairing %(plate)s we found extra work that needs your "
                "decision. Please look at it and decide here: %(url)s (valid for 24 hours). Questions: %(phone)s"
            )
            % p
        )
    if kind == "delay":
        if p.get("reason"):
            return (
                _(
                    "[%(store)s] %(name)s, we are sorry: %(plate)s will be ready at %(time)s, later than "
                    "we promised (%(reason)s). Progress: %(url)s"
                )
                % p
            )
        return (
            _(
                "[%(store)s] %(name)s, we are sorry: %(plate)s will be ready at %(time)s, later than "
                "we promised. Progress: %(url)s"
            )
            % p
        )
    if kind == "promise_at_risk":
        return (
            _(
                "[%(store)s] %(name)s, we are sorry: %(plate)s may not be ready by %(time)s as we "
                "promised. Your service advisor will tell you the new time shortly. Progress: %(url)s "
                "Questions: %(phone)s"
            )
            % p
        )
    if kind == "appointment_confirmation":
        return _(
            "[%(store)s] %(name)s, your appointment for %(plate)s is confirmed for %(time)s. "
            "Address: %(address)s. Questions: %(phone)s"
        ) % {"address": "", **p}
    if kind == "delivery_photo":
        return (
            _(
                "[%(store)s] %(name)s, congratulations on your new %(model)s! Here is the photo we took at the "
                "delivery, to keep: %(url)s Any question about the car: %(phone)s"
            )
            % p
        )
    return _("[%(store)s] %(text)s") % p


def _subject(kind: str, p: dict) -> str:
    if kind in ("status_link", "approval_link", "delay", "promise_at_risk"):
        return _("[%(store)s] About your car %(plate)s") % p
    if kind == "appointment_confirmation":
        return _("[%(store)s] Your appointment on %(time)s") % p
    return _("[%(store)s] A message from your service team") % p


def render(kind: str, params: dict, *, marketing_sms: bool = False) -> tuple[str, str]:
    """(subject, body) of a message of `kind` in the installation's language (Chinese). A marketing
    SMS ends with how to unsubscribe, as Chinese carriers require."""
    p = {name: "" for name in KINDS[kind].names} | {k: str(v) for k, v in params.items()}
    with translation.override(settings.LANGUAGE_CODE):
        body = _text(kind, p)
        if marketing_sms:
            body += _(" Reply T to unsubscribe.")
        return _subject(kind, p), body
