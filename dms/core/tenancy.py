"""Tenancy, enforced in one place.

A request acts as a `Tenant`: one user, in one store of one dealer group, with the role they
hold there. Every query of group- or store-scoped records starts from `for_tenant(tenant)` on
the model's scoped manager, and single records are fetched with `get_scoped`, which answers
NotFound for records of another group (their existence is not revealed).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import Forbidden, NotFound
from .models import Store, StoreMembership, User
from .roles import permissions_for
from .scoping import GroupScopedQuerySet, StoreScopedQuerySet  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Tenant:
    user: User
    store: Store
    role: str
    stores: tuple[Store, ...]

    @property
    def group_id(self) -> int:
        return self.store.group_id

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.role)

    def can(self, perm: str) -> bool:
        return perm in self.permissions

    def require(self, perm: str) -> None:
        if not self.can(perm):
            raise Forbidden(_("Your role does not allow this."))


class NoTenant(Forbidden):
    pass


def resolve_tenant(user: User, store_code: str | None = None) -> Tenant:
    """The tenant a user acts as: the named store if they work there, else their home store."""
    memberships = list(
        StoreMembership.objects.filter(user=user, store__group_id=user.group_id)
        .select_related("store", "store__group")
        .order_by("store__code")
    )
    if not memberships:
        raise NoTenant(_("This account does not work in any store."))
    chosen = None
    if store_code:
        chosen = next((m for m in memberships if m.store.code == store_code), None)
        if chosen is None:
            raise NoTenant(_("You do not work in store %(code)s.") % {"code": store_code})
    if chosen is None:
        chosen = next((m for m in memberships if m.store_id == user.home_store_id), memberships[0])
    return Tenant(user=user, store=chosen.store, role=chosen.role, stores=tuple(m.store for m in memberships))


def get_scoped(queryset, tenant: Tenant, **lookup):
    """One record the tenant may see, or NotFound."""
    try:
        return queryset.for_tenant(tenant).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
