"""What a reservation or an issue is for, without importing the apps that own those records.

Parts know an appointment or a repair order only by kind and id (no foreign key), so that parts
does not depend on scheduling or the workshop. Those apps may register, in their AppConfig.ready(),
a resolver that checks the id and names the record:

    from dms.parts.links import register_order_kind
    register_order_kind("repair_order", lambda tenant, for_id: repair_order_number(tenant, for_id))

A resolver returns the reference written on stock moves (e.g. the repair order number) and raises
dms.core.errors.NotFound when the tenant's store has no such record. Without a resolver, any
positive id is accepted and the caller's reference is kept.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from dms.core.errors import DomainError, NotFound
from dms.core.tenancy import Tenant

from .models import ForKind

Resolver = Callable[[Tenant, int], str]
_RESOLVERS: dict[str, Resolver] = {}


def register_order_kind(kind: str, resolve: Resolver) -> None:
    if kind not in ForKind.values:
        raise ValueError(f"unknown kind {kind!r}; add it to dms.parts.models.ForKind first")
    _RESOLVERS[kind] = resolve


def resolve_order(tenant: Tenant, *, for_kind: str, for_id, reference: str = "") -> tuple[str, int, str]:
    """Check a (kind, id) pair; return it with the reference to record."""
    if for_kind not in ForKind.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(ForKind.values)}, field="for_kind")
    if isinstance(for_id, bool) or not isinstance(for_id, int) or not 0 < for_id < 2**63:
        raise DomainError(_("Give the id of the appointment or repair order."), field="for_id")
    reference = (reference or "").strip()[:40]
    resolve = _RESOLVERS.get(for_kind)
    if resolve is not None:
        try:
            reference = resolve(tenant, for_id) or reference
        except NotFound:
            message = (
                _("This store has no such appointment.")
                if for_kind == ForKind.APPOINTMENT
                else _("This store has no such repair order.")
            )
            raise DomainError(message, field="for_id") from None
    return for_kind, for_id, reference
